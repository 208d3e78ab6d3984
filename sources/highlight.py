"""Mark spans of a stored text as HTML, escaping every piece. Plain Python, no database.

The document page shows the full stored text with each attributed quote wrapped in <mark>. Quotes
may overlap (two claims citing overlapping words), so the text is cut at every span boundary and
each piece is marked with every span that covers it; a span's anchor sits on its first piece.
Search results use the same cutting to mark matched words.
"""

import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    key: int | str  # used for the anchor id: a-<key>
    label: str = ""  # shown as a tooltip on the mark
    css: str = ""


def segments(text: str, spans: Sequence[Span]) -> list[tuple[str, list[Span]]]:
    """Cut `text` at every span boundary: [(piece, spans covering it)], in text order.

    Spans outside the text or empty are ignored.
    """
    valid = [s for s in spans if 0 <= s.start < s.end <= len(text)]
    cuts = sorted({0, len(text), *(s.start for s in valid), *(s.end for s in valid)})
    out = []
    for a, b in itertools.pairwise(cuts):
        covering = [s for s in valid if s.start <= a and b <= s.end]
        out.append((text[a:b], covering))
    return out


def mark_spans(
    text: str,
    spans: Sequence[Span],
    after: Callable[[Span], str] | None = None,
) -> SafeString:
    """The text as HTML with every span in <mark>; `after(span)` (safe HTML) follows each span's end.

    Every piece of text is escaped; the first piece of each span carries id="a-<key>" (further
    spans starting at the same place get an empty anchor element before it).
    """
    html: list[str] = []
    valid = [s for s in spans if 0 <= s.start < s.end <= len(text)]
    started: set = set()
    position = 0
    for piece, covering in segments(text, valid):
        if not covering:
            html.append(escape(piece))
        else:
            new = [s for s in covering if s.key not in started]
            started.update(s.key for s in new)
            for extra in new[1:]:
                html.append(format_html('<span class="anchor" id="a-{}"></span>', extra.key))
            classes = " ".join(
                filter(None, ["quote", "overlap" if len(covering) > 1 else "", covering[0].css])
            )
            title = "; ".join(s.label for s in covering if s.label)
            if new:
                html.append(
                    format_html(
                        '<mark id="a-{}" class="{}" title="{}">{}</mark>',
                        new[0].key,
                        classes,
                        title,
                        piece,
                    )
                )
            else:
                html.append(
                    format_html('<mark class="{}" title="{}">{}</mark>', classes, title, piece)
                )
        position += len(piece)
        if after is not None:
            for s in covering:
                if s.end == position:
                    html.append(after(s))
    return mark_safe("".join(html))  # every piece above is escaped


def term_pattern(terms: Iterable[str]) -> re.Pattern | None:
    """A case-insensitive pattern matching any of the terms at the start of a word."""
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + ")", re.IGNORECASE)


def mark_terms(text: str, pattern: re.Pattern | None, *, around: int | None = None) -> SafeString:
    """The text escaped, with each match of `pattern` in <mark>.

    With `around`, only a snippet of about that many characters either side of the first match
    (or the start of the text) is shown, with ellipses where it was cut.
    """
    text = text or ""
    if around is not None:
        first = pattern.search(text) if pattern else None
        centre = first.start() if first else 0
        start = max(0, centre - around)
        end = min(len(text), centre + around)
        prefix = "…" if start > 0 else ""
        suffix = "…" if end < len(text) else ""
        text = prefix + text[start:end] + suffix
    if pattern is None:
        return escape(text)
    html, last = [], 0
    for m in pattern.finditer(text):
        html.append(escape(text[last : m.start()]))
        html.append(format_html("<mark>{}</mark>", m.group(0)))
        last = m.end()
    html.append(escape(text[last:]))
    return mark_safe("".join(html))  # every piece above is escaped
