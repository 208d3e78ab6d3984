"""Filter forms of the public claim and event lists. Every filter is a GET parameter, so a filtered
list is a shareable address; the parameters match the API's (status, event, speaker, outlet, stance,
from, to)."""

from django import forms
from django.db.models import Q, QuerySet

from claims.models import Attribution, Claim


class DateInput(forms.DateInput):
    input_type = "date"


class ClaimFilterForm(forms.Form):
    q = forms.CharField(label="Text contains", required=False, max_length=200)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "any status"), *Claim.Status.choices]
    )
    event = forms.CharField(
        label="Event (slug or id)",
        required=False,
        max_length=200,
        help_text="e.g. kabul-airport-bombing-2021",
    )
    speaker = forms.CharField(
        label="Speaker (name or alias)", required=False, max_length=200, help_text="e.g. ISKP"
    )
    outlet = forms.CharField(label="Outlet (name or slug)", required=False, max_length=200)
    stance = forms.ChoiceField(
        label="Stance", required=False, choices=[("", "any stance"), *Attribution.Stance.choices]
    )
    date_from = forms.DateField(label="Stated from", required=False, widget=DateInput)
    date_to = forms.DateField(label="Stated until", required=False, widget=DateInput)

    def __init__(self, data=None, *args, **kwargs):
        # The form reads the query string; `from`/`to` are the API's names for the date range.
        if data is not None:
            data = data.copy()
            for short, name in (("from", "date_from"), ("to", "date_to")):
                if short in data and name not in data:
                    data[name] = data[short]
        super().__init__(data, *args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end of the range is before its start.")
        return cleaned

    def attribution_filter(self) -> Q | None:
        """Conditions that one attribution of the claim must meet together, or None."""
        data = self.cleaned_data
        condition = Q()
        used = False
        if data.get("speaker"):
            name = data["speaker"].strip()
            condition &= (
                Q(speaker__name__icontains=name)
                | Q(speaker__slug__iexact=name)
                | Q(speaker__aliases__name__icontains=name)
            )
            used = True
        if data.get("outlet"):
            name = data["outlet"].strip()
            condition &= (
                Q(document__outlet__name__icontains=name)
                | Q(document__outlet__slug__iexact=name)
                | Q(via__name__icontains=name)
                | Q(via__slug__iexact=name)
            )
            used = True
        if data.get("stance"):
            condition &= Q(stance=data["stance"])
            used = True
        if data.get("date_from"):
            condition &= Q(stated_on__gte=data["date_from"]) | Q(
                stated_on__isnull=True, document__published__gte=data["date_from"]
            )
            used = True
        if data.get("date_to"):
            condition &= Q(stated_on__lte=data["date_to"]) | Q(
                stated_on__isnull=True, document__published__lte=data["date_to"]
            )
            used = True
        return condition if used else None

    def filter(self, claims: QuerySet) -> QuerySet:
        """The claims matching every filter given; all of them when the form is invalid or empty."""
        if not self.is_valid():
            return claims.none()
        data = self.cleaned_data
        if data.get("q"):
            claims = claims.filter(text__icontains=data["q"])
        if data.get("status"):
            claims = claims.filter(status=data["status"])
        if data.get("event"):
            key = data["event"].strip()
            claims = claims.filter(
                Q(event__slug=key) | Q(event__pk=int(key)) if key.isdigit() else Q(event__slug=key)
            )
        condition = self.attribution_filter()
        if condition is not None:
            matching = Attribution.objects.filter(condition).values("claim_id")
            claims = claims.filter(pk__in=matching)
        return claims


class EventFilterForm(ClaimFilterForm):
    """Events by name, date, and the claims about them (status, speaker, outlet, stance)."""

    q = forms.CharField(label="Name or place contains", required=False, max_length=200)
    status = forms.ChoiceField(
        label="Has a claim with status",
        required=False,
        choices=[("", "any status"), *Claim.Status.choices],
    )
    date_from = forms.DateField(label="Happened from", required=False, widget=DateInput)
    date_to = forms.DateField(label="Happened until", required=False, widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["event"]

    def attribution_filter(self) -> Q | None:
        # The date range applies to the event, not to when things were said about it.
        dates = {k: self.cleaned_data.pop(k, None) for k in ("date_from", "date_to")}
        try:
            return super().attribution_filter()
        finally:
            self.cleaned_data.update(dates)

    def filter(self, events: QuerySet, claims: QuerySet) -> QuerySet:
        """Events matching every filter; `claims` are the claims the reader may see."""
        if not self.is_valid():
            return events.none()
        data = self.cleaned_data
        if data.get("q"):
            events = events.filter(Q(name__icontains=data["q"]) | Q(place__icontains=data["q"]))
        if data.get("date_from"):
            events = events.filter(date__gte=data["date_from"])
        if data.get("date_to"):
            events = events.filter(date__lte=data["date_to"])
        if data.get("status"):
            claims = claims.filter(status=data["status"])
        condition = self.attribution_filter()
        if condition is not None:
            claims = claims.filter(pk__in=Attribution.objects.filter(condition).values("claim_id"))
        if data.get("status") or condition is not None:
            events = events.filter(pk__in=claims.values("event_id"))
        return events
