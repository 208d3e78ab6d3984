import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims.intervals import (
    INF,
    FigureFact,
    Interval,
    divergences,
    estimates,
    find_divergences,
    interval,
)


@pytest.mark.parametrize(
    ("qualifier", "value", "high", "expected"),
    [
        ("exact", 13, None, Interval(13, 13)),
        ("at_least", 46, None, Interval(46, INF)),
        ("more_than", 140, None, Interval(141, INF)),
        ("at_most", 1000, None, Interval(0, 1000)),
        ("fewer_than", 10, None, Interval(0, 9)),
        ("approximately", 100, None, Interval(85, 115)),
        ("range", 800, 1000, Interval(800, 1000)),
        ("unspecified", None, None, Interval(1, INF)),
        ("unspecified", 24, None, Interval(24, INF)),
    ],
)
def test_interval_for_every_qualifier(qualifier, value, high, expected):
    assert interval(qualifier, value, high) == expected  # exact, not approximately


def test_approximately_uses_the_configured_tolerance():
    got = interval("approximately", 100, tolerance=0.1)
    assert (got.low, got.high) == (90, 110)


def test_around_100_includes_115():
    around = interval("approximately", 100)
    assert (around.low, around.high) == (85, 115)
    assert around.overlaps(interval("exact", 115))
    facts = [
        FigureFact(1, 10, 1, "killed", "total", around),
        FigureFact(2, 20, 1, "killed", "total", interval("exact", 115)),
    ]
    assert divergences(facts) == []


def test_bounds_are_exact_decimals_without_float_noise():
    from decimal import Decimal

    from claims.intervals import as_number

    some_170 = interval("approximately", 170)
    assert (some_170.low, some_170.high) == (Decimal("144.5"), Decimal("195.5"))
    assert (as_number(some_170.low), as_number(some_170.high, upper=True)) == (145, 195)
    assert str(some_170) == "[144.5, 195.5]"
    # A tolerance needing more places than stored is rounded outwards: the interval only widens.
    odd = interval("approximately", 3, tolerance="0.3333333")
    assert odd.low == Decimal("2.000000") and odd.high == Decimal("4.000000")
    assert odd.low <= 3 * (1 - Decimal("0.3333333")) and odd.high >= 3 * (1 + Decimal("0.3333333"))


def test_range_needs_its_high_end():
    with pytest.raises(ValueError, match="upper end"):
        interval("range", 800)


def test_reversed_interval_is_refused():
    with pytest.raises(ValueError):
        Interval(10, 5)


def fact(
    pk, attribution, population, qualifier, value, superseded=False, measure="killed", high=None
):
    return FigureFact(
        pk, attribution, 1, measure, population, interval(qualifier, value, high), superseded
    )


def test_disjoint_sub_populations_roll_up_to_a_lower_bound_for_the_total():
    figures = [
        fact(1, 10, "Afghans", "approximately", 170),
        fact(2, 10, "US service members", "exact", 13),
    ]
    totals = [e for e in estimates(figures) if e.population == "total"]
    assert len(totals) == 1
    assert totals[0].interval.low == pytest.approx(157.5)
    assert totals[0].interval.high == INF
    assert totals[0].rolled_up and set(totals[0].figure_ids) == {1, 2}


def test_kabul_figures_diverge_after_roll_up():
    figures = [
        fact(1, 10, "Afghans", "approximately", 170),
        fact(2, 10, "US service members", "exact", 13),
        fact(3, 20, "total", "approximately", 100),
    ]
    [d] = divergences(figures)
    assert d.population == "total"
    assert {d.a.attribution_id, d.b.attribution_id} == {10, 20}


def test_overlapping_figures_do_not_diverge():
    assert (
        divergences(
            [fact(1, 10, "total", "at_least", 46), fact(2, 20, "total", "approximately", 50)]
        )
        == []
    )


def test_superseded_figure_does_not_diverge():
    figures = [
        fact(1, 10, "total", "exact", 20, superseded=True),
        fact(2, 20, "total", "at_least", 46),
    ]
    assert divergences(figures) == []


def test_figures_of_one_attribution_never_diverge_with_each_other():
    assert divergences([fact(1, 10, "total", "exact", 20), fact(2, 10, "total", "exact", 40)]) == []


def test_different_measures_are_not_compared():
    figures = [
        fact(1, 10, "total", "exact", 20),
        fact(2, 20, "total", "exact", 40, measure="wounded"),
    ]
    assert divergences(figures) == []


def test_population_names_compare_case_and_space_insensitively():
    figures = [fact(1, 10, "Afghans", "exact", 20), fact(2, 20, " afghans ", "exact", 40)]
    assert len(divergences(figures)) == 1


def _brute_force(figures):
    """The definition, pair by pair: the reference the fast version must agree with."""
    from itertools import combinations

    groups: dict = {}
    for est in estimates(figures):
        groups.setdefault((est.event_id, est.measure, est.population), []).append(est)
    return [
        (a, b)
        for ests in groups.values()
        for a, b in combinations(ests, 2)
        if a.attribution_id != b.attribution_id and not a.interval.overlaps(b.interval)
    ]


_figure_lists = st.lists(
    st.tuples(
        st.integers(1, 6),  # attribution
        st.sampled_from(["total", "Afghans", "civilians"]),
        st.sampled_from(["exact", "at_least", "at_most", "approximately", "range"]),
        st.integers(0, 60),
        st.integers(0, 30),
        st.booleans(),
    ),
    max_size=40,
)


@given(_figure_lists, st.one_of(st.none(), st.integers(1, 5)))
def test_fast_divergences_agree_with_the_pairwise_definition(rows, limit):
    figures = [
        fact(i, attr, pop, q, v, superseded=sup and i % 3 == 0, high=v + extra)
        for i, (attr, pop, q, v, extra, sup) in enumerate(rows, start=1)
    ]
    expected = _brute_force(figures)
    report = find_divergences(figures, limit=limit)
    assert report.total == len(expected)
    assert report.diverging == {e for pair in expected for e in pair}
    got = [(d.a, d.b) for d in report.pairs]
    if limit is None:
        assert got == expected
    else:
        assert set(got) <= set(expected)
        groups = {(a.event_id, a.measure, a.population) for a, _ in expected}
        for key in groups:
            in_group = [p for p in got if (p[0].event_id, p[0].measure, p[0].population) == key]
            wanted = sum(1 for a, _ in expected if (a.event_id, a.measure, a.population) == key)
            assert len(in_group) == min(limit, wanted)
