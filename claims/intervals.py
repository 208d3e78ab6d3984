"""Figure intervals, roll-up of sub-populations, and divergence. Plain Python, no Django.

A reported number is an interval of the values it admits: "at least 46" is [46, ∞), "around 100"
is [85, 115] with the default tolerance. Two reports of the same toll disagree when their intervals
cannot both hold, that is, when they do not overlap.

Bounds are exact: integers, or Decimals with at most PLACES decimal places (never binary floats,
which made "around 100" [85, 114.99999999999999] and so diverge from exactly 115). A tolerance is
read from its decimal text (0.15 is 15/100), and a bound that would need more places is rounded
outwards, so an interval only ever widens by less than a millionth.
"""

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

INF = math.inf
TOTAL = "total"
PLACES = 6  # decimal places a bound keeps (Figure.low/high store as many)
_QUANTUM = Decimal(1).scaleb(-PLACES)

Bound = int | Decimal | float  # float only for INF


def exact(x, rounding=ROUND_FLOOR) -> Bound:
    """`x` as an exact bound: an int when whole, else a Decimal of at most PLACES places."""
    if isinstance(x, float):
        if math.isinf(x):
            return x
        x = Decimal(repr(x))
    if isinstance(x, int):
        return x
    if x == x.to_integral_value():
        return int(x)
    return x.quantize(_QUANTUM, rounding=rounding) if x.as_tuple().exponent < -PLACES else x


def as_number(x: Bound | None, *, upper: bool = False) -> int | None:
    """A bound in whole people, for pages, JSON and CSV: a low bound rounded up, a high bound
    (`upper`) rounded down; None for no upper bound. Counts are whole, so an interval admits the
    same counts either way: “some 170” is 145 to 195, never 144.5 or 195.49999999999997."""
    if x is None or x == INF:
        return None
    x = exact(x)
    return math.floor(x) if upper else math.ceil(x)


def whole(interval: "Interval") -> tuple[int, int | None]:
    """The interval in whole people: the low end rounded up, the high end down (None if open)."""
    low = as_number(interval.low)
    high = as_number(interval.high, upper=True)
    return low, None if high is None else max(low, high)


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
    low: Bound
    high: Bound

    def __post_init__(self) -> None:
        object.__setattr__(self, "low", exact(self.low, ROUND_FLOOR))
        object.__setattr__(self, "high", exact(self.high, ROUND_CEILING))
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


def _num(x: Bound) -> str:
    x = exact(x)
    return str(x) if isinstance(x, int) else format(x.normalize(), "f")


