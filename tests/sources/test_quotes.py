import pytest

from sources.quotes import QuoteError, closest_passages, find_quote

TEXT = "He said: “We are able to tackle [ISIS-K] independently,” Shaheen said — twice.  Shaheen said so."


def test_exact_quote_is_anchored_with_offsets_and_context():
    anchor = find_quote(TEXT, "We are able to tackle")
    assert TEXT[anchor.start : anchor.end] == "We are able to tackle"
    assert anchor.prefix.endswith("“")
    assert anchor.suffix.startswith(" [ISIS-K]")


def test_straight_quotes_match_curly_quotes_and_store_the_documents_characters():
    anchor = find_quote(TEXT, '"We are able to tackle [ISIS-K] independently,"')
    assert anchor.exact == "“We are able to tackle [ISIS-K] independently,”"


def test_hyphen_matches_em_dash_and_whitespace_runs_fold():
    anchor = find_quote(TEXT, "Shaheen said - twice. Shaheen")
    assert anchor.exact == "Shaheen said — twice.  Shaheen"


def test_quote_not_in_text_is_rejected_with_its_first_words():
    with pytest.raises(QuoteError, match="“We will never tackle it” does not occur"):
        find_quote(TEXT, "We will never tackle it")


def test_repeated_phrase_without_hint_is_ambiguous():
    with pytest.raises(QuoteError, match="occurs 2 times"):
        find_quote(TEXT, "Shaheen said")


def test_repeated_phrase_is_told_apart_by_occurrence():
    second = find_quote(TEXT, "Shaheen said", occurrence=2)
    assert second.start == TEXT.rindex("Shaheen said")


def test_repeated_phrase_is_told_apart_by_prefix_context():
    first = find_quote(TEXT, "Shaheen said", prefix="independently,” ")
    assert first.start == TEXT.index("Shaheen said")
    second = find_quote(TEXT, "Shaheen said", suffix=" so.")
    assert second.start == TEXT.rindex("Shaheen said")


def test_occurrence_out_of_range_is_rejected():
    with pytest.raises(QuoteError, match="occurrence 3 does not exist"):
        find_quote(TEXT, "Shaheen said", occurrence=3)


def test_empty_quote_is_rejected():
    with pytest.raises(QuoteError, match="empty"):
        find_quote(TEXT, "   ")


# --- closest passages, proposed when a quote is not in the text ----------------------------------

SPUN = (
    "The Taliban said the attack was claimed by ISIS-Okay in Kabul, killing 13 people. "
    "He said: “We are able to tackle [ISIS-K] independently,” Shaheen said. "
    "Kabul—the capital—fell in August. 🙂 喀布尔 was quiet."
)


def test_closest_passage_for_a_changed_word_marks_the_word():
    best = closest_passages(SPUN, "claimed by ISIS-K in Kabul")[0]
    assert best.exact == "claimed by ISIS-Okay in Kabul"
    assert SPUN[best.start : best.end] == best.exact
    assert ("delete", "K") in best.diff and ("insert", "Okay") in best.diff


def test_closest_passage_for_missing_punctuation_takes_the_documents_brackets():
    best = closest_passages(SPUN, "We are able to tackle ISIS-K independently")[0]
    assert best.exact == "We are able to tackle [ISIS-K] independently"
    assert [seg for op, seg in best.diff if op == "insert"] == ["[", "]"]
    assert not [seg for op, seg in best.diff if op == "delete"]


def test_closest_passage_for_a_changed_dash():
    best = closest_passages(SPUN, "Kabul - the capital - fell in August")[0]
    assert best.exact == "Kabul—the capital—fell in August"
    assert ("insert", "—") in best.diff


def test_closest_passage_offsets_are_code_points_after_emoji_and_cjk():
    best = closest_passages(SPUN, "喀布尔 was very quiet")[0]
    assert best.exact == "喀布尔 was quiet"
    assert best.start == SPUN.index("喀布尔")


def test_nothing_close_proposes_nothing():
    assert closest_passages(SPUN, "zebra quantum xylophone") == []
    assert closest_passages("", "anything") == []
