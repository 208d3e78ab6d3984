"""The status rules stay linear in the number of attributions (issue 7)."""

import time
from datetime import date

from claims import intervals, status


def evidence(i: int, stance: str, speaker: int) -> status.Evidence:
    return status.Evidence(
        attribution_id=i,
        source_key=("actor", speaker),
        speaker_label=f"Speaker {speaker}",
        origin_key=("outlet", i % 7),
        origin_label=f"Outlet {i % 7}",
        voice="quoted",
        stance=stance,
        on=date(2021, 8, 27),
    )


def test_a_thousand_attributions_name_each_speaker_once_and_quickly():
    items = [evidence(i, "supports", i) for i in range(600)]
    items += [evidence(600 + i, "refutes", 600 + i) for i in range(400)]
    started = time.perf_counter()
    result, reason = status.derive(items)
    elapsed = time.perf_counter() - started
    assert result == status.CONTESTED
    assert reason.count("Speaker 0 ") == 1 and reason.count("Speaker 999 ") == 1
    assert elapsed < 1.0  # generous: the pairwise version took seconds here


def test_a_speaker_refuting_itself_disputes_only_the_other_speakers():
    items = [evidence(1, "supports", 1), evidence(2, "refutes", 1), evidence(3, "supports", 2)]
    assert status.derive(items) == (
        status.CONTESTED,
        "contested: supported by Speaker 2 (quoted, 2021-08-27), "
        "refuted by Speaker 1 (quoted, 2021-08-27)",
    )


def test_many_diverging_figures_are_summed_up_after_the_first_ten():
    facts = [
        intervals.FigureFact(i, i, 1, "killed", "total", intervals.Interval(10 * i, 10 * i))
        for i in range(1, 30)
    ]
    found = intervals.divergences(facts)
    labels = {i: f"report {i}" for i in range(1, 30)}
    result, reason = status.derive([], status.Figures(found, labels))
    assert result == status.CONTESTED
    assert reason.count(", versus ") == status.MAX_DIVERGENCES_SHOWN
    more = len(found) - status.MAX_DIVERGENCES_SHOWN
    assert reason.endswith(f"and {more} more pairs of figures that cannot both be right")
