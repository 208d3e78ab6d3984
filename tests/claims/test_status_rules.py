"""The status rules of SPEC.md as a pure function (claims.status.derive)."""

from datetime import date

from claims.intervals import FigureFact, divergences, interval
from claims.status import Evidence, Figures, derive


def ev(pk, *, speaker=None, origin=1, voice="own", stance="supports", on=date(2021, 8, 27)):
    origin_key = ("outlet", origin)
    source = ("actor", speaker) if speaker else ("origin", origin_key)
    label = f"Actor {speaker}" if speaker else f"Outlet {origin} (own voice)"
    return Evidence(pk, source, label, origin_key, f"Outlet {origin}", voice, stance, on)


def test_no_attributions_is_unsupported():
    assert derive([]) == ("unsupported", "unsupported: no attributions yet")


def test_only_neutral_mentions_are_unsupported():
    assert derive([ev(1, stance="neutral")])[0] == "unsupported"


def test_one_origin_in_own_voice_is_reported():
    status, reason = derive([ev(1), ev(2, origin=1)])
    assert status == "reported"
    assert reason == "reported: stated in its own voice by Outlet 1 only"


def test_two_independent_origins_in_own_voice_corroborate():
    status, reason = derive([ev(1, origin=1), ev(2, origin=2)])
    assert status == "corroborated"
    assert "2 independent origins" in reason


def test_only_attributed_statements_make_it_attributed():
    status, reason = derive([ev(1, speaker=7, voice="quoted"), ev(2, voice="hearsay")])
    assert status == "attributed"
    assert reason.startswith("attributed: supported only by attributed statements: Actor 7 (quoted")


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
    assert status == "contested" and "questioned by Actor 8" in reason


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
        Figures(divergences(figs), {1: "Outlet 1 (own voice)", 2: "Actor 5"}),
    )
    assert status == "contested"
    assert "figures diverge: killed (total)" in reason
    assert "[85, 115]" in reason and "[157.5, ∞)" in reason