def interval(
    qualifier: str,
    value: int | None,
    value_high: int | None = None,
    tolerance: float | Decimal | str = Decimal("0.15"),
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
            t = Decimal(repr(tolerance)) if isinstance(tolerance, float) else Decimal(tolerance)
            return Interval(value * (1 - t), value * (1 + t))
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


@dataclass(frozen=True)
class DivergenceReport:
    """The divergences among a set of figures, computed without building every pair.

    `pairs` holds at most `limit` pairs per (event, measure, population) group, in the order
    `itertools.combinations` would give them when the group has no more than `limit`, else the
    most widely separated ones; `counts` and `total` count every pair all the same.
    """

    pairs: list[Divergence]
    counts: dict[tuple, int]  # (event, measure, population) -> number of diverging pairs
    diverging: frozenset[Estimate]  # every estimate that takes part in at least one pair

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def figure_ids(self) -> set[int]:
        return {i for est in self.diverging for i in est.figure_ids}

    @property
    def marked_figure_ids(self) -> set[int]:
        """Figures whose own interval diverges: the parts of a rolled-up total that diverges
        ("13 American soldiers" in 170 + 13) are not marked; the total is."""
        return {i for est in self.diverging if not est.rolled_up for i in est.figure_ids}


def _count_disjoint(ests: list[Estimate]) -> int:
    """Unordered pairs with disjoint intervals: for each a, the b lying wholly above it."""
    lows = sorted(e.interval.low for e in ests)
    return sum(len(lows) - bisect_right(lows, e.interval.high) for e in ests)


def _two_extremes(ests: list[Estimate], value, pick) -> list[tuple[float, int]]:
    """The most extreme value per `pick`, and the most extreme from another attribution."""
    best: tuple[float, int] | None = None
    second: tuple[float, int] | None = None
    for e in ests:
        v = value(e)
        if best is None or pick(v, best[0]):
            if best is not None and best[1] != e.attribution_id:
                second = best
            best = (v, e.attribution_id)
        elif e.attribution_id != best[1] and (second is None or pick(v, second[0])):
            second = (v, e.attribution_id)
    return [x for x in (best, second) if x is not None]


def _other(extremes: list[tuple[float, int]], attribution_id: int) -> float | None:
    for v, owner in extremes:
        if owner != attribution_id:
            return v
    return None


def _group_pairs(ests: list[Estimate], limit: int | None) -> list[tuple[int, int]]:
    """Up to `limit` diverging (i, j) index pairs, i < j, in input order; when capped, the
    lowest intervals paired with the highest (the widest apart) are the ones kept."""
    if limit is not None and limit <= 0:
        return []
    by_high = sorted(range(len(ests)), key=lambda i: (ests[i].interval.high, i))
    by_low_desc = sorted(range(len(ests)), key=lambda i: (-ests[i].interval.low, i))
    found: list[tuple[int, int]] = []
    for i in by_high:
        a = ests[i]
        for j in by_low_desc:
            b = ests[j]
            if b.interval.low <= a.interval.high:
                break
            if b.attribution_id != a.attribution_id:
                found.append((min(i, j), max(i, j)))
                if limit is not None and len(found) >= limit:
                    return sorted(found)
    return sorted(found)


# Diverging pairs listed per group, the widest apart, on the event page and in the API alike; a
# hot event can hold a million, and all of them are counted.
DIVERGENCES_LISTED = 20


def find_divergences(figures: Iterable[FigureFact], limit: int | None = None) -> DivergenceReport:
    """Pairs of estimates from different attributions, same event/measure/population, disjoint.

    O(n log n) per group for the counts and the diverging estimates; the pairs themselves are
    enumerated only up to `limit` per group (all of them when `limit` is None), since a hot
    event's two thousand figures can make a million pairs.
    """
    by_key: dict[tuple, list[Estimate]] = defaultdict(list)
    for est in estimates(figures):
        by_key[(est.event_id, est.measure, est.population)].append(est)
    pairs: list[Divergence] = []
    counts: dict[tuple, int] = {}
    diverging: set[Estimate] = set()
    for key, ests in by_key.items():
        if len(ests) < 2:
            continue
        by_attribution: dict[int, list[Estimate]] = defaultdict(list)
        for e in ests:
            by_attribution[e.attribution_id].append(e)
        same = sum(_count_disjoint(own) for own in by_attribution.values() if len(own) > 1)
        count = _count_disjoint(ests) - same
        if not count:
            continue
        counts[key] = count
        lowest_highs = _two_extremes(ests, lambda e: e.interval.high, lambda v, w: v < w)
        highest_lows = _two_extremes(ests, lambda e: e.interval.low, lambda v, w: v > w)
        for e in ests:
            below = _other(lowest_highs, e.attribution_id)
            above = _other(highest_lows, e.attribution_id)
            if (below is not None and below < e.interval.low) or (
                above is not None and above > e.interval.high
            ):
                diverging.add(e)
        event_id, measure, population = key
        for i, j in _group_pairs(ests, limit):
            pairs.append(Divergence(event_id, measure, population, ests[i], ests[j]))
    return DivergenceReport(pairs, counts, frozenset(diverging))


def divergences(figures: Iterable[FigureFact]) -> list[Divergence]:
    """Every diverging pair (see `find_divergences` for large sets)."""
    return find_divergences(figures).pairs
