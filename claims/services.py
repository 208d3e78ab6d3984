"""Writes that touch several models. Each runs in one transaction."""

from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from claims import intervals, status
from claims.models import Attribution, Claim, Event, Figure, Tag
from sources.models import Document


def document_origins(document_ids: Iterable[int]) -> dict[int, tuple[tuple, str]]:
    """Map each document id to (origin key, origin label), walking derived_from chains in bulk.

    One query per level of copying, however many documents are asked for.
    """
    rows: dict[int, dict] = {}
    wanted = set(document_ids)
    while wanted:
        fetched = Document.objects.filter(pk__in=wanted).values(
            "pk",
            "title",
            "derived_from_id",
            "outlet_id",
            "outlet__name",
            "origin_outlet_id",
            "origin_outlet__name",
        )
        for row in fetched:
            rows[row["pk"]] = row
        wanted = {r["derived_from_id"] for r in rows.values() if r["derived_from_id"]} - rows.keys()

    def root(pk: int) -> dict:
        seen = set()
        row = rows[pk]
        while row["derived_from_id"] and row["derived_from_id"] in rows and row["pk"] not in seen:
            seen.add(row["pk"])
            row = rows[row["derived_from_id"]]
        return row

    origins = {}
    for pk in set(document_ids):
        if pk not in rows:
            continue
        r = root(pk)
        if r["origin_outlet_id"]:
            origins[pk] = (("outlet", r["origin_outlet_id"]), r["origin_outlet__name"])
        elif r["outlet_id"]:
            origins[pk] = (("outlet", r["outlet_id"]), r["outlet__name"])
        else:
            origins[pk] = (("document", r["pk"]), f"unknown publisher of “{r['title']}”")
    return origins


def attribution_origins(attributions: Iterable[Attribution]) -> dict[int, tuple[tuple, str]]:
    """Map attribution id to its origin: the `via` outlet when given, else its document's origin.

    Expects `via` to be selected with the attributions.
    """
    attributions = list(attributions)
    by_document = document_origins({a.document_id for a in attributions})
    return {
        a.pk: (("outlet", a.via_id), a.via.name) if a.via_id else by_document[a.document_id]
        for a in attributions
    }


def _speaker_label(a: Attribution, origin_label: str) -> str:
    if a.speaker_id:
        return a.speaker.name
    if a.voice == Attribution.Voice.OWN:
        return f"{origin_label} (own voice)"
    if a.speaker_description:
        return f"{a.speaker_description} (in {origin_label})"
    return f"{a.get_voice_display().lower()} in {origin_label}"


def evidence_for(claim: Claim) -> tuple[list[status.Evidence], status.Figures]:
    """Everything the status rules read about a claim, in three queries."""
    attributions = list(
        claim.attributions.select_related("speaker", "via", "document")
        # The rules need the document's date, not its text (kilobytes per attribution).
        .defer("document__text", "quote", "quote_prefix", "quote_suffix", "note")
        .order_by("pk")
    )
    origins = attribution_origins(attributions)
    evidence = []
    for a in attributions:
        origin_key, origin_label = origins[a.pk]
        source_key = ("actor", a.speaker_id) if a.speaker_id else ("origin", origin_key)
        evidence.append(
            status.Evidence(
                attribution_id=a.pk,
                source_key=source_key,
                speaker_label=_speaker_label(a, origin_label),
                origin_key=origin_key,
                origin_label=origin_label,
                voice=a.voice,
                stance=a.stance,
                on=a.stated_on or a.document.published,
            )
        )
    # By attribution ids, not through a join on the claim: on a hot claim the join made the
    # planner scan every figure.
    figures = Figure.objects.filter(attribution_id__in=[a.pk for a in attributions]).only(
        "pk",
        "attribution_id",
        "event_id",
        "measure",
        "population",
        "low",
        "high",
        "superseded_by_id",
        "text",
    )
    facts = [f.fact() for f in figures]
    labels = {
        a.pk: f"{e.speaker_label} via {a.via.name}" if a.via_id else e.speaker_label
        for a, e in zip(attributions, evidence, strict=True)
    }
    texts = {f.pk: f.text for f in figures}
    # Enough pairs per group to name MAX_DIVERGENCES_SHOWN distinct ones; the rest are counted.
    found = intervals.find_divergences(facts, limit=status.DIVERGENCES_GATHERED)
    return evidence, status.Figures(found.pairs, labels, texts, total=found.total)


