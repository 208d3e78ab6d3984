"""Accept or reject what the suggestion engine proposes, and find the claims a suggestion joins.

Accepting writes through the same rules as any other attribution: anchored quote, validated
figure, the claim's status refreshed in the same transaction.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from claims import intervals
from claims.models import Attribution, Claim, Figure
from sources.models import Document
from suggestions.models import SuggestionDecision

_STOPWORDS = {
    "about", "after", "again", "also", "among", "been", "before", "being", "could", "from",
    "have", "into", "more", "most", "other", "over", "said", "says", "some", "such", "than",
    "that", "their", "them", "then", "there", "these", "they", "this", "those", "told", "were",
    "what", "when", "where", "which", "while", "with", "would", "least", "people", "according",
}  # fmt: skip
_PRONOUNS = {"he", "she", "they", "it", "we", "i"}


def events_for_hint(hint: str | None):
    """Events whose name or place mentions the engine's event hint ("Kunduz", "Kabul airport")."""
    from django.db.models import Q

    from claims.models import Event

    if not hint:
        return Event.objects.none()
    return Event.objects.filter(Q(name__icontains=hint) | Q(place__icontains=hint))


def _words(text: str) -> set[str]:
    import re

    return {
        w.casefold()
        for w in re.findall(r"[A-Za-z][\w'’-]{3,}", text)
        if w.casefold() not in _STOPWORDS
    }


def likely_claims_for(document: Document, candidates, limit: int = 5) -> dict[str, list[Claim]]:
    """For each candidate's fingerprint, the existing claims it probably belongs to, best first.

    Claims about the hinted event holding a figure of the same measure rank first, then claims of
    that event, claims already cited in this document and claims worded like the sentence. A fixed
    number of queries however many candidates are asked about.
    """
    from django.db.models import Q

    from claims.models import Event

    candidates = list(candidates)
    if not candidates:
        return {}
    hints = {c.event_hint for c in candidates if c.event_hint}
    events_by_hint: dict[str, set[int]] = {hint: set() for hint in hints}
    if hints:
        query = Q()
        for hint in hints:
            query |= Q(name__icontains=hint) | Q(place__icontains=hint)
        for pk, name, place in Event.objects.filter(query).values_list("pk", "name", "place"):
            for hint in hints:
                if hint.casefold() in name.casefold() or hint.casefold() in place.casefold():
                    events_by_hint[hint].add(pk)
    all_events = set().union(*events_by_hint.values()) if events_by_hint else set()
    words_by_fp = {
        c.fingerprint: _words(c.quote) | ({c.measure} if c.measure else set()) for c in candidates
    }
    keys = sorted(set().union(*words_by_fp.values()), key=len, reverse=True)[:30]
    query = Q(attributions__document=document) | Q(event_id__in=all_events)
    for word in keys:
        query |= Q(text__icontains=word)
    pool = list(Claim.objects.filter(query).distinct().order_by("pk")[:200])
    measures: dict[int, set[str]] = {}
    for claim_id, measure in (
        Figure.objects.filter(attribution__claim__in=[c.pk for c in pool])
        .values_list("attribution__claim_id", "measure")
        .distinct()
    ):
        measures.setdefault(claim_id, set()).add(measure)
    cited = set(
        Attribution.objects.filter(document=document, claim__in=[c.pk for c in pool]).values_list(
            "claim_id", flat=True
        )
    )
    claim_words = {claim.pk: _words(claim.text) for claim in pool}
    out: dict[str, list[Claim]] = {}
    for candidate in candidates:
        events = events_by_hint.get(candidate.event_hint, set())
        words = words_by_fp[candidate.fingerprint]
        scored = []
        for claim in pool:
            score = 0.0
            if claim.event_id in events:
                score += 5
                if candidate.kind == "figure" and candidate.measure in measures.get(claim.pk, ()):
                    score += 100
            if claim.pk in cited:
                score += 2
            mine = claim_words[claim.pk]
            if mine:
                score += 10 * len(words & mine) / len(mine)
            if score > 0:
                scored.append((-score, claim.pk, claim))
        out[candidate.fingerprint] = [claim for _, _, claim in sorted(scored)[:limit]]
    return out


def likely_claims(document: Document, candidate, limit: int = 5) -> list[Claim]:
    """Existing claims a suggestion probably belongs to, best first (see likely_claims_for)."""
    return likely_claims_for(document, [candidate], limit)[candidate.fingerprint]


def _occurrence(text: str, quote: str, start: int) -> int | None:
    """Which occurrence of `quote` (folded as quotes are matched) starts at `start`, if several."""
    from sources.quotes import fold

    folded_text, starts, _ = fold(text)
    folded_quote = fold(quote.strip())[0]
    hits, at = [], folded_text.find(folded_quote)
    while at != -1:
        hits.append(starts[at])
        at = folded_text.find(folded_quote, at + 1)
    if len(hits) <= 1 or start not in hits:
        return None
    return hits.index(start) + 1


