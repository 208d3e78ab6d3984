"""Accept or reject what the suggestion engine proposes, and find the claims a suggestion joins.

Accepting writes through the same rules as any other attribution: anchored quote, validated
figure, the claim's status refreshed in the same transaction.
"""

import dataclasses
import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from claims import intervals
from claims import services as claim_services
from claims.models import Attribution, Claim, Figure
from sources.models import Document
from suggestions.engine import Candidate
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


@dataclass(frozen=True)
class _Pool:
    claims: list[Claim]
    events_by_hint: dict[str, set[int]]
    measures: dict[int, set[str]]
    cited: set[int]


def _claim_pool(document: Document, candidates: list) -> _Pool:
    """Claims any of the candidates may join: of the hinted events, cited in this document, or
    sharing words with a sentence (at most 200), with what scoring them needs. Four queries."""
    from django.db.models import Q

    from claims.models import Event

    if not candidates:
        return _Pool([], {}, {}, set())
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
    words = set().union(
        *(_words(c.quote) | ({c.measure} if c.measure else set()) for c in candidates)
    )
    keys = sorted(words, key=len, reverse=True)[:30]
    query = Q(attributions__document=document) | Q(event_id__in=all_events)
    for word in keys:
        query |= Q(text__icontains=word)
    pool = list(Claim.objects.filter(query).distinct().select_related("event").order_by("pk")[:200])
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
    return _Pool(pool, events_by_hint, measures, cited)


def likely_claims_for(document: Document, candidates, limit: int = 5) -> dict[str, list[Claim]]:
    """For each candidate's fingerprint, the existing claims it probably belongs to, best first.

    Claims about the hinted event holding a figure of the same measure rank first, then claims of
    that event, claims already cited in this document and claims worded like the sentence. A fixed
    number of queries however many candidates are asked about.
    """
    candidates = list(candidates)
    if not candidates:
        return {}
    pool = _claim_pool(document, candidates)
    claim_words = {claim.pk: _words(claim.text) for claim in pool.claims}
    out: dict[str, list[Claim]] = {}
    for candidate in candidates:
        events = pool.events_by_hint.get(candidate.event_hint, set())
        words = _words(candidate.quote) | ({candidate.measure} if candidate.measure else set())
        scored = []
        for claim in pool.claims:
            score = 0.0
            if claim.event_id in events:
                score += 5
                if candidate.kind == "figure" and candidate.measure in pool.measures.get(
                    claim.pk, ()
                ):
                    score += 100
            if claim.pk in pool.cited:
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


# Head nouns that describe a speaker without naming one: "Officials", "Afghan officials", "a
# Taliban spokesman", "security sources" are unnamed sources with a description, never an Actor.
GENERIC_SPEAKER_HEADS = {
    "official", "officials", "authorities", "authority", "source", "sources", "police",
    "policeman", "policemen", "officer", "officers", "spokesman", "spokesmen", "spokesperson",
    "spokeswoman", "spokespeople", "resident", "residents", "witness", "witnesses", "people",
    "villagers", "locals", "elders", "doctor", "doctors", "medic", "medics", "survivor",
    "survivors", "relatives", "journalist", "journalists", "reporter", "reporters", "staff",
    "worker", "workers", "member", "members", "commander", "commanders", "fighter", "fighters",
    "militants", "insurgents", "diplomat", "diplomats", "analyst", "analysts", "observers",
    "activist", "activists", "rescuers", "volunteers", "statement", "report", "reports",
    "someone", "others", "aides", "aide", "figures", "governor", "minister",
}  # fmt: skip
_DETERMINER = {"a", "an", "the", "some", "several", "many", "two", "three", "local", "senior"}


