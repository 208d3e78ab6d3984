"""django-filter FilterSets for events, claims, attributions and figures.

The claim and event FilterSets serve both the public list pages (their `.form` is the page's filter
form) and the API (`filterset_class`): one parameter, one meaning, one validation (a form error on
the page is a 400 naming the parameter in the API). Filters that reach through attributions use
`pk__in` sub-queries, so a claim matched by several attributions appears once and lists need no
DISTINCT.
"""

import django_filters as df
from django import forms
from django.db.models import Count, Exists, OuterRef, Q

from api.filters import IdFilter, StrictBooleanFilter, is_id
from claims.models import Attribution, Claim, Event, Figure
from claims.search import MAX_QUERY, matching_claims
from sources.models import Actor, ActorAlias, Outlet

MAX_TEXT = 200  # the longest name, slug or word list a filter accepts


class DateInput(forms.DateInput):
    input_type = "date"


class DateRangeForm(forms.Form):
    """The form behind a FilterSet with a date_after/date_before range: an end before the start
    is an error on the page and a 400 in the API."""

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_after"), cleaned.get("date_before")
        if start and end and start > end:
            self.add_error("date_before", "The end of the range is before its start.")
        return cleaned


def _exact_else_partial(queryset, exact: Q, partial: Q):
    """Ids of the rows matching `exact`; when none does, of the rows matching `partial`.

    One sub-query: "Taliban" names the Taliban (not every group with Taliban in its name), while
    "Amrullah", which names nobody exactly, finds Amrullah Saleh.
    """
    return queryset.filter(exact | (Q(~Exists(queryset.filter(exact))) & partial)).values("pk")


def speaker_ids(value: str):
    """Actor ids for ?speaker=: an id; else the actors whose name, slug or an alias is the value
    (any case: IS-K, ISKP, Daesh...); when none is, those whose name or an alias contains it."""
    value = value.strip()
    if is_id(value):
        return [int(value)]
    by_alias = ActorAlias.objects.filter(name__icontains=value).values("actor_id")
    return _ids(
        _exact_else_partial(
            Actor.objects.all(),
            Q(pk__in=Actor.objects.named(value).values("pk")),
            Q(name__icontains=value) | Q(pk__in=by_alias),
        )
    )


def _ids(matching) -> list[int]:
    """The matching ids as a list, read first: as a sub-query PostgreSQL cannot tell how few
    actors or outlets a name matches and, to fill a page of claims in date order, probed the
    sub-query once per claim (a claims list filtered by a speaker took 400 ms at scale 1)."""
    return [row["pk"] for row in matching]


def outlet_ids(value: str):
    """Outlet ids for ?outlet=: an id; else the outlet whose slug or name is the value (any case);
    when none is, those whose name contains it."""
    value = value.strip()
    if is_id(value):
        return [int(value)]
    return _ids(
        _exact_else_partial(
            Outlet.objects.all(),
            Q(slug=value.lower()) | Q(name__iexact=value),
            Q(name__icontains=value),
        )
    )


def outlet_q(prefix: str, value: str) -> Q:
    """Published by the outlet (see outlet_ids), or relayed through it (`via`)."""
    ids = outlet_ids(value)
    return Q(**{f"{prefix}document__outlet__in": ids}) | Q(**{f"{prefix}via__in": ids})


def dated_between(prefix: str, after, before) -> Q:
    """Said within [after, before]: by the date it was said (Attribution.said_on, the stated
    date else the document's), one indexed range condition."""
    said = Q()
    if after:
        said &= Q(**{f"{prefix}said_on__gte": after})
    if before:
        said &= Q(**{f"{prefix}said_on__lte": before})
    return said


def attribution_condition(data: dict, *, dates: bool = True) -> Q | None:
    """What one attribution must meet, all together, for its claim to match; None if nothing.

    `data` is a FilterSet's cleaned data: speaker, outlet, stance, voice and (when `dates`) the
    date_after/date_before range of when it was said.
    """
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
    if dates and (data.get("date_after") or data.get("date_before")):
        condition &= dated_between("", data.get("date_after"), data.get("date_before"))
        used = True
    return condition if used else None


def _claims_with(condition: Q, user):
    """Ids of claims with an attribution matching `condition` among those `user` sees."""
    return Attribution.objects.reviewed_for(user).filter(condition).values("claim_id")


def _text(label: str, help_text: str = "", max_length: int = MAX_TEXT, **kwargs) -> df.CharFilter:
    return df.CharFilter(label=label, help_text=help_text, max_length=max_length, **kwargs)


def _speaker() -> df.CharFilter:
    return _text(
        "Speaker",
        "Id, name or any alias (e.g. ISKP); part of a name when nobody has that exact name.",
        method="filter_attributions",
    )


def _outlet() -> df.CharFilter:
    return _text(
        "Outlet",
        "Id, slug or name (part of a name when none is exact); publisher or relaying outlet.",
        method="filter_attributions",
    )


def _stance() -> df.ChoiceFilter:
    return df.ChoiceFilter(
        choices=Attribution.Stance.choices,
        method="filter_attributions",
        empty_label="any stance",
        label="Stance",
    )


def _voice() -> df.ChoiceFilter:
    return df.ChoiceFilter(
        choices=Attribution.Voice.choices,
        method="filter_attributions",
        empty_label="any voice",
        label="Voice",
    )


