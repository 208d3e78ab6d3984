"""Geometry of the interval charts on event and claim pages. Plain Python, no Django.

Each reported figure is one row: its label in full (HTML text that wraps, so nothing is cut off)
and a bar from its low to its high bound on an axis shared by every row of the chart; an
open-ended figure ("at least 46") runs to the right edge and ends in an arrow. The bars are drawn
in thin SVG strips of PLOT_WIDTH units that stretch to the width of their box, so the chart reads
the same at 1366 px (label beside bar) and at 390 px (label above bar). The page needs no script
and no inline style: tick labels sit at fixed fifths of the axis, placed by CSS classes.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from django.utils.html import format_html_join

from claims.intervals import INF, Interval, whole

PLOT_WIDTH = 1000  # viewBox units of every strip; the strip stretches to its box
STRIP_HEIGHT = 20
BAR_HEIGHT = 12
ARROW = 14  # length of the arrow head of an open-ended bar
MIN_BAR = 4  # an exact figure still shows as a visible tick
TICKS = 5  # intervals between tick marks: ticks sit at 0, 1/5, ... 5/5 of the axis


@dataclass(frozen=True)
class BarInput:
    label: str
    interval: Interval
    diverging: bool = False
    superseded: bool = False
    rolled_up: bool = False
    detail: str = ""  # the full description, for the bar's <title>
    diverges_from: tuple[str, ...] = ()  # the figures it cannot agree with, in words


@dataclass(frozen=True)
class Bar:
    label: str
    detail: str
    x: float
    width: float
    open_ended: bool
    arrow: str  # SVG polygon points of the arrow head, "" when closed
    diverging: bool
    superseded: bool
    rolled_up: bool
    range_text: str
    diverges_from: tuple[str, ...]

    @property
    def css(self) -> str:
        parts = ["bar"]
        if self.diverging:
            parts.append("diverging")
        if self.superseded:
            parts.append("superseded")
        if self.rolled_up:
            parts.append("rolled-up")
        return " ".join(parts)

    @property
    def bar_y(self) -> float:
        return (STRIP_HEIGHT - BAR_HEIGHT) / 2


@dataclass(frozen=True)
class Tick:
    index: int  # 0..TICKS: which fifth of the axis, for the CSS class that places its label
    x: float
    label: str


@dataclass(frozen=True)
class LegendEntry:
    css: str
    label: str

    @property
    def open_ended(self) -> bool:
        return "open-ended" in self.css


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    ticks: list[Tick]
    axis_max: float
    axis_title: str
    legend: list[LegendEntry]
    width: int = PLOT_WIDTH
    strip_height: int = STRIP_HEIGHT
    bar_height: int = BAR_HEIGHT

    @cached_property
    def grid(self) -> str:
        """The grid lines every bar's strip repeats, as SVG markup built once per chart (not once
        per bar by the template: 1,200 localized numbers for a page of 100 figures)."""
        return format_html_join(
            "",
            '<line class="grid" x1="{}" x2="{}" y1="0" y2="{}"/>',
            ((tick.x, tick.x, self.strip_height) for tick in self.ticks),
        )


def nice_max(value: float) -> float:
    """A round number at or above `value` (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def range_words(interval: Interval) -> str:
    """The range a figure admits, in words and whole people: "85 to 115", "at least 158", "13"."""
    low, high = whole(interval)
    if high is None:
        return f"at least {low}"
    if low == high:
        return str(low)
    if low == 0:
        return f"at most {high}"
    return f"{low} to {high}"


def axis_title(measure_label: str) -> str:
    """The axis title with its unit: "Number killed (people)"."""
    word = measure_label.lower()
    if word == "attackers":
        return "Number of attackers (people)"
    if word == "other":
        return "Number counted (people)"
    return f"Number {word} (people)"


def _legend(rows: Sequence[BarInput]) -> list[LegendEntry]:
    entries = [LegendEntry("bar", "Range a reported figure admits")]
    if any(r.interval.high == INF for r in rows):
        entries.append(LegendEntry("bar open-ended", "Arrow: no upper bound (“at least”)"))
    if any(r.rolled_up for r in rows):
        entries.append(LegendEntry("bar rolled-up", "Total implied by parts counted together"))
    if any(r.diverging for r in rows):
        entries.append(LegendEntry("bar diverging", "≠ Diverges: cannot overlap another source"))
    if any(r.superseded for r in rows):
        entries.append(LegendEntry("bar superseded", "Superseded by a later count"))
    return entries


def build(rows: Sequence[BarInput], measure_label: str = "Killed") -> Chart:
    """Lay out one bar per row on a shared axis from 0 to a round number above every finite bound."""
    finite = [float(b) for r in rows for b in (r.interval.low, r.interval.high) if b != INF]
    top = max(finite, default=1)
    # Leave room to the right of the largest bound so open-ended bars visibly run past it.
    axis_max = nice_max(top * 1.15)

    def x_of(v: float) -> float:
        return PLOT_WIDTH * min(float(v), axis_max) / axis_max

    bars = []
    for row in rows:
        x0 = x_of(row.interval.low)
        open_ended = row.interval.high == INF
        x1 = PLOT_WIDTH - ARROW if open_ended else x_of(row.interval.high)
        width = max(MIN_BAR, x1 - x0)
        if x0 + width > PLOT_WIDTH:
            x0 = PLOT_WIDTH - width
        arrow = ""
        if open_ended:
            end = x0 + width
            arrow = f"{end:.1f},1 {PLOT_WIDTH},{STRIP_HEIGHT / 2:.1f} {end:.1f},{STRIP_HEIGHT - 1}"
        bars.append(
            Bar(
                label=row.label,
                detail=row.detail or row.label,
                x=round(x0, 1),
                width=round(width, 1),
                open_ended=open_ended,
                arrow=arrow,
                diverging=row.diverging,
                superseded=row.superseded,
                rolled_up=row.rolled_up,
                range_text=range_words(row.interval),
                diverges_from=row.diverges_from,
            )
        )
    ticks = [
        Tick(index=k, x=round(x_of(axis_max * k / TICKS), 1), label=_fmt(axis_max * k / TICKS))
        for k in range(TICKS + 1)
    ]
    return Chart(
        bars=bars,
        ticks=ticks,
        axis_max=axis_max,
        axis_title=axis_title(measure_label),
        legend=_legend(rows),
    )