def is_generic(speaker: str) -> bool:
    """Whether a speaker as written is a description ("Officials", "a senior Afghan official",
    "the provincial governor") rather than a name: its last word is a generic noun, or no word
    after a leading determiner is capitalised."""
    import re

    words = re.findall(r"[\w'’.-]+", speaker)
    if not words:
        return True
    head = words[-1].casefold().rstrip(".").removesuffix("'s").removesuffix("’s")
    if head in GENERIC_SPEAKER_HEADS:
        return True
    rest = [w for w in words if w.casefold() not in _DETERMINER]
    return not any(w[:1].isupper() for w in rest)


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
    if named and written and written.casefold() not in _PRONOUNS and not is_generic(written):
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
        claim_services.save_attribution(attribution=attribution)
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
            claim_services.save_figure(figure=figure)
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


# --- the review workspace: proposed claims, date checks, edits, twins -------------------------------

# A proposed claim's confidence (0 to 1) adds up three signals: how much of the claim's wording the
# suggestion's sentence holds (weight 0.6), whether the claim is about the event the sentence names
# (0.25), and whether that event already holds a figure of the same measure (0.15). The workspace
# pre-selects the best claim only at PRESELECT_CONFIDENCE or above: wording alone must match
# completely, or an event match needs at least about a third of the wording besides. Below it the
# editor chooses; a wrong pre-selected claim (a 2026 toll on a 2021 event page) costs more than
# one more click. A claim whose dates cannot match is never pre-selected.
PRESELECT_CONFIDENCE = 0.6
WORDING_WEIGHT, EVENT_WEIGHT, MEASURE_WEIGHT = 0.6, 0.25, 0.15
# A toll reported more than this long after its event is rarely about that event: warn.
TOLL_REPORTED_LONG_AFTER = datetime.timedelta(days=365)


@dataclass(frozen=True)
class Proposal:
    """A claim a suggestion may join, with how sure the tracker is and any date warning."""

    claim: Claim
    confidence: float
    wording: float
    same_event: bool
    date_warning: str

    @property
    def percent(self) -> int:
        return round(100 * self.confidence)


def date_conflict(*, document: Document, event, kind: str) -> str:
    """Why a suggestion of `kind` from `document` cannot be about `event` by their dates, or "".

    An event dated after the document was published cannot be what it reports; a toll published
    more than TOLL_REPORTED_LONG_AFTER after a dated event is most likely another event's.
    """
    if event is None or event.date is None or document.published is None:
        return ""
    published, happened = document.published, event.date
    if happened > published:
        return (
            f"“{event.name}” happened on {happened:%-d %B %Y}, after this document was "
            f"published ({published:%-d %B %Y})."
        )
    if kind == "figure" and published - happened > TOLL_REPORTED_LONG_AFTER:
        years = (published - happened).days / 365.25
        return (
            f"This document was published {years:.1f} years after “{event.name}” "
            f"({happened:%-d %B %Y}): a toll it reports is most likely about another event."
        )
    return ""


def _content_words(text: str) -> list[str]:
    return [w for w in (w.casefold() for w in re.findall(r"[^\W\d_][\w'’-]+", text)) if len(w) > 2]


def _fallback_wording(claim_text: str, sentence: str) -> float:
    """Share of the claim's words (stop words aside) found in the sentence, fuzzily (rapidfuzz):
    the portable counterpart of PostgreSQL's word_similarity."""
    from rapidfuzz import fuzz

    mine = [w for w in _content_words(claim_text) if w not in _STOPWORDS]
    theirs = set(_content_words(sentence))
    if not mine or not theirs:
        return 0.0
    found = sum(
        1
        for word in mine
        if any(fuzz.ratio(word, other) >= 80 or word[:5] == other[:5] for other in theirs)
    )
    return found / len(mine)


def wording_similarity(claims: list[Claim], sentences: list[str]) -> dict[tuple[int, str], float]:
    """How much of each claim's wording each sentence holds, 0 to 1, by (claim pk, sentence).

    PostgreSQL: pg_trgm's word_similarity(claim text, sentence), in one query. Elsewhere: the
    fuzzy word share of `_fallback_wording`.
    """
    from django.db import connection

    sentences = list(dict.fromkeys(sentences))
    if not claims or not sentences:
        return {}
    if connection.vendor != "postgresql":
        return {
            (claim.pk, sentence): _fallback_wording(claim.text, sentence)
            for claim in claims
            for sentence in sentences
        }
    from django.db.models import F, FloatField, Func, Value

    names = {f"w{i}": sentence for i, sentence in enumerate(sentences)}
    rows = (
        Claim.objects.filter(pk__in=[c.pk for c in claims])
        .annotate(
            **{
                name: Func(
                    F("text"),
                    Value(sentence),
                    function="word_similarity",
                    output_field=FloatField(),
                )
                for name, sentence in names.items()
            }
        )
        .values_list("pk", *names)
    )
    return {
        (row[0], sentence): float(score)
        for row in rows
        for sentence, score in zip(names.values(), row[1:], strict=True)
    }


