"""What the review workspace shows for a document: its text with every suggestion highlighted,
and each suggestion in plain words with the claims it may join.

Only reads; the decisions go through suggestions.services.
"""

from dataclasses import dataclass

from django.utils.html import format_html

from claims.intervals import TOTAL
from claims.models import Attribution, Figure
from sources.highlight import Span, mark_spans
from sources.models import Actor, Document
from suggestions.services import Proposal, is_generic, preselected, propose_claims

# How each qualifier reads before its number(s).
_AMOUNT = {
    "exact": "{value}",
    "at_least": "at least {value}",
    "more_than": "more than {value}",
    "at_most": "up to {value}",
    "fewer_than": "fewer than {value}",
    "approximately": "about {value}",
    "range": "between {value} and {high}",
    "unspecified": "an unstated number (at least {value})",
}


def _n(value) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def plain_figure(*, measure, qualifier, value, value_high=None, population=None) -> str:
    """A figure in an editor's words: "at least 46 killed", "between 10 and 15 wounded (children)"."""
    pattern = _AMOUNT.get(qualifier or "exact", "{value}")
    if qualifier == "unspecified" and not value:
        pattern = "an unstated number"
    amount = pattern.format(value=_n(value), high=_n(value_high))
    label = dict(Figure.Measure.choices).get(measure, measure or "").lower()
    text = f"{amount} {label}".strip()
    if population and population != TOTAL:
        text += f" ({population})"
    return text


def plain_speaker(candidate, actors: dict[int, Actor]) -> str:
    """Who says it, in an editor's words."""
    voice = candidate.voice
    written = (candidate.speaker or "").strip()
    if voice == Attribution.Voice.OWN:
        return "The outlet itself"
    if candidate.actor_id and candidate.actor_id in actors:
        actor = actors[candidate.actor_id]
        return f"{actor.name} (known to the tracker)"
    if not written:
        return "Nobody named"
    if written.casefold() in {"he", "she", "they", "it", "we", "i"}:
        return f"“{written}”: not resolved to anyone; set the speaker"
    if is_generic(written) or voice == Attribution.Voice.UNNAMED:
        return f"An unnamed source: {written}"
    return f"{written} (new to the tracker: accepting adds this name)"


@dataclass
class Row:
    number: int
    candidate: object
    key: str
    kind_label: str
    summary: str
    speaker: str
    voice: str
    stance: str
    proposals: list[Proposal]
    selected: Proposal | None
    warns: bool


def workspace(document: Document, candidates) -> tuple[list[Row], str]:
    """The rows of the workspace, in text order, and the document's text as HTML with each
    suggestion marked and followed by a link to its row. A fixed number of queries."""
    candidates = sorted(candidates, key=lambda c: (c.start, c.kind != "figure", c.end))
    proposals = propose_claims(document, candidates)
    actor_ids = {c.actor_id for c in candidates if c.actor_id}
    actors = Actor.objects.in_bulk(actor_ids) if actor_ids else {}
    voices, stances = dict(Attribution.Voice.choices), dict(Attribution.Stance.choices)
    rows = []
    for number, candidate in enumerate(candidates, start=1):
        mine = proposals.get(candidate.fingerprint, [])
        if candidate.kind == "figure":
            summary = plain_figure(
                measure=candidate.measure,
                qualifier=candidate.qualifier,
                value=candidate.value,
                value_high=candidate.value_high,
                population=candidate.population,
            )
            kind_label = "Figure"
        else:
            summary = "A statement"
            kind_label = "Statement"
        rows.append(
            Row(
                number=number,
                candidate=candidate,
                key=candidate.fingerprint[:12],
                kind_label=kind_label,
                summary=summary,
                speaker=plain_speaker(candidate, actors),
                voice=voices.get(candidate.voice, candidate.voice),
                stance=stances.get(candidate.stance, candidate.stance),
                proposals=mine,
                selected=preselected(mine),
                warns=any(p.date_warning for p in mine),
            )
        )
    by_key = {row.key: row for row in rows}
    spans = [
        Span(
            row.candidate.start,
            row.candidate.end,
            key=row.key,
            label=f"{row.number}. {row.kind_label}: {row.summary}",
            css=f"suggestion {row.candidate.kind}",
        )
        for row in rows
    ]
    html = mark_spans(
        document.text,
        spans,
        after=lambda span: format_html(
            '<a class="to-row" href="#s-{}" aria-label="Suggestion {}">{}</a>',
            span.key,
            by_key[span.key].number,
            by_key[span.key].number,
        ),
    )
    return rows, html
