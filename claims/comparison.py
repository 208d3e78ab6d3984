"""Side-by-side views of the evidence: an event's figures, a claim's stance matrix.

Each function reads everything it shows in a fixed number of queries (origins are resolved in bulk
by claims.evidence, which also names the speakers), so pages cost the same however many rows they show.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet

from api.conditional import once_per_version
from claims import charts, evidence, intervals
from claims.evidence import attribution_origins, speaker_label
from claims.models import Attribution, Claim, Event, Figure
from sources import dates


def written(figure: Figure) -> str:
    """The figure as written in the source, or its qualifier and number when not recorded."""
    if figure.text:
        return figure.text
    if figure.qualifier == Figure.Qualifier.RANGE:
        return f"{figure.value} to {figure.value_high}"
    if figure.value is None:
        return figure.get_qualifier_display().lower()
    if figure.qualifier == Figure.Qualifier.EXACT:
        return str(figure.value)
    return f"{figure.get_qualifier_display().lower()} {figure.value}"


def described(figure: Figure) -> str:
    """The figure as written, naming its population when the written words do not."""
    if figure.text or figure.population == intervals.TOTAL:
        return written(figure)
    return f"{written(figure)} ({figure.population})"


@dataclass
class FigureRow:
    figure: Figure
    attribution: Attribution
    speaker: str
    origin: str
    diverging: bool
    on: date | None  # the date the figure refers to: as-of, else said, else first reported
    on_precision: str = dates.DatePrecision.DAY
    diverges_from: tuple[str, ...] = ()
    repeats: list["FigureRow"] = field(default_factory=list)  # later reports of the same figure

    @property
    def written(self) -> str:
        return written(self.figure)

    @property
    def on_display(self) -> str:
        return dates.display(self.on, self.on_precision)

    @property
    def reported(self) -> date | None:
        """When the document that carries it was published."""
        return self.attribution.document.published

    @property
    def reported_display(self) -> str:
        document = self.attribution.document
        return dates.display(document.published, document.published_precision)

    @property
    def reported_later(self) -> bool:
        """True when the document came out after the date the figure refers to (a relay)."""
        return bool(self.on and self.reported and self.reported > self.on)

    @property
    def interval_words(self) -> str:
        return charts.range_words(self.figure.interval())


@dataclass
class FigureGroup:
    measure: str
    measure_label: str
    population: str
    rows: list[FigureRow] = field(default_factory=list)


@dataclass
class TimelineDay:
    on: date | None
    label: str  # the date as precisely as known, or "Undated"
    rows: list[FigureRow]


@dataclass
class EventComparison:
    groups: list[FigureGroup]
    charts: list[tuple[str, charts.Chart]]  # (measure label, chart)
    timeline: list[TimelineDay]
    divergences: list[tuple[str, str, str, str]]  # measure, population, side a, side b
    divergence_count: int = 0  # every diverging pair; `divergences` lists the widest apart
    page: Page | None = None  # the page of figures shown (all of them on one page, usually)

    @property
    def unlisted_divergences(self) -> int:
        return self.divergence_count - len(self.divergences)

    @property
    def has_figures(self) -> bool:
        return bool(self.groups)


# Figures shown per page of the event page: the charts, table and timeline of a hot event with
# thousands of figures would weigh megabytes. Divergences are always found among all of them.
FIGURES_PER_PAGE = 100
ORDER = ("measure", "population", "low", "pk")


def event_figures(event: Event, claims, user) -> QuerySet:
    """The event's figures on `claims` (those `user` may see) that `user` sees."""
    return (
        Figure.objects.reviewed_for(user)
        .filter(event=event, attribution__claim__in=claims)
        .order_by(*ORDER)
    )


def claim_figures(claim: Claim, user) -> QuerySet:
    """The claim's figures that `user` sees (the public: approved ones)."""
    return Figure.objects.reviewed_for(user).filter(attribution__claim=claim).order_by(*ORDER)


def figure_facts(figures: QuerySet) -> list[intervals.FigureFact]:
    """Every figure as a FigureFact, from one narrow query (no model instances)."""
    return [Figure.fact_from(*row) for row in figures.values_list(*Figure.FACT_COLUMNS)]


def _placed(f: Figure, a: Attribution) -> tuple[date | None, str]:
    """Where a figure sits in time: the date it refers to, else when its speaker said it, else
    when it was first reported; with the precision of that date."""
    if f.as_of:
        return f.as_of, f.as_of_precision
    if a.stated_on:
        return a.stated_on, dates.DatePrecision.DAY
    return a.document.published, a.document.published_precision