def propose_claims(document: Document, candidates, limit: int = 5) -> dict[str, list[Proposal]]:
    """For each candidate's fingerprint, the claims it may join with their confidence, best first.

    The pool is likely_claims_for's (event, wording, claims of this document); each is scored by
    wording similarity and event, and given a date warning when its event's date cannot match the
    document's. A fixed number of queries however many candidates.
    """
    candidates = list(candidates)
    pool = _claim_pool(document, candidates)
    claims = {claim.pk: claim for claim in pool.claims}
    wording = wording_similarity(list(claims.values()), [c.quote for c in candidates])
    out: dict[str, list[Proposal]] = {}
    for candidate in candidates:
        events = pool.events_by_hint.get(candidate.event_hint, set())
        proposals = []
        for claim in claims.values():
            same_event = claim.event_id is not None and claim.event_id in events
            same_measure = (
                same_event
                and candidate.kind == "figure"
                and candidate.measure in pool.measures.get(claim.pk, ())
            )
            words = wording.get((claim.pk, candidate.quote), 0.0)
            confidence = (
                WORDING_WEIGHT * words + EVENT_WEIGHT * same_event + MEASURE_WEIGHT * same_measure
            )
            if confidence <= 0 and claim.pk not in pool.cited:
                continue
            warning = date_conflict(document=document, event=claim.event, kind=candidate.kind)
            proposals.append(Proposal(claim, round(confidence, 3), words, same_event, warning))
        proposals.sort(key=lambda p: (-p.confidence, p.claim.pk))
        out[candidate.fingerprint] = proposals[:limit]
    return out


def preselected(proposals: list[Proposal]) -> Proposal | None:
    """The proposal the workspace selects for the editor: the best, when it is sure enough and its
    dates can match; otherwise none."""
    best = proposals[0] if proposals else None
    if best is None or best.confidence < PRESELECT_CONFIDENCE or best.date_warning:
        return None
    return best


@dataclass(frozen=True)
class EditedCandidate(Candidate):
    """A suggestion as the editor corrected it before accepting: it keeps the fingerprint of the
    suggestion it came from, so the decision is recorded against that suggestion."""

    original_fingerprint: str = ""

    @property
    def fingerprint(self) -> str:
        return self.original_fingerprint


EDITABLE = ("speaker", "voice", "stance", "start", "end", "qualifier", "value", "value_high")


