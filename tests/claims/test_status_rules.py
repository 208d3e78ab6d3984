"""The status rules of SPEC.md as a pure function (claims.status.derive)."""

from datetime import date

from claims.intervals import FigureFact, divergences, interval
from claims.status import Evidence, Figures, Tension, derive


def ev(pk, *, speaker=None, origin=1, voice="own", stance="supports", on=date(2021, 8, 27)):
    origin_key = ("outlet", origin)
    source = ("actor", speaker) if speaker else ("origin", origin_key)
    label = f"Actor {speaker}" if speaker else f"Outlet {origin}"
    return Evidence(pk, source, label, origin_key, f"Outlet {origin}", voice, stance, on)


def test_no_attributions_is_unsupported():
    assert derive([]) == ("unsupported", "unsupported: no attributions yet")


def test_only_neutral_mentions_are_unsupported():
    assert derive([ev(1, stance="neutral")])[0] == "unsupported"


def test_one_origin_in_own_voice_is_reported():
    status, reason = derive([ev(1), ev(2, origin=1)])
    assert status == "reported"
    assert reason == "reported: stated as fact by Outlet 1 only"


def test_two_independent_origins_in_own_voice_corroborate():
    status, reason = derive([ev(1, origin=1), ev(2, origin=2)])
    assert status == "corroborated"
    assert reason == "corroborated: stated as fact by 2 independent outlets (Outlet 1 and Outlet 2)"


def test_corroboration_lists_every_outlet_in_words():
    _, reason = derive([ev(1, origin=1), ev(2, origin=2), ev(3, origin=3), ev(4, origin=4)])
    assert reason == (
        "corroborated: stated as fact by 4 independent outlets "
        "(Outlet 1, Outlet 2, Outlet 3 and Outlet 4)"
    )


def test_only_attributed_statements_make_it_attributed():
    status, reason = derive([ev(1, speaker=7, voice="quoted"), ev(2, voice="hearsay")])
    assert status == "attributed"
    assert reason == (
        "attributed: no outlet states it as fact; it rests on what others said: "
        "Actor 7 (quoted, 2021-08-27); Outlet 1 (2021-08-27)"
    )


def test_support_and_refutation_by_different_speakers_is_contested():
    status, reason = derive(
        [
            ev(1, speaker=7, voice="paraphrased"),
            ev(2, speaker=8, voice="paraphrased", stance="refutes"),
        ]
    )
    assert status == "contested"
    assert reason == (
        "contested: supported by Actor 7 (paraphrased, 2021-08-27), "
        "refuted by Actor 8 (paraphrased, 2021-08-27)"
    )


def test_questioning_by_another_speaker_is_contested():
    status, reason = derive([ev(1), ev(2, speaker=8, voice="quoted", stance="questions")])
    assert status == "contested"
    assert reason == (
        "contested: supported by Outlet 1 (in its own voice, 2021-08-27), "
        "questioned by Actor 8 (quoted, 2021-08-27)"
    )


def test_a_speaker_contradicting_itself_is_not_a_dispute():
    status, _ = derive(
        [ev(1, speaker=7, voice="quoted"), ev(2, speaker=7, voice="quoted", stance="refutes")]
    )
    assert status == "attributed"


def test_refutation_alone_is_unsupported():
    assert derive([ev(1, speaker=8, voice="quoted", stance="refutes")])[0] == "unsupported"


def test_diverging_figures_make_it_contested_even_when_all_support():
    figs = [
        FigureFact(1, 1, 1, "killed", "total", interval("approximately", 100)),
        FigureFact(2, 2, 1, "killed", "Afghans", interval("approximately", 170)),
        FigureFact(3, 2, 1, "killed", "US service members", interval("exact", 13)),
    ]
    status, reason = derive(
        [ev(1), ev(2, speaker=5, voice="paraphrased", origin=2)],
        Figures(
            divergences(figs),
            {1: "Outlet 1", 2: "Actor 5"},
            {1: "around 100", 2: "some 170 Afghans", 3: "13 US soldiers"},
            tolerances={1: 0.15, 2: 0.15},
        ),
    )
    assert status == "contested"
    assert reason == (
        "contested: the figures cannot all be right: "
        "Outlet 1: about 85 to 115 killed (“around 100”, allowing 15% either way), "
        "versus Actor 5: at least 158 killed, counting “some 170 Afghans” and “13 US soldiers”, "
        "allowing 15% either way for “some 170 Afghans”"
    )
    # Whole people, in words: no interval notation, no half people.
    assert "[" not in reason and "∞" not in reason and ".5" not in reason


def test_a_divergence_within_a_population_names_it_in_words():
    figs = [
        FigureFact(1, 1, 1, "killed", "Afghans", interval("approximately", 170)),
        FigureFact(2, 2, 1, "killed", "Afghans", interval("at_least", 250)),
    ]
    _, reason = derive(
        [ev(1), ev(2, speaker=5, voice="quoted", origin=2)],
        Figures(divergences(figs), {1: "Outlet 1", 2: "Actor 5"}, tolerances={1: 0.15}),
    )
    assert reason == (
        "contested: the figures cannot all be right: "
        "Outlet 1: about 145 to 195 killed among afghans (allowing 15% either way), "
        "versus Actor 5: at least 250 killed among afghans"
    )


def test_unnamed_and_hearsay_voices_are_not_named_twice():
    # Their label already says who they are ("an unnamed source cited by …"): only the date.
    unnamed = Evidence(1, ("origin", ("outlet", 1)), "an unnamed source cited by Outlet 1",
                       ("outlet", 1), "Outlet 1", "unnamed", "supports", None)  # fmt: skip
    assert unnamed.describe() == "an unnamed source cited by Outlet 1 (undated)"


def test_tension_with_a_contradicting_claim_is_named_in_words():
    other = Tension("The Taliban had no part in it", [ev(9, speaker=8, voice="quoted", origin=3)])
    status, reason = derive([ev(1, origin=1)], tensions=[other])
    assert status == "contested"
    assert reason == (
        "contested: in tension with “The Taliban had no part in it”, "
        "supported by Actor 8 (quoted, 2021-08-27)"
    )
