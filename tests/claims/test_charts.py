from claims.charts import PLOT_LEFT, PLOT_RIGHT, BarInput, build, nice_max
from claims.intervals import INF, Interval


def test_axis_ends_at_a_round_number_above_every_bound():
    assert nice_max(115 * 1.15) == 200
    assert nice_max(7) == 10
    chart = build([BarInput("a", Interval(85, 115)), BarInput("b", Interval(157.5, INF))])
    assert chart.axis_max == 200
    assert [t.label for t in chart.ticks] == ["0", "40", "80", "120", "160", "200"]


def test_open_ended_interval_runs_to_the_edge_with_an_arrow():
    chart = build([BarInput("at least 46", Interval(46, INF))])
    bar = chart.bars[0]
    assert bar.open_ended and bar.arrow
    assert bar.x + bar.width <= PLOT_RIGHT


def test_closed_bars_sit_on_the_shared_axis():
    chart = build([BarInput("a", Interval(0, 50)), BarInput("b", Interval(50, 100))])
    a, b = chart.bars
    assert a.x == PLOT_LEFT
    assert abs((a.x + a.width) - b.x) < 0.2
    assert not a.arrow


def test_exact_figure_still_has_a_visible_bar():
    chart = build([BarInput("13", Interval(13, 13)), BarInput("100", Interval(100, 100))])
    assert chart.bars[0].width >= 4


def test_diverging_bars_are_flagged_in_their_css_class():
    chart = build([BarInput("a", Interval(1, 2), diverging=True), BarInput("b", Interval(5, 6))])
    assert chart.bars[0].css == "bar diverging" and chart.bars[1].css == "bar"


def test_long_labels_are_shortened_but_kept_in_full_as_detail():
    chart = build([BarInput("x" * 100, Interval(1, 2))])
    assert len(chart.bars[0].label) <= 44 and chart.bars[0].detail == "x" * 100
