"""django-filter FilterSets for events, claims, attributions and figures.

Filters that reach through attributions use `pk__in` sub-queries, so a claim matched by several
attributions appears once and lists need no DISTINCT.
"""

import django_filters as df
from django.db.models import Q

from api.filters import IdFilter, StrictBooleanFilter, is_id
from claims.models import Attribution, Claim, Event, Figure
from sources.models import Actor


def speaker_ids(value: str):
    """Actor ids for ?speaker=: an id, or a name, slug or any alias (IS-K, ISKP, Daesh...)."""
    value = value.strip()
    if is_id(value):
        return [int(value)]
    return Actor.objects.named(value).values("pk")


def outlet_q(prefix: str, value: str) -> Q:
    """Published by the outlet (id or slug), or relayed through it (`via`)."""
    value = value.strip()
    key = "id" if is_id(value) else "slug"
    return Q(**{f"{prefix}document__outlet__{key}": value}) | Q(**{f"{prefix}via__{key}": value})


def dated_between(prefix: str, after, before) -> Q:
    """Said within [after, before]: the stated date, else the document's date."""
    stated, published = Q(), Q()
    if after:
        stated &= Q(**{f"{prefix}stated_on__gte": after})
        published &= Q(**{f"{prefix}document__published__gte": after})
    if before:
        stated &= Q(**{f"{prefix}stated_on__lte": before})
        published &= Q(**{f"{prefix}document__published__lte": before})
    return (Q(**{f"{prefix}stated_on__isnull": False}) & stated) | (
        Q(**{f"{prefix}stated_on__isnull": True}) & published
    )


class EventFilter(df.FilterSet):
    date_after = df.DateFilter(field_name="date", lookup_expr="gte")
    date_before = df.DateFilter(field_name="date", lookup_expr="lte")
    q = df.CharFilter(method="search", label="Name or place contains")

    class Meta:
        model = Event
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(place__icontains=value))


