import pytest

from sources.quotes import QuoteError, find_quote

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
