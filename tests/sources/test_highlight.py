from sources.highlight import Span, mark_spans, mark_terms, segments, term_pattern


def test_text_outside_spans_is_escaped():
    html = mark_spans("a <b> c", [Span(0, 1, key=1)])
    assert html == '<mark id="a-1" class="quote" title="">a</mark> &lt;b&gt; c'


def test_overlapping_spans_are_cut_at_every_boundary():
    pieces = segments("abcdef", [Span(0, 4, key=1), Span(2, 6, key=2)])
    assert [(p, [s.key for s in spans]) for p, spans in pieces] == [
        ("ab", [1]),
        ("cd", [1, 2]),
        ("ef", [2]),
    ]
    html = mark_spans("abcdef", [Span(0, 4, key=1), Span(2, 6, key=2)])
    assert html.count('id="a-1"') == 1 and html.count('id="a-2"') == 1


def test_spans_starting_together_each_get_an_anchor():
    html = mark_spans("abcdef", [Span(0, 3, key=1), Span(0, 6, key=2)])
    assert 'id="a-1"' in html and 'id="a-2"' in html


def test_spans_outside_the_text_are_ignored():
    assert mark_spans("abc", [Span(2, 10, key=1)]) == "abc"


def test_after_follows_the_end_of_each_span():
    html = mark_spans("abc def", [Span(0, 3, key=7)], after=lambda s: f"[{s.key}]")
    assert html.startswith('<mark id="a-7" class="quote" title="">abc</mark>[7] def')


def test_matched_terms_are_marked_and_the_rest_escaped():
    pattern = term_pattern(["isk", "<script>"])
    html = mark_terms("ISKP & <script>", pattern)
    assert html == "<mark>ISK</mark>P &amp; <mark>&lt;script&gt;</mark>"


def test_snippet_cuts_around_the_first_match():
    html = mark_terms("x" * 300 + " Haqqani " + "y" * 300, term_pattern(["haqqani"]), around=20)
    assert html.startswith("…") and html.endswith("…") and "<mark>Haqqani</mark>" in html