def edit_candidate(document: Document, candidate, **edits) -> EditedCandidate:
    """The candidate with the editor's edits (keys in EDITABLE; None or "" keeps the value).

    Quote bounds are checked against the document's text: inside it, not empty, not cutting a
    word, and for a figure still holding the figure as written. Values are checked by the models
    when accepted. Raises ValidationError with an editor's message.
    """
    unknown = set(edits) - set(EDITABLE)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    changes = {k: v for k, v in edits.items() if v is not None and v != ""}
    if "speaker" in edits and edits["speaker"] is not None:
        changes["speaker"] = " ".join(str(edits["speaker"]).split()) or None
        if changes["speaker"] != candidate.speaker:
            changes["actor_id"] = None  # accept_suggestion looks the edited name up
    text = document.text
    start, end = changes.get("start", candidate.start), changes.get("end", candidate.end)
    if not (0 <= start < end <= len(text)):
        raise ValidationError(
            "The quote must lie within the document's text, and end after it starts."
        )
    quote = text[start:end]
    if not quote.strip() or quote != quote.strip():
        raise ValidationError("The quote must start and end on a word, not on a space.")
    cuts_word = (start > 0 and text[start - 1].isalnum() and text[start].isalnum()) or (
        end < len(text) and text[end - 1].isalnum() and text[end].isalnum()
    )
    if cuts_word:
        raise ValidationError("The quote must not begin or end in the middle of a word.")
    holds_figure = candidate.text_start is None or (
        start <= candidate.text_start and candidate.text_end <= end
    )
    if candidate.kind == "figure" and not holds_figure:
        raise ValidationError(
            f"The quote must still hold the figure as written (“{candidate.text}”)."
        )
    changes["quote"] = quote
    if changes.get("voice") in (Attribution.Voice.OWN, Attribution.Voice.HEARSAY):
        changes["actor_id"] = None
    fields = {f.name: getattr(candidate, f.name) for f in dataclasses.fields(Candidate)}
    fields.update(changes)
    if "qualifier" in changes and changes["qualifier"] != "range":
        fields["value_high"] = None  # only a range has an upper number
    return EditedCandidate(**fields, original_fingerprint=candidate.fingerprint)


def twins_of(candidate, candidates) -> list:
    """The other suggestions stating the same thing in another kind: the statement suggestion of
    an accepted figure's sentence, or the figures of an accepted statement. Twins cover the same
    span, or one lies within the other (a quote trimmed to the clause inside the figure's
    sentence)."""

    def within(a, b) -> bool:
        return b.start <= a.start and a.end <= b.end

    return [
        other
        for other in candidates
        if other.kind != candidate.kind
        and other.fingerprint != candidate.fingerprint
        and (within(other, candidate) or within(candidate, other))
    ]


@transaction.atomic
def accept_reviewed(
    *,
    document: Document,
    candidate,
    candidates,
    edits: dict | None = None,
    claim: Claim | None = None,
    new_claim_text: str | None = None,
    event=None,
    dates_confirmed: bool = False,
    by,
) -> Attribution:
    """Accept a suggestion from the review workspace: apply the editor's edits, refuse a claim or
    event whose date cannot match the document's unless the editor confirmed it, record the
    attribution (accept_suggestion), and record the suggestion's twins as accepted with it so
    they leave the list. Raises ValidationError with an editor's message."""
    original = candidate
    if edits:
        candidate = edit_candidate(document, candidate, **edits)
    target_event = event or (claim.event if claim is not None else None)
    if target_event is None and claim is None:
        hinted = list(events_for_hint(candidate.event_hint)[:2])  # as accept_suggestion picks it
        target_event = hinted[0] if len(hinted) == 1 else None
    warning = date_conflict(document=document, event=target_event, kind=candidate.kind)
    if warning and not dates_confirmed:
        raise ValidationError(
            f"{warning} Tick “I confirm the dates” to accept it for this event anyway."
        )
    attribution = accept_suggestion(
        document=document,
        candidate=candidate,
        claim=claim,
        new_claim_text=new_claim_text,
        event=event,
        by=by,
    )
    for twin in twins_of(original, candidates):
        SuggestionDecision.objects.get_or_create(
            document=document,
            fingerprint=twin.fingerprint,
            defaults={
                "kind": twin.kind,
                "quote_start": twin.start,
                "quote_end": twin.end,
                "decision": SuggestionDecision.Decision.ACCEPTED,
                "attribution": attribution,
                "decided_by": by,
            },
        )
    return attribution


def locate_quote(document: Document, quote: str, *, near: int) -> tuple[int, int]:
    """Where the editor's quote lies in the document's text: the occurrence nearest `near`.

    Raises ValidationError when the words are not the document's own.
    """
    quote = quote.replace("\r\n", "\n").strip()
    if not quote:
        raise ValidationError("The quote is empty.")
    hits = [m.start() for m in re.finditer(re.escape(quote), document.text)]
    if not hits:
        raise ValidationError(
            "The edited quote is not in the document's text: copy the words from it exactly."
        )
    start = min(hits, key=lambda hit: abs(hit - near))
    return start, start + len(quote)
