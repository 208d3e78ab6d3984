"""Writes that touch several models. Each runs in one transaction."""

from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from claims import intervals, relations, status
from claims.models import Attribution, Claim, ClaimRelation, Event, Figure, Tag
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
    """Everything the status rules read about a claim and its same_as group, in four queries
    (one more per further step of a same_as chain)."""
    attributions = list(
        group_attributions(claim)
        .select_related("speaker", "via", "document")
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
    claim.status, claim.status_reason = status.derive(evidence, figures, tensions_for(claim))
    Claim.objects.filter(pk=claim.pk).update(status=claim.status, status_reason=claim.status_reason)


@transaction.atomic
def refresh_claims(claim_ids: Iterable[int]) -> None:
    """Refresh the stored status of each claim and of the claims whose status reads its
    evidence (its same_as group, the claims contradicting them: see claim relations below)."""
    for claim in Claim.objects.filter(pk__in=ClaimRelation.objects.affected_by(claim_ids)):
        refresh_status(claim)


def refresh_claims_for_documents(document_ids: Iterable[int]) -> None:
    """Refresh every claim with an attribution in one of these documents."""
    refresh_claims(
        Attribution.objects.filter(document_id__in=list(document_ids))
        .values_list("claim_id", flat=True)
        .distinct()
    )


# --- Claim relations (claims/relations.py holds the rules) --------------------------------------
# Evidence on any claim of a same_as group counts for every claim of the group, and a supported
# claim that contradicts another supported claim is in tension with it. These two functions feed
# evidence_for/refresh_status; the services below refresh every claim a relation change affects.


def group_attributions(claim: Claim):
    """The attributions of the claim's whole same_as group (only its own when it has none)."""
    return Attribution.objects.filter(claim_id__in=ClaimRelation.objects.same_as_group(claim.pk))


def tensions_for(claim: Claim) -> list[status.Tension]:
    """The claims this one contradicts (with their groups' evidence), for status.derive."""
    others = ClaimRelation.objects.contradicting(ClaimRelation.objects.same_as_group(claim.pk))
    return [
        status.Tension(other.text, evidence_for(other)[0])
        for other in Claim.objects.filter(pk__in=others).order_by("pk")
    ]


@transaction.atomic
def save_relation(*, relation: ClaimRelation) -> ClaimRelation:
    """Save a new or edited relation (validated with full_clean) and refresh every claim whose
    status it changes, before and after the change."""
    before: set[int] = set()
    if relation.pk:
        old = ClaimRelation.objects.filter(pk=relation.pk).values("claim_id", "target_id").first()
        before = set(old.values()) if old else set()
    relation.save()
    refresh_claims(before | {relation.claim_id, relation.target_id})
    return relation


@transaction.atomic
def delete_relation(*, relation: ClaimRelation) -> None:
    """Delete a relation and refresh the claims it linked and those their status reads."""
    ends = {relation.claim_id, relation.target_id}
    affected = ClaimRelation.objects.affected_by(ends)
    relation.delete()
    refresh_claims(affected)


def suggest_relations(*, threshold: float = 0.6, limit: int = 50) -> list[tuple]:
    """Pairs of claims worded alike (claim, claim, score), best first, not yet related: candidates
    for an editor to confirm as same_as, narrower/broader or contradicts."""
    texts = dict(Claim.objects.values_list("pk", "text"))
    related = {frozenset((e.claim, e.target)) for e in ClaimRelation.objects.edges()}
    pairs = relations.similar_pairs(texts, threshold, related)[:limit]
    claims = Claim.objects.in_bulk({pk for a, b, _ in pairs for pk in (a, b)})
    return [(claims[a], claims[b], score) for a, b, score in pairs]


# --- Documents ----------------------------------------------------------------------------------

# What a document's claims read: a change to any of these refreshes them.
_ORIGIN_FIELDS = ("derived_from_id", "origin_outlet_id", "outlet_id", "published")


@transaction.atomic
def save_document(*, document: Document) -> Document:
    """Save a new or edited document (already validated with full_clean).

    When the text changed, every quote in it is re-anchored; when the text, the copy chain, the
    publisher or the date changed, every claim cited in it or in a copy of it is refreshed.
    """
    old = None
    if document.pk:
        old = (
            Document.objects.select_for_update(of=("self",))
            .filter(pk=document.pk)
            .values("text", *_ORIGIN_FIELDS)
            .first()
        )
    document.save()
    if old is None:
        return document
    if old["text"] != document.text:
        for attribution in document.attributions.select_related("document"):
            attribution.document = document
            attribution.save()
    if old["text"] != document.text or any(old[k] != getattr(document, k) for k in _ORIGIN_FIELDS):
        refresh_claims_for_documents(document.lineage_ids())
    return document


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