def _status(label: str, **kwargs) -> df.MultipleChoiceFilter:
    # No DISTINCT: the filter is on the claim's own column (DISTINCT over every column cost 0.3 s).
    return df.MultipleChoiceFilter(
        choices=Claim.Status.choices,
        distinct=False,
        widget=forms.CheckboxSelectMultiple,
        label=label,
        help_text="Any of those ticked (repeat the parameter in the API: status=a&status=b).",
        **kwargs,
    )


class EventFilter(df.FilterSet):
    """Events by name, date, and the claims about them that the reader may see."""

    q = _text("Name or place contains", method="search")
    date_after = df.DateFilter(
        field_name="date", lookup_expr="gte", label="Happened on or after", widget=DateInput
    )
    date_before = df.DateFilter(
        field_name="date", lookup_expr="lte", label="Happened on or before", widget=DateInput
    )
    status = _status("Has a claim with status", method="filter_claims")
    speaker = _speaker()
    outlet = _outlet()
    stance = _stance()
    voice = _voice()

    class Meta:
        model = Event
        fields = []
        form = DateRangeForm

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(place__icontains=value))

    def filter_claims(self, queryset, name, value):
        return queryset  # combined in filter_queryset with the attribution filters

    filter_attributions = filter_claims

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        # The claims the reader may see: an event is never found through a draft.
        claims = Claim.objects.visible_to(getattr(self.request, "user", None))
        used = False
        if data.get("status"):
            claims = claims.filter(status__in=data["status"])
            used = True
        condition = attribution_condition(data, dates=False)
        if condition is not None:
            claims = claims.filter(
                pk__in=_claims_with(condition, getattr(self.request, "user", None))
            )
            used = True
        if used:
            queryset = queryset.filter(pk__in=claims.values("event_id"))
        return queryset


class ClaimFilter(df.FilterSet):
    """Claims by their own fields and by their attributions (speaker, outlet, stance, voice and
    date must hold for the same attribution)."""

    q = _text(
        "Words",
        "Words in the claim's text or in one of its quotes, matched as on the search page.",
        method="search",
        max_length=MAX_QUERY,
    )
    status = _status("Status")
    event = _text("Event", "Id or slug, e.g. kabul-airport-bombing-2021.", method="filter_event")
    speaker = _speaker()
    outlet = _outlet()
    stance = _stance()
    voice = _voice()
    date_after = df.DateFilter(
        method="filter_attributions", label="Said on or after", widget=DateInput
    )
    date_before = df.DateFilter(
        method="filter_attributions", label="Said on or before", widget=DateInput
    )
    tag = _text("Tag", "Tag slug, e.g. casualties.", field_name="tags__slug")
    publication = df.ChoiceFilter(
        choices=Claim.Publication.choices, empty_label="any publication state"
    )
    verdict = df.ChoiceFilter(choices=Claim.Verdict.choices, empty_label="any verdict")

    class Meta:
        model = Claim
        fields = []
        form = DateRangeForm

    def filter_event(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(**{"event_id" if is_id(value) else "event__slug": value})

    def filter_attributions(self, queryset, name, value):
        return queryset  # combined once in filter_queryset: the same attribution must match all

    def evidence(self) -> Q | None:
        """What one attribution must meet (attribution_condition), resolved once per FilterSet:
        the list and its count look a speaker's name up once."""
        if not hasattr(self, "_evidence"):
            self._evidence = attribution_condition(self.form.cleaned_data)
        return self._evidence

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        condition = self.evidence()
        if condition is not None:
            queryset = queryset.filter(
                pk__in=_claims_with(condition, getattr(self.request, "user", None))
            )
        return queryset

    def search(self, queryset, name, value):
        return matching_claims(value, queryset, user=getattr(self.request, "user", None))

    def count(self) -> int:
        """How many claims `qs` holds: always the answer of qs.count(), which the lists' pages
        (the API's and the public page's) take from here.

        A list narrowed by evidence alone (a date range, a speaker, an outlet...) holds the
        claims the reader sees that have a matching attribution: counted as the distinct claims
        of the matching attributions, less those of claims hidden from the reader (few: read
        from claim_hidden_id). Counting the claims instead joined the 38,000 claims of a year's
        attributions with the 80,000 public ones: 35-45 ms at scale 1, against 17 this way.
        Anything else (a filter on the claims themselves, a list not of the claims the reader
        sees): qs.count().
        """
        if not self.is_valid():
            return self.qs.count()
        user = getattr(self.request, "user", None)
        data = self.form.cleaned_data
        condition = self.evidence()
        on_claims = any(
            data.get(name) for name, f in self.filters.items() if f.method != "filter_attributions"
        )
        visible = Claim.objects.visible_to(user)
        if condition is None or on_claims or self.queryset.query.where != visible.query.where:
            return self.qs.count()
        hidden = Claim.objects.hidden_from(user).filter(pk=OuterRef("claim_id"))
        matching = _claims_with(condition, user).filter(~Exists(hidden))
        return matching.aggregate(n=Count("claim_id", distinct=True))["n"]


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
        return queryset.filter(pk__in=self._figures().filter(measure=value).values("attribution"))

    def filter_qualifier(self, queryset, name, value):
        return queryset.filter(pk__in=self._figures().filter(qualifier=value).values("attribution"))

    def _figures(self):
        return Figure.objects.reviewed_for(getattr(self.request, "user", None))

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
