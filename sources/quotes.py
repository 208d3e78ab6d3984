"""Find a quote in a document's text, tolerating typographic variants.

Editors paste quotes with straight quotes where the source has curly ones, a hyphen for a dash, or
a line break for a space. Matching folds those variants on both sides, then maps the match back to
the document's own characters, which are what we store. No Django here: the models call it.
"""

import difflib
import re
from dataclasses import dataclass

from rapidfuzz import fuzz

CONTEXT_CHARS = 32

_FOLD = {
    **dict.fromkeys("‘’‚‛′`´", "'"),
    **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"),
    "…": "...",
}


class QuoteError(ValueError):
    """The quote cannot be anchored; the message is written for an editor."""


class QuoteNotFound(QuoteError):
    """The quote's words are not in the text (closest_passages can propose what is)."""


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


def fold(text: str) -> tuple[str, list[int], list[int]]:
    """Fold typographic variants and white-space runs.

    Returns the folded string and, for each folded character, the start and end offsets in the
    original text of the characters it stands for.
    """
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            j = i
            while j < n and text[j].isspace():
                j += 1
            out.append(" ")
            starts.append(i)
            ends.append(j)
            i = j
            continue
        for piece in _FOLD.get(ch, ch):
            out.append(piece)
            starts.append(i)
            ends.append(i + 1)
        i += 1
    return "".join(out), starts, ends


def _all_matches(haystack: str, needle: str) -> list[int]:
    found, at = [], haystack.find(needle)
    while at != -1:
        found.append(at)
        at = haystack.find(needle, at + 1)
    return found


def _context_score(text: str, start: int, end: int, prefix: str, suffix: str) -> int:
    """How many folded characters of prefix/suffix agree with the text around a match."""
    score = 0
    if prefix:
        before = fold(text[max(0, start - len(prefix) - 8) : start])[0].rstrip()
        want = fold(prefix)[0].rstrip()
        k = 0
        while k < min(len(before), len(want)) and before[-1 - k] == want[-1 - k]:
            k += 1
        score += k
    if suffix:
        after = fold(text[end : end + len(suffix) + 8])[0].lstrip()
        want = fold(suffix)[0].lstrip()
        k = 0
        while k < min(len(after), len(want)) and after[k] == want[k]:
            k += 1
        score += k
    return score


def short(quote: str, words: int = 8) -> str:
    """The first words of a quote, for error messages."""
    parts = quote.split()
    head = " ".join(parts[:words])
    return head + ("…" if len(parts) > words else "")


def find_quote(
    text: str,
    quote: str,
    *,
    prefix: str = "",
    suffix: str = "",
    occurrence: int | None = None,
) -> Anchor:
    """Anchor `quote` in `text`.

    Exact occurrences are preferred; typographic variants are matched only when there are none.
    Repeated phrases are told apart by `occurrence` (1-based) or, failing that, by the
    `prefix`/`suffix` context that best agrees with the text. Raises QuoteError otherwise.
    """
    if not quote or not quote.strip():
        raise QuoteError("The quote is empty.")
    quote = quote.strip()
    # The document's own characters win: only when they are absent do we fold typography.
    exact_hits = _all_matches(text, quote)
    if exact_hits:
        spans = [(h, h + len(quote)) for h in exact_hits]
    else:
        folded_text, starts, ends = fold(text)
        folded_quote = fold(quote)[0]
        hits = _all_matches(folded_text, folded_quote)
        if not hits:
            raise QuoteNotFound(
                f"The quote “{short(quote)}” does not occur in the document’s text."
            )
        spans = [(starts[h], ends[h + len(folded_quote) - 1]) for h in hits]
    if occurrence is not None:
        if not 1 <= occurrence <= len(spans):
            raise QuoteError(
                f"The quote “{short(quote)}” occurs {len(spans)} time(s); "
                f"occurrence {occurrence} does not exist."
            )
        start, end = spans[occurrence - 1]
    elif len(spans) == 1:
        start, end = spans[0]
    else:
        scores = [_context_score(text, s, e, prefix, suffix) for s, e in spans]
        best = max(scores)
        if best == 0 or scores.count(best) > 1:
            raise QuoteError(
                f"The quote “{short(quote)}” occurs {len(spans)} times in the document; "
                "say which one with an occurrence number or a few words around it."
            )
        start, end = spans[scores.index(best)]
    return Anchor(
        start=start,
        end=end,
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT_CHARS) : start],
        suffix=text[end : end + CONTEXT_CHARS],
    )


