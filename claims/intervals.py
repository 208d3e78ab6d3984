"""Figure intervals, roll-up of sub-populations, and divergence. Plain Python, no Django.

A reported number is an interval of the values it admits: "at least 46" is [46, ∞), "around 100"
is [85, 115] with the default tolerance. Two reports of the same toll disagree when their intervals
cannot both hold, that is, when they do not overlap.
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

INF = math.inf
TOTAL = "total"

# Floors implied by vague quantity words ("dozens" means at least two dozen).
UNSPECIFIED_FLOORS = {
    "a few": 2,
    "few": 2,
    "several": 3,
    "a number": 2,
    "many": 2,
    "dozens": 24,
    "scores": 40,
    "hundreds": 200,
    "thousands": 2000,
}


@dataclass(frozen=True, order=True)
class Interval:
    low: float
    high: float

    def __post_init__(self) -> None:
        if self.low < 0 or self.high < self.low:
            raise ValueError(f"Not an interval of counts: [{self.low}, {self.high}]")

    def overlaps(self, other: "Interval") -> bool:
        return self.low <= other.high and other.low <= self.high

    @property
    def open_ended(self) -> bool:
        return self.high == INF

    def __str__(self) -> str:
        high = "∞" if self.high == INF else _num(self.high)
        return f"[{_num(self.low)}, {high}{')' if self.high == INF else ']'}"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def interval(
    qualifier: str, value: int | None, value_high: int | None = None, tolerance: float = 0.15
) -> Interval:
    """The interval a qualified figure admits (see SPEC.md, "Figure intervals")."""
    if qualifier == "unspecified":
        return Interval(max(1, value or 1), INF)
    if value is None:
        raise ValueError("A number is required for this qualifier.")
    match qualifier:
        case "exact":
            return Interval(value, value)
        case "at_least":
            return Interval(value, INF)
        case "more_than":
            return Interval(value + 1, INF)
        case "at_most":
            return Interval(0, value)
        case "fewer_than":
            return Interval(0, max(0, value - 1))
        case "approximately":
            return Interval(value * (1 - tolerance), value * (1 + tolerance))
        case "range":
            if value_high is None:
                raise ValueError("A range needs its upper end.")
            return Interval(value, value_high)
    raise ValueError(f"Unknown qualifier {qualifier!r}")


def normalise_population(population: str) -> str:
    return " ".join(population.split()).casefold() or TOTAL


@dataclass(frozen=True)
class FigureFact:
    """What divergence needs to know about one stored figure."""

    id: int
    attribution_id: int
    event_id: int | None
    measure: str
    population: str
    interval: Interval
    superseded: bool = False


@dataclass(frozen=True)
class Estimate:
    """One attribution's interval for one population: stated, or rolled up from its parts."""

    attribution_id: int
    event_id: int | None
    measure: str
    population: str
    interval: Interval
    figure_ids: tuple[int, ...]
    rolled_up: bool = False


@dataclass(frozen=True)
class Divergence:
    event_id: int | None
    measure: str
    population: str
    a: Estimate
    b: Estimate


@dataclass
class _Group:
    by_population: dict[str, list[FigureFact]] = field(default_factory=lambda: defaultdict(list))


def estimates(figures: Iterable[FigureFact]) -> list[Estimate]:
    """Each attribution's estimates per (event, measure, population), superseded figures left out.

    Sub-populations reported in one attribution are taken as disjoint: their lows add up to a
    lower bound for the total, used when the attribution gives no total of its own.
    """
    groups: dict[tuple, _Group] = defaultdict(_Group)
    for fig in figures:
        if fig.superseded:
            continue
        key = (fig.attribution_id, fig.event_id, fig.measure)
        groups[key].by_population[normalise_population(fig.population)].append(fig)
    out: list[Estimate] = []
    for (attribution_id, event_id, measure), group in groups.items():
        for population, figs in group.by_population.items():
            for fig in figs:
                out.append(
                    Estimate(attribution_id, event_id, measure, population, fig.interval, (fig.id,))
                )
        parts = [f for pop, figs in group.by_population.items() if pop != TOTAL for f in figs]
        if parts and TOTAL not in group.by_population:
            low = sum(f.interval.low for f in parts)
            out.append(
                Estimate(
                    attribution_id,
                    event_id,
                    measure,
                    TOTAL,
                    Interval(low, INF),
                    tuple(f.id for f in parts),
                    rolled_up=True,
                )
            )
    return out


def divergences(figures: Iterable[FigureFact]) -> list[Divergence]:
    """Pairs of estimates from different attributions, same event/measure/population, disjoint."""
    by_key: dict[tuple, list[Estimate]] = defaultdict(list)
    for est in estimates(figures):
        by_key[(est.event_id, est.measure, est.population)].append(est)
    found = []
    for (event_id, measure, population), ests in by_key.items():
        for a, b in combinations(ests, 2):
            if a.attribution_id != b.attribution_id and not a.interval.overlaps(b.interval):
                found.append(Divergence(event_id, measure, population, a, b))
    return found
