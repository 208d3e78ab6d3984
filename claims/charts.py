"""Geometry of the interval chart on event pages. Plain Python, no Django.

Each reported figure is one horizontal bar from its low to its high bound on an axis shared by
every bar of the chart; an open-ended figure ("at least 46") runs to the right edge and ends in an
arrow. The template draws the SVG from these numbers, so the page needs no script.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from claims.intervals import INF, Interval

WIDTH = 760
LABEL_WIDTH = 290
MARKER_X = LABEL_WIDTH + 6  # the "diverges" word sits between the labels and the plot
PLOT_LEFT = LABEL_WIDTH + 86
PLOT_RIGHT = WIDTH - 16
ROW_HEIGHT = 28
BAR_HEIGHT = 14
TOP = 10
AXIS_HEIGHT = 34
MIN_BAR = 4  # an exact figure still shows as a visible tick


@dataclass(frozen=True)
class BarInput:
    label: str
    interval: Interval
    diverging: bool = False
    superseded: bool = False
    rolled_up: bool = False
    detail: str = ""  # the full description, for the bar's <title>


@dataclass(frozen=True)
class Bar:
    label: str
    detail: str
    y: float  # top of the row
    bar_y: float
    text_y: float
    x: float
    width: float
    open_ended: bool
    arrow: str  # SVG polygon points of the arrow head, "" when closed
    diverging: bool
    superseded: bool
    rolled_up: bool
    range_text: str

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


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    ticks: list[Tick]
    width: int
    height: float
    plot_left: int
    plot_right: int
    axis_y: float
    axis_max: float
    marker_x: int = MARKER_X

    @property
    def tick_y(self) -> float:
        return self.axis_y + 16


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


def _shorten(label: str, limit: int = 44) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def build(rows: Sequence[BarInput]) -> Chart:
    """Lay out one bar per row on a shared axis from 0 to a round number above every finite bound."""
    finite = [float(b) for r in rows for b in (r.interval.low, r.interval.high) if b != INF]
    top = max(finite, default=1)
    # Leave room to the right of the largest bound so open-ended bars visibly run past it.
    axis_max = nice_max(top * 1.15)
    span = PLOT_RIGHT - PLOT_LEFT

    def x_of(v: float) -> float:
        return PLOT_LEFT + span * min(float(v), axis_max) / axis_max

    bars = []
    for i, row in enumerate(rows):
        y = TOP + i * ROW_HEIGHT
        bar_y = y + (ROW_HEIGHT - BAR_HEIGHT) / 2
        x0 = x_of(row.interval.low)
        open_ended = row.interval.high == INF
        x1 = PLOT_RIGHT - 8 if open_ended else x_of(row.interval.high)
        width = max(MIN_BAR, x1 - x0)
        if x0 + width > PLOT_RIGHT:
            x0 = PLOT_RIGHT - width
        arrow = ""
        if open_ended:
            tip = PLOT_RIGHT
            arrow = (
                f"{x0 + width:.1f},{bar_y - 3:.1f} {tip:.1f},{bar_y + BAR_HEIGHT / 2:.1f} "
                f"{x0 + width:.1f},{bar_y + BAR_HEIGHT + 3:.1f}"
            )
        bars.append(
            Bar(
                label=_shorten(row.label),
                detail=row.detail or row.label,
                y=y,
                bar_y=bar_y,
                text_y=y + ROW_HEIGHT / 2 + 4,
                x=round(x0, 1),
                width=round(width, 1),
                open_ended=open_ended,
                arrow=arrow,
                diverging=row.diverging,
                superseded=row.superseded,
                rolled_up=row.rolled_up,
                range_text=str(row.interval),
            )
        )
    axis_y = TOP + len(rows) * ROW_HEIGHT + 4
    ticks = [
        Tick(x=round(x_of(axis_max * k / 5), 1), label=_fmt(axis_max * k / 5)) for k in range(6)
    ]
    return Chart(
        bars=bars,
        ticks=ticks,
        width=WIDTH,
        height=axis_y + AXIS_HEIGHT,
        plot_left=PLOT_LEFT,
        plot_right=PLOT_RIGHT,
        axis_y=axis_y,
        axis_max=axis_max,
    )