def refresh_status(claim: Claim) -> None:
    """Derive the claim's status and reason from its evidence and store them.

    Writes with update() so a derived value neither bumps the version editors compare nor adds a
    history row of its own.
    """
    evidence, figures = evidence_for(claim)
    claim.status, claim.status_reason = status.derive(evidence, figures)
    Claim.objects.filter(pk=claim.pk).update(status=claim.status, status_reason=claim.status_reason)


@transaction.atomic
def refresh_claims(claim_ids: Iterable[int]) -> None:
    """Refresh the stored status of each claim."""
    for claim in Claim.objects.filter(pk__in=set(claim_ids)):
        refresh_status(claim)


def refresh_claims_for_documents(document_ids: Iterable[int]) -> None:
    """Refresh every claim with an attribution in one of these documents."""
    refresh_claims(
        Attribution.objects.filter(document_id__in=list(document_ids))
        .values_list("claim_id", flat=True)
        .distinct()
    )


# --- suggestions: accept or reject what the engine proposes ----------------------------------------

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
            from django.utils.text import slugify

            base = slugify(written)[:180] or "speaker"
            slug, n = base, 2
            while Actor.objects.filter(slug=slug).exists():
                slug, n = f"{base}-{n}", n + 1
            actor = Actor.objects.create(name=written[:200], slug=slug)
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
    from django.core.exceptions import ValidationError

    from claims.models import SuggestionDecision

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
    from django.core.exceptions import ValidationError

    from claims.models import SuggestionDecision

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


# --- Publication workflow ------------------------------------------------------------------------

PUBLISH_PERMISSION = "claims.publish_claim"


def _require(by, permission: str, doing: str) -> None:
    if by is None or not by.has_perm(permission):
        raise PermissionDenied(f"You are not allowed to {doing}.")


def _save_with_reason(instance, *, by, reason: str, at=None) -> None:
    """Save so that simple-history records who did it, why and (optionally) when."""
    if at is not None:
        instance._history_date = at
    instance._history_user = by
    instance._change_reason = reason[:100]
    instance.save()


def _lock(claim: Claim) -> Claim:
    """Lock the claim's row for the rest of the transaction and reload it."""
    Claim.objects.select_for_update(of=("self",)).filter(pk=claim.pk).values_list(
        "pk", flat=True
    ).first()
    claim.refresh_from_db()
    return claim


@transaction.atomic
def submit_for_review(*, claim: Claim, by) -> Claim:
    """Move a draft to "in review". Editors and reviewers may do it."""
    _require(by, "claims.change_claim", "submit claims for review")
    _lock(claim)
    if claim.publication != Claim.Publication.DRAFT:
        raise ValidationError(
            f"Only a draft can be submitted for review; “{short_text(claim)}” is "
            f"{claim.get_publication_display().lower()}."
        )
    claim.publication = Claim.Publication.IN_REVIEW
    _save_with_reason(claim, by=by, reason="Submitted for review")
    return claim


@transaction.atomic
def publish(*, claim: Claim, by) -> Claim:
    """Publish a claim in review, recording who published it and when. Reviewers only."""
    _require(by, PUBLISH_PERMISSION, "publish claims")
    _lock(claim)
    if claim.publication != Claim.Publication.IN_REVIEW:
        raise ValidationError(
            f"Only a claim in review can be published; “{short_text(claim)}” is "
            f"{claim.get_publication_display().lower()}."
        )
    claim.publication = Claim.Publication.PUBLISHED
    claim.published_by = by
    claim.published_at = timezone.now()
    claim.review_note = ""
    _save_with_reason(claim, by=by, reason="Published")
    return claim