# --- closest passages: what to propose when a quote is not in the text ---------------------------

# Passages scoring below this (rapidfuzz ratio, 0-100) are too different to propose.
CLOSEST_CUTOFF = 60.0
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass(frozen=True)
class Passage:
    """A passage of the document close to a quote: its offsets (code points, as Anchor), the
    document's own characters, a similarity score (0-100) and the differences from the quote as
    (op, text) segments: "equal", "delete" (only in the quote) or "insert" (only in the text)."""

    start: int
    end: int
    exact: str
    score: float
    diff: tuple[tuple[str, str], ...]


def _boundaries(text: str, lo: int, hi: int) -> list[int]:
    """Offsets in [lo, hi] where a word starts or ends (letters/digits meet anything else)."""
    lo, hi = max(0, lo), min(len(text), hi)
    return [
        p
        for p in range(lo, hi + 1)
        if p in (0, len(text)) or text[p - 1].isalnum() != text[p].isalnum()
    ]


def _snap(text: str, quote: str, start: int, end: int) -> tuple[int, int]:
    """Move a rough alignment to the word boundaries that agree best with the quote."""
    slack = min(40, max(8, len(quote) // 3))
    starts = sorted({start, *_boundaries(text, start - slack, start + slack)})
    ends = sorted({end, *_boundaries(text, end - slack, end + slack)})
    best, span = -1.0, (start, end)
    for s in starts:
        for e in ends:
            if e <= s:
                continue
            candidate = text[s:e]
            if candidate != candidate.strip():
                continue
            score = fuzz.ratio(quote, candidate)
            if score > best:
                best, span = score, (s, e)
    return span


def diff_segments(quote: str, passage: str) -> tuple[tuple[str, str], ...]:
    """Word-level differences from the quote to the passage, as (op, text) segments."""
    a, b = _TOKEN.findall(quote), _TOKEN.findall(passage)
    segments: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(("delete", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(("insert", "".join(b[j1:j2])))
    return tuple(segments)


def closest_passages(
    text: str, quote: str, *, limit: int = 3, cutoff: float = CLOSEST_CUTOFF
) -> list[Passage]:
    """The passages of `text` closest to `quote` (best first), for a quote that is not found.

    rapidfuzz's partial alignment finds the best window; it is snapped to word boundaries, then
    masked so the next search finds the next passage.
    """
    quote = " ".join((quote or "").split())
    if not quote or not text:
        return []
    masked = text
    found: list[Passage] = []
    for _ in range(limit):
        aligned = fuzz.partial_ratio_alignment(quote, masked, score_cutoff=cutoff)
        if aligned is None:
            break
        if len(quote) <= len(masked):
            start, end = aligned.dest_start, aligned.dest_end
        else:  # rapidfuzz aligned the text inside the (longer) quote
            start, end = 0, len(text)
        start, end = _snap(text, quote, start, end)
        if "\0" in masked[start:end]:
            break  # only overlaps what was already proposed
        exact = text[start:end]
        score = fuzz.ratio(quote, exact)
        if score >= cutoff:
            found.append(Passage(start, end, exact, score, diff_segments(quote, exact)))
        masked = masked[:start] + "\0" * (end - start) + masked[end:]
    return sorted(found, key=lambda p: -p.score)


def occurrence_at(text: str, quote: str, start: int) -> int | None:
    """Which exact occurrence (1-based) of `quote` in `text` starts at `start`, if any."""
    hits = _all_matches(text, quote) if quote else []
    return hits.index(start) + 1 if start in hits else None