def _speaker_fields(candidate) -> dict:
    from sources.models import Actor

    voice = candidate.voice
    written = (candidate.speaker or "").strip()
    if voice in (Attribution.Voice.OWN, Attribution.Voice.HEARSAY):
        return {"voice": voice, "speaker": None, "speaker_description": ""}
    if candidate.actor_id:
        actor = Actor.objects.get(pk=candidate.actor_id)
        if voice == Attribution.Voice.UNNAMED:
            voice = Attribution.Voice.PARAPHRASED
        return {"voice": voice, "speaker": actor, "speaker_description": ""}
    named = voice in (Attribution.Voice.QUOTED, Attribution.Voice.PARAPHRASED)
    if named and written and written.casefold() not in _PRONOUNS:
        actor = Actor.objects.named(written).first()
        if actor is None:
            # A named speaker the tracker does not know yet: the editor accepted it as one.
            actor = Actor.objects.create(name=written[:200])  # Actor.save() derives the slug
        return {"voice": voice, "speaker": actor, "speaker_description": ""}
    return {
        "voice": Attribution.Voice.UNNAMED,
        "speaker": None,
        "speaker_description": written[:300],
    }


@transaction.atomic
def accept_suggestion(
    *,
    document: Document,
    candidate,
    claim: Claim | None = None,
    new_claim_text: str | None = None,
    by,
    event=None,
) -> Attribution:
    """Record a suggested attribution (and its figure) on `claim`, or on a new claim.

    Uses the candidate's exact offsets. Accepting the same suggestion again returns the attribution
    made the first time; the same span on the same claim is never stored twice. Raises
    ValidationError with an editor's message when there is no claim or the text has changed.
    """

    decision = (
        SuggestionDecision.objects.select_for_update(of=("self",))
        .filter(document=document, fingerprint=candidate.fingerprint)
        .select_related("attribution")
        .first()
    )
    accepted = decision and decision.decision == SuggestionDecision.Decision.ACCEPTED
    if accepted and decision.attribution is not None:
        return decision.attribution
    if document.text[candidate.start : candidate.end] != candidate.quote:
        raise ValidationError("The document's text has changed since this suggestion was made.")
    if claim is None:
        text = (new_claim_text or "").strip()
        if not text:
            raise ValidationError("Choose an existing claim or write the text of a new one.")
        if event is None:
            hinted = list(events_for_hint(candidate.event_hint)[:2])
            event = hinted[0] if len(hinted) == 1 else None
        claim = Claim(text=text, event=event)
        claim.full_clean(exclude=["slug"])
        claim.save()
    attribution = Attribution.objects.filter(
        claim=claim, document=document, quote_start=candidate.start, quote_end=candidate.end
    ).first()
    if attribution is None:
        attribution = Attribution(
            claim=claim,
            document=document,
            quote=candidate.quote,
            occurrence=_occurrence(document.text, candidate.quote, candidate.start),
            stance=candidate.stance,
            note=f"Accepted from a suggestion ({candidate.kind}, “{candidate.verb or 'own voice'}”).",
            **_speaker_fields(candidate),
        )
        attribution.full_clean(exclude=["claim", "document"])
        attribution.save()
    if candidate.kind == "figure":
        figure_event = event or claim.event  # may stay empty: not every count is about one event
        values = {
            "measure": candidate.measure,
            "population": candidate.population or intervals.TOTAL,
            "qualifier": candidate.qualifier,
            "value": candidate.value,
            "value_high": candidate.value_high,
        }
        if not attribution.figures.filter(**values).exists():
            figure = Figure(
                attribution=attribution, event=figure_event, text=candidate.text or "", **values
            )
            figure.full_clean(exclude=["attribution"])
            figure.save()
    SuggestionDecision.objects.update_or_create(
        document=document,
        fingerprint=candidate.fingerprint,
        defaults={
            "kind": candidate.kind,
            "quote_start": candidate.start,
            "quote_end": candidate.end,
            "decision": SuggestionDecision.Decision.ACCEPTED,
            "attribution": attribution,
            "decided_by": by,
        },
    )
    return attribution


@transaction.atomic
def reject_suggestion(*, document: Document, candidate, by) -> None:
    """Record that an editor rejected a suggestion, so it is not suggested again for the document.

    A suggestion already accepted stays accepted: delete its attribution instead.
    """

    decision, created = SuggestionDecision.objects.get_or_create(
        document=document,
        fingerprint=candidate.fingerprint,
        defaults={
            "kind": candidate.kind,
            "quote_start": candidate.start,
            "quote_end": candidate.end,
            "decision": SuggestionDecision.Decision.REJECTED,
            "decided_by": by,
        },
    )
    if not created and decision.decision == SuggestionDecision.Decision.ACCEPTED:
        raise ValidationError("This suggestion was already accepted.")
