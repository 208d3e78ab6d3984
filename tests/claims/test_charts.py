from claims.charts import PLOT_WIDTH, BarInput, build, nice_max, range_words
from claims.intervals import INF, Interval


def test_axis_ends_at_a_round_number_above_every_bound():
    assert nice_max(115 * 1.15) == 200
    assert nice_max(7) == 10
    chart = build([BarInput("a", Interval(85, 115)), BarInput("b", Interval(157.5, INF))])
    assert chart.axis_max == 200
    assert [t.label for t in chart.ticks] == ["0", "40", "80", "120", "160", "200"]
    assert [t.index for t in chart.ticks] == [0, 1, 2, 3, 4, 5]


def test_axis_has_a_title_with_its_unit():
    assert build([BarInput("a", Interval(1, 2))], "Killed").axis_title == "Number killed (people)"
    assert build([BarInput("a", Interval(1, 2))], "Wounded").axis_title == "Number wounded (people)"


def test_open_ended_interval_runs_to_the_edge_with_an_arrow():
    chart = build([BarInput("at least 46", Interval(46, INF))])
    bar = chart.bars[0]
    assert bar.open_ended and bar.arrow
    assert bar.x + bar.width <= PLOT_WIDTH


def test_closed_bars_sit_on_the_shared_axis():
    chart = build([BarInput("a", Interval(0, 50)), BarInput("b", Interval(50, 100))])
    a, b = chart.bars
    assert a.x == 0
    assert abs((a.x + a.width) - b.x) < 0.2
    assert not a.arrow


def test_exact_figure_still_has_a_visible_bar():
    chart = build([BarInput("13", Interval(13, 13)), BarInput("100", Interval(100, 100))])
    assert chart.bars[0].width >= 4


def test_diverging_bars_are_flagged_in_their_css_class_with_what_they_diverge_from():
    chart = build(
        [
            BarInput("a", Interval(1, 2), diverging=True, diverges_from=("b: 5 to 6",)),
            BarInput("b", Interval(5, 6)),
        ]
    )
    assert chart.bars[0].css == "bar diverging" and chart.bars[1].css == "bar"
    assert chart.bars[0].diverges_from == ("b: 5 to 6",)


def test_labels_are_kept_in_full():
    chart = build([BarInput("x" * 100, Interval(1, 2))])
    assert chart.bars[0].label == "x" * 100


def test_legend_names_only_the_kinds_of_bar_shown():
    plain = build([BarInput("a", Interval(1, 2))])
    assert [e.css for e in plain.legend] == ["bar"]
    mixed = build(
        [
            BarInput("a", Interval(1, INF), diverging=True),
            BarInput("b", Interval(5, INF), rolled_up=True),
        ]
    )
    assert [e.css for e in mixed.legend] == [
        "bar",
        "bar open-ended",
        "bar rolled-up",
        "bar diverging",
    ]


def test_ranges_are_read_in_whole_people():
    assert range_words(Interval(85, 115)) == "85 to 115"
    assert range_words(Interval(144.5, 195.5)) == "145 to 195"
    assert range_words(Interval(157.5, INF)) == "at least 158"
    assert range_words(Interval(13, 13)) == "13"
    assert range_words(Interval(0, 9)) == "at most 9"