@transaction.atomic
def return_to_draft(*, claim: Claim, by, reason: str) -> Claim:
    """Send a claim in review, or a published one (unpublishing it), back to draft. Reviewers only.

    The reason is kept on the claim (review_note) and in its history.
    """
    _require(by, PUBLISH_PERMISSION, "return claims to draft or unpublish them")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the claim goes back to draft."})
    _lock(claim)
    if claim.publication == Claim.Publication.DRAFT:
        raise ValidationError(f"“{short_text(claim)}” is already a draft.")
    claim.publication = Claim.Publication.DRAFT
    claim.published_by = None
    claim.published_at = None
    claim.review_note = reason
    _save_with_reason(claim, by=by, reason=f"Returned to draft: {reason}")
    return claim


def short_text(claim: Claim) -> str:
    return claim.text if len(claim.text) <= 60 else claim.text[:59] + "…"


# --- Restoring history ---------------------------------------------------------------------------


def _alive_at(history_model, moment, **filters) -> dict[int, object]:
    """The latest historical record at or before `moment` of each object matching `filters`,
    for objects that existed then (their latest record is not a deletion)."""
    latest: dict[int, object] = {}
    records = history_model.objects.filter(history_date__lte=moment, **filters).order_by(
        "history_date", "history_id"
    )
    for record in records:
        latest[record.id] = record
    return {pk: r for pk, r in latest.items() if r.history_type != "-"}