def _same_figure(row: FigureRow) -> tuple:
    f = row.figure
    return (
        f.measure,
        intervals.normalise_population(f.population),
        f.qualifier,
        f.value,
        f.value_high,
    )


def _timeline(rows: list[FigureRow]) -> list[TimelineDay]:
    """Each figure at the date it refers to; a later report of the same figure is shown as a
    repeat under the first, not as a new point in time."""
    first: dict[tuple, FigureRow] = {}
    placed: list[FigureRow] = []
    for row in sorted(rows, key=lambda r: (r.on is None, r.on or date.min, r.figure.pk)):
        key = _same_figure(row)
        if row.on is not None and key in first:
            first[key].repeats.append(row)
            continue
        first.setdefault(key, row)
        placed.append(row)
    days: dict[tuple, TimelineDay] = {}
    for row in placed:
        k = (row.on, row.on_precision)
        if k not in days:
            days[k] = TimelineDay(row.on, row.on_display or "Undated", [])
        days[k].rows.append(row)
    return list(days.values())


class Facts(NamedTuple):
    """What a comparison computes over every figure of a set: each figure as a FigureFact (in the
    queryset's order), the divergences among them (the pairs listed up to DIVERGENCES_LISTED per
    group), and the totals rolled up from parts ("13 soldiers" + "2 civilians")."""

    facts: list[intervals.FigureFact]
    found: intervals.DivergenceReport
    totals: list[intervals.Estimate]


def facts_and_divergences(figures: QuerySet, version=None) -> Facts:
    """The Facts of `figures`, once per `version` (see once_per_version)."""
    return once_per_version(version, lambda: _facts_and_divergences(figures))


def _facts_and_divergences(figures: QuerySet) -> Facts:
    facts = figure_facts(figures)
    return Facts(
        facts,
        intervals.find_divergences(facts, limit=intervals.DIVERGENCES_LISTED),
        [est for est in intervals.estimates(facts) if est.rolled_up],
    )


def shown_page(figures: QuerySet, page: int | str | None, version=None) -> int:
    """The number of the page of FIGURES_PER_PAGE figures that compare_figures shows for `page`:
    as Paginator.get_page reads it (the first for anything but a number, the last past the end).
    `version`: see facts_and_divergences."""
    # Kept apart from the Facts: reading them back from the cache to count them cost 10 ms.
    count = once_per_version(
        None if version is None else (version, "count"),
        lambda: len(facts_and_divergences(figures, version).facts),
    )
    return Paginator(range(count), FIGURES_PER_PAGE).get_page(page).number