class ClaimFilter(df.FilterSet):
    # No DISTINCT: the filter is on the claim's own column (DISTINCT over every column cost 0.3 s).
    status = df.MultipleChoiceFilter(choices=Claim.Status.choices, distinct=False)
    publication = df.ChoiceFilter(choices=Claim.Publication.choices)
    verdict = df.ChoiceFilter(choices=Claim.Verdict.choices)
    event = df.CharFilter(method="filter_event", label="Event id or slug")
    tag = df.CharFilter(field_name="tags__slug", label="Tag slug")
    speaker = df.CharFilter(method="filter_attributions", label="Speaker id, name or any alias")
    outlet = df.CharFilter(
        method="filter_attributions", label="Outlet id or slug (publisher or relaying outlet)"
    )
    stance = df.ChoiceFilter(choices=Attribution.Stance.choices, method="filter_attributions")
    voice = df.ChoiceFilter(choices=Attribution.Voice.choices, method="filter_attributions")
    date_after = df.DateFilter(method="filter_attributions", label="Said on or after (YYYY-MM-DD)")
    date_before = df.DateFilter(
        method="filter_attributions", label="Said on or before (YYYY-MM-DD)"
    )
    q = df.CharFilter(method="search", label="Words in the claim's text or in a quote")

    class Meta:
        model = Claim
        fields = []

    def filter_event(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(**{"event_id" if is_id(value) else "event__slug": value})

    def filter_attributions(self, queryset, name, value):
        # Combined once in filter_queryset, so speaker + stance must hold for the same attribution.
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        condition, used = Q(), False
        if data.get("speaker"):
            condition &= Q(speaker__in=speaker_ids(data["speaker"]))
            used = True
        if data.get("outlet"):
            condition &= outlet_q("", data["outlet"])
            used = True
        for field in ("stance", "voice"):
            if data.get(field):
                condition &= Q(**{field: data[field]})
                used = True
        if data.get("date_after") or data.get("date_before"):
            condition &= dated_between("", data.get("date_after"), data.get("date_before"))
            used = True
        if used:
            queryset = queryset.filter(
                pk__in=Attribution.objects.filter(condition).values("claim_id")
            )
        return queryset

    def search(self, queryset, name, value):
        quoted = Attribution.objects.filter(quote__icontains=value).values("claim_id")
        return queryset.filter(Q(text__icontains=value) | Q(pk__in=quoted))


class AttributionFilter(df.FilterSet):
    claim = IdFilter(field_name="claim")
    document = IdFilter(field_name="document")
    event = df.CharFilter(method="filter_event", label="Event id or slug (the claim's event)")
    measure = df.ChoiceFilter(
        choices=Figure.Measure.choices, method="filter_measure", label="Holds a figure of"
    )
    qualifier = df.ChoiceFilter(
        choices=Figure.Qualifier.choices, method="filter_qualifier", label="Holds a figure"
    )
    speaker = df.CharFilter(method="filter_speaker", label="Speaker id, name or any alias")
    outlet = df.CharFilter(method="filter_outlet", label="Outlet id or slug")
    stance = df.ChoiceFilter(choices=Attribution.Stance.choices)
    voice = df.ChoiceFilter(choices=Attribution.Voice.choices)
    date_after = df.DateFilter(method="filter_dates", label="Said on or after (YYYY-MM-DD)")
    date_before = df.DateFilter(method="filter_dates", label="Said on or before (YYYY-MM-DD)")

    class Meta:
        model = Attribution
        fields = []

    def filter_event(self, queryset, name, value):
        value = value.strip()
        key = "claim__event_id" if is_id(value) else "claim__event__slug"
        return queryset.filter(**{key: value})

    def filter_measure(self, queryset, name, value):
        return queryset.filter(pk__in=Figure.objects.filter(measure=value).values("attribution"))

    def filter_qualifier(self, queryset, name, value):
        return queryset.filter(pk__in=Figure.objects.filter(qualifier=value).values("attribution"))

    def filter_speaker(self, queryset, name, value):
        return queryset.filter(speaker__in=speaker_ids(value))

    def filter_outlet(self, queryset, name, value):
        return queryset.filter(outlet_q("", value))

    def filter_dates(self, queryset, name, value):
        data = self.form.cleaned_data
        if name == "date_before" and data.get("date_after"):
            return queryset  # both applied together below, when date_after ran
        after = data.get("date_after")
        before = data.get("date_before")
        return queryset.filter(dated_between("", after, before))


class FigureFilter(df.FilterSet):
    event = df.CharFilter(method="filter_event", label="Event id or slug")
    claim = IdFilter(field_name="attribution__claim")
    attribution = IdFilter(field_name="attribution")
    measure = df.ChoiceFilter(choices=Figure.Measure.choices)
    qualifier = df.ChoiceFilter(choices=Figure.Qualifier.choices)
    population = df.CharFilter(lookup_expr="iexact")
    speaker = df.CharFilter(method="filter_speaker", label="Speaker id, name or any alias")
    outlet = df.CharFilter(method="filter_outlet", label="Outlet id or slug")
    date_after = df.DateFilter(method="filter_dates", label="Counted or said on or after")
    date_before = df.DateFilter(method="filter_dates", label="Counted or said on or before")
    current = StrictBooleanFilter(method="filter_current", label="true: not superseded")

    class Meta:
        model = Figure
        fields = []

    def filter_event(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(**{"event_id" if is_id(value) else "event__slug": value})

    def filter_speaker(self, queryset, name, value):
        return queryset.filter(attribution__speaker__in=speaker_ids(value))

    def filter_outlet(self, queryset, name, value):
        return queryset.filter(outlet_q("attribution__", value))

    def filter_dates(self, queryset, name, value):
        data = self.form.cleaned_data
        if name == "date_before" and data.get("date_after"):
            return queryset
        after, before = data.get("date_after"), data.get("date_before")
        as_of = Q()
        if after:
            as_of &= Q(as_of__gte=after)
        if before:
            as_of &= Q(as_of__lte=before)
        return queryset.filter(
            (Q(as_of__isnull=False) & as_of)
            | (Q(as_of__isnull=True) & dated_between("attribution__", after, before))
        )

    def filter_current(self, queryset, name, value):
        return queryset.filter(superseded_by__isnull=value == "true")
