"""Side-by-side views of the evidence: an event's figures, a claim's stance matrix.

Each function reads everything it shows in a fixed number of queries (origins are resolved in bulk
by claims.evidence, which also names the speakers), so pages cost the same however many rows they show.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from claims import charts, evidence, intervals
from claims.evidence import attribution_origins, speaker_label
from claims.models import Attribution, Claim, Event, Figure


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
    on: date | None

    @property
    def written(self) -> str:
        return written(self.figure)


@dataclass
class FigureGroup:
    measure: str
    measure_label: str
    population: str
    rows: list[FigureRow] = field(default_factory=list)


@dataclass
class EventComparison:
    groups: list[FigureGroup]
    charts: list[tuple[str, charts.Chart]]  # (measure label, chart)
    timeline: list[tuple[date | None, list[FigureRow]]]
    divergences: list[tuple[str, str, str, str]]  # measure, population, side a, side b
    divergence_count: int = 0  # every diverging pair; `divergences` lists the widest apart
    page: Page | None = None  # the page of figures shown (all of them on one page, usually)

    @property
    def unlisted_divergences(self) -> int:
        return self.divergence_count - len(self.divergences)

    @property
    def has_figures(self) -> bool:
        return bool(self.groups)


# Diverging pairs the page names per group; a hot event can hold a million, all of them counted.
DIVERGENCES_LISTED = 20


# Figures shown per page of the event page: the charts, table and timeline of a hot event with
# thousands of figures would weigh megabytes. Divergences are always found among all of them.
FIGURES_PER_PAGE = 100
ORDER = ("measure", "population", "low", "pk")


def event_figures(event: Event, claims) -> QuerySet:
    return Figure.objects.filter(event=event, attribution__claim__in=claims).order_by(*ORDER)


def _facts(figures: QuerySet) -> list[intervals.FigureFact]:
    """Every figure as a FigureFact, from one narrow query (no model instances)."""
    columns = ("pk", "attribution_id", "event_id", "measure", "population", "low", "high")
    facts = []
    for *head, low, high, superseded_by in figures.values_list(*columns, "superseded_by_id"):
        upper = intervals.INF if high is None else high
        facts.append(
            intervals.FigureFact(*head, intervals.Interval(low, upper), superseded_by is not None)
        )
    return facts


def compare_event(event: Event, claims, page: int | str | None = 1) -> EventComparison:
    """Group the event's figures by measure and population, chart them, and find divergences.

    Divergences are found among every figure; the groups, charts and timeline show one page of
    FIGURES_PER_PAGE figures, in (measure, population, low) order.
    """
    queryset = event_figures(event, claims)
    all_facts = _facts(queryset)
    figures_page = Paginator(all_facts, FIGURES_PER_PAGE).get_page(page)
    report = intervals.find_divergences(all_facts, limit=DIVERGENCES_LISTED)
    found = report.pairs
    diverging_ids = report.figure_ids
    diverging_estimates = {(e.attribution_id, e.measure, e.population) for e in report.diverging}
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

    rows_by_figure: dict[int, FigureRow] = {}
    groups: dict[tuple[str, str], FigureGroup] = {}
    for f in figures:
        a = f.attribution
        origin = origins[a.pk][1]
        row = FigureRow(
            figure=f,
            attribution=a,
            speaker=speaker_label(a, origin),
            origin=origin,
            diverging=f.pk in diverging_ids,
            on=f.as_of or a.stated_on or a.document.published,
        )
        rows_by_figure[f.pk] = row
        key = (f.measure, f.population)
        if key not in groups:
            groups[key] = FigureGroup(f.measure, f.get_measure_display(), f.population)
        groups[key].rows.append(row)

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
            )
        )
    for est in intervals.estimates(all_facts):
        # A total rolled up from parts is charted on the page that shows all of its parts.
        if not est.rolled_up or not shown.issuperset(est.figure_ids):
            continue
        a = attributions[est.attribution_id]
        speaker = speaker_label(a, origins[a.pk][1])
        parts = " + ".join(described(rows_by_figure[i].figure) for i in est.figure_ids)
        by_measure[est.measure].append(
            charts.BarInput(
                label=f"total from parts ({parts}) — {speaker}",
                interval=est.interval,
                diverging=(est.attribution_id, est.measure, est.population) in diverging_estimates,
                rolled_up=True,
                detail=f"Total implied by {parts}: {speaker}",
            )
        )
    chart_list = [(labels[m], charts.build(bars)) for m, bars in by_measure.items()]

    timeline: dict[date | None, list[FigureRow]] = defaultdict(list)
    for row in rows_by_figure.values():
        timeline[row.on].append(row)
    ordered = sorted(timeline.items(), key=lambda kv: (kv[0] is None, kv[0] or date.min))

    pairs = []
    for d in found:
        sides = []
        for est in (d.a, d.b):
            a = attributions[est.attribution_id]
            speaker = speaker_label(a, origins[a.pk][1])
            parts = " + ".join(described(loaded[i]) for i in est.figure_ids)
            sides.append(f"“{parts}” ({speaker}): {est.interval}")
        pairs.append((Figure.Measure(d.measure).label, d.population, sides[0], sides[1]))

    return EventComparison(
        groups=list(groups.values()),
        charts=chart_list,
        timeline=ordered,
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


def claim_attributions(claim: Claim) -> list[Attribution]:
    """The claim's attributions with speaker, via, document and outlet joined, oldest first."""
    return list(
        claim.attributions.select_related("speaker", "via", "document__outlet")
        .prefetch_related("figures")
        .order_by("stated_on", "document__published", "pk")
    )


def stance_matrix(attributions: list[Attribution]) -> list[StanceColumn]:
    """Columns supports / refutes / questions / neutral; inside each, attributions by origin.

    Attributions sharing an origin are one piece of evidence, so they are listed together.
    Each attribution gets `origin_label` and `speaker_label` attributes for the template.
    """
    evidence.label(attributions)
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