def compare_figures(
    queryset: QuerySet, page: int | str | None = 1, *, version=None
) -> EventComparison:
    """compare_event for any set of figures (an event's, one claim's)."""
    all_facts, report, totals = facts_and_divergences(queryset, version)
    figures_page = Paginator(all_facts, FIGURES_PER_PAGE).get_page(page)
    found = report.pairs
    # A figure is marked only when its own interval diverges; the parts of a rolled-up total
    # ("13 American soldiers") are not, the total's own bar is.
    diverging_ids = report.marked_figure_ids
    diverging_estimates = {
        (e.attribution_id, e.measure, e.population, e.figure_ids) for e in report.diverging
    }
    shown = {f.id for f in figures_page}
    named = {i for d in found for est in (d.a, d.b) for i in est.figure_ids}
    loaded = {
        f.pk: f
        for f in Figure.objects.filter(pk__in=shown | named)
        .select_related(
            "attribution__claim",
            "attribution__speaker",
            "attribution__via",
            "attribution__document__outlet",
        )
        .defer("attribution__document__text", "attribution__claim__status_reason")
    }
    figures = [loaded[f.id] for f in figures_page]
    attributions = {f.attribution_id: f.attribution for f in loaded.values()}
    origins = attribution_origins(attributions.values())

    def side(est: intervals.Estimate) -> str:
        a = attributions[est.attribution_id]
        speaker = speaker_label(a, origins[a.pk][1])
        parts = " + ".join(described(loaded[i]) for i in est.figure_ids)
        total = "a total of " if est.rolled_up else ""
        return f"“{parts}” ({speaker}): {total}{charts.range_words(est.interval)}"

    # What each estimate diverges from, in words, from the listed pairs.
    against: dict[tuple, list[str]] = defaultdict(list)
    pairs = []
    for d in found:
        sides = [side(d.a), side(d.b)]
        for est, other in ((d.a, sides[1]), (d.b, sides[0])):
            against[(est.attribution_id, est.measure, est.population, est.figure_ids)].append(other)
        pairs.append((Figure.Measure(d.measure).label, d.population, sides[0], sides[1]))

    def diverges_from(key: tuple) -> tuple[str, ...]:
        if key not in diverging_estimates:
            return ()
        return tuple(against.get(key) or ["another source's figure"])

    rows_by_figure: dict[int, FigureRow] = {}
    groups: dict[tuple[str, str], FigureGroup] = {}
    for f in figures:
        a = f.attribution
        origin = origins[a.pk][1]
        on, precision = _placed(f, a)
        key = (a.pk, f.measure, intervals.normalise_population(f.population), (f.pk,))
        row = FigureRow(
            figure=f,
            attribution=a,
            speaker=speaker_label(a, origin),
            origin=origin,
            diverging=f.pk in diverging_ids,
            on=on,
            on_precision=precision,
            diverges_from=diverges_from(key) if f.pk in diverging_ids else (),
        )
        rows_by_figure[f.pk] = row
        group_key = (f.measure, f.population)
        if group_key not in groups:
            groups[group_key] = FigureGroup(f.measure, f.get_measure_display(), f.population)
        groups[group_key].rows.append(row)

    # One chart per measure: every figure of that measure, plus the totals rolled up from parts.
    by_measure: dict[str, list[charts.BarInput]] = defaultdict(list)
    labels: dict[str, str] = {}
    for f in figures:
        row = rows_by_figure[f.pk]
        labels[f.measure] = f.get_measure_display()
        as_written = described(f)
        flag = " — superseded" if f.superseded_by_id else ""
        by_measure[f.measure].append(
            charts.BarInput(
                label=f"{as_written} — {row.speaker}",
                interval=f.fact().interval,
                diverging=row.diverging,
                superseded=f.superseded_by_id is not None,
                detail=f"{as_written}: {row.speaker}; origin {row.origin}{flag}",
                diverges_from=row.diverges_from,
            )
        )
    for est in totals:
        # A total rolled up from parts is charted on the page that shows all of its parts.
        if not shown.issuperset(est.figure_ids):
            continue
        a = attributions[est.attribution_id]
        speaker = speaker_label(a, origins[a.pk][1])
        parts = " + ".join(described(rows_by_figure[i].figure) for i in est.figure_ids)
        key = (est.attribution_id, est.measure, est.population, est.figure_ids)
        by_measure[est.measure].append(
            charts.BarInput(
                label=f"Total from parts ({parts}) — {speaker}",
                interval=est.interval,
                diverging=key in diverging_estimates,
                rolled_up=True,
                detail=f"Total implied by {parts}: {speaker}",
                diverges_from=diverges_from(key),
            )
        )
    chart_list = [(labels[m], charts.build(bars, labels[m])) for m, bars in by_measure.items()]

    return EventComparison(
        groups=list(groups.values()),
        charts=chart_list,
        timeline=_timeline(list(rows_by_figure.values())),
        divergences=pairs,
        divergence_count=report.total,
        page=figures_page,
    )


@dataclass
class OriginGroup:
    origin: str
    attributions: list[Attribution]

    @property
    def repeated(self) -> bool:
        return len(self.attributions) > 1


@dataclass
class StanceColumn:
    stance: str
    label: str
    groups: list[OriginGroup]

    @property
    def count(self) -> int:
        return sum(len(g.attributions) for g in self.groups)


def claim_attributions(claim: Claim, user) -> list[Attribution]:
    """The claim's attributions that `user` sees (the public: approved ones) with speaker, via,
    document, outlet and their figures, oldest first."""
    return list(
        claim.attributions.reviewed_for(user)
        .select_related("speaker", "via", "document__outlet")
        .prefetch_related(Prefetch("figures", Figure.objects.reviewed_for(user)))
        .order_by("stated_on", "document__published", "pk")
    )


def stance_matrix(
    attributions: list[Attribution], origins: dict | None = None
) -> list[StanceColumn]:
    """Columns supports / refutes / questions / neutral; inside each, attributions by origin.

    Attributions sharing an origin are one piece of evidence, so they are listed together.
    Each attribution gets `origin_label` and `speaker_label` attributes for the template.
    """
    evidence.label(attributions, origins)
    columns = []
    for stance in Attribution.Stance:
        by_origin: dict[tuple, OriginGroup] = {}
        for a in attributions:
            if a.stance != stance:
                continue
            group = by_origin.setdefault(a.origin_key, OriginGroup(a.origin_label, []))
            group.attributions.append(a)
        columns.append(StanceColumn(stance.value, stance.label, list(by_origin.values())))
    return columns