def _restore_instance(record, *, model, by, reason: str, missing: dict[str, object], at=None):
    """Save the state held by a historical record as the live row, keeping versions increasing."""
    instance = record.instance
    for field, related_model in missing.items():
        value = getattr(instance, f"{field}_id")
        if value is not None and not related_model.objects.filter(pk=value).exists():
            raise ValidationError(
                f"Cannot restore {model._meta.verbose_name} #{record.id}: its {field} "
                f"#{value} no longer exists."
            )
    current = model.objects.filter(pk=record.id).values_list("version", flat=True).first()
    if current is None:
        current = (
            record.__class__.objects.filter(id=record.id)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
    instance.version = current or 0
    instance._state.adding = False  # save() raises the version above every earlier one
    _save_with_reason(instance, by=by, reason=reason, at=at)
    return instance


@transaction.atomic
def restore_claim(*, claim_id: int, by, history_id: int | None = None, history_date=None) -> Claim:
    """Restore a claim, with its attributions and their figures, to how they were at one moment.

    The moment is a version of the claim (`history_id`) or a time (`history_date`). The admin
    stamps a claim and the inline rows saved with it in one request with one history date, so a
    version of the claim includes the attributions and figures saved with it.
    Recreates a deleted claim, attributions and figures, deletes those added since, and records
    every change in history with who restored it. Reviewers only. All or nothing.
    """
    from sources.models import Actor, Outlet

    _require(by, PUBLISH_PERMISSION, "restore claims")
    HistoricalClaim = Claim.history.model
    if history_id is not None:
        record = HistoricalClaim.objects.filter(id=claim_id, history_id=history_id).first()
        if record is None:
            raise ValidationError(f"Claim #{claim_id} has no version #{history_id}.")
        moment = (
            _before_cascade(claim_id, record.history_date)
            if record.history_type == "-"
            else record.history_date
        )
    elif history_date is not None:
        moment = history_date
    else:
        raise ValidationError("Say which version to restore.")
    Claim.objects.select_for_update(of=("self",)).filter(pk=claim_id).first()
    records = HistoricalClaim.objects.filter(id=claim_id, history_date__lte=moment).order_by(
        "-history_date", "-history_id"
    )
    record = next((r for r in records if r.history_type != "-"), None)
    if record is None:
        raise ValidationError(f"Claim #{claim_id} did not exist at {moment}.")
    stamp = f"Restored to the version of {record.history_date:%Y-%m-%d %H:%M:%S}"
    now = timezone.now()
    claim = _restore_instance(
        record, model=Claim, by=by, reason=stamp, missing={"event": Event}, at=now
    )
    tag_ids = set(record.tags.values_list("tag_id", flat=True))
    claim.tags.set(Tag.objects.filter(pk__in=tag_ids))

    HistoricalAttribution = Attribution.history.model
    HistoricalFigure = Figure.history.model
    ever = set(HistoricalAttribution.objects.filter(claim_id=claim_id).values_list("id", flat=True))
    ever |= set(Attribution.objects.filter(claim_id=claim_id).values_list("pk", flat=True))
    attributions = {
        pk: r
        for pk, r in _alive_at(HistoricalAttribution, moment, id__in=ever).items()
        if r.claim_id == claim_id
    }
    for extra in Attribution.objects.filter(claim_id=claim_id).exclude(pk__in=attributions):
        extra._history_user, extra._change_reason, extra._history_date = by, stamp, now
        extra.delete()
    for r in attributions.values():
        _restore_instance(
            r,
            model=Attribution,
            by=by,
            reason=stamp,
            missing={"document": Document, "speaker": Actor, "via": Outlet},
            at=now,
        )

    ever_figures = set(
        HistoricalFigure.objects.filter(attribution_id__in=attributions).values_list(
            "id", flat=True
        )
    )
    ever_figures |= set(
        Figure.objects.filter(attribution_id__in=attributions).values_list("pk", flat=True)
    )
    figures = {
        pk: r
        for pk, r in _alive_at(HistoricalFigure, moment, id__in=ever_figures).items()
        if r.attribution_id in attributions
    }
    for extra in Figure.objects.filter(attribution_id__in=attributions).exclude(pk__in=figures):
        extra._history_user, extra._change_reason, extra._history_date = by, stamp, now
        extra.delete()
    for r in sorted(figures.values(), key=lambda r: r.superseded_by_id is not None):
        if r.superseded_by_id and not (
            r.superseded_by_id in figures or Figure.objects.filter(pk=r.superseded_by_id).exists()
        ):
            r.superseded_by_id = None
        _restore_instance(r, model=Figure, by=by, reason=stamp, missing={"event": Event}, at=now)
    claim.refresh_from_db()
    refresh_status(claim)
    return claim


def _before_cascade(claim_id: int, deleted_at):
    """Just before a claim's deletion, including the cascade that deleted its attributions and
    figures a moment earlier (the children's deletion records come first, within seconds)."""
    window = (deleted_at - timedelta(seconds=CASCADE_WINDOW_SECONDS), deleted_at)
    HistoricalAttribution = Attribution.history.model
    attribution_ids = HistoricalAttribution.objects.filter(claim_id=claim_id).values("id")
    dates = [deleted_at]
    for records in (
        HistoricalAttribution.objects.filter(claim_id=claim_id),
        Figure.history.model.objects.filter(attribution_id__in=attribution_ids),
    ):
        first = (
            records.filter(history_type="-", history_date__range=window)
            .order_by("history_date")
            .values_list("history_date", flat=True)
            .first()
        )
        if first is not None:
            dates.append(first)
    return min(dates) - timedelta(microseconds=1)


# Deleting a claim deletes its attributions and figures in the same request, just before it.
CASCADE_WINDOW_SECONDS = 10


def deleted_claims():
    """The last historical record of every deleted claim, most recently deleted first."""
    HistoricalClaim = Claim.history.model
    return (
        HistoricalClaim.objects.filter(history_type="-")
        .exclude(id__in=Claim.objects.values("pk"))
        .order_by("-history_date")
        .select_related("history_user")
    )
