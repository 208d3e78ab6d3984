"""Writes that touch several models. Each runs in one transaction."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, F, Q, QuerySet, When
from django.utils import timezone

from claims import evidence, feed, relations, versions
from claims.models import Attribution, Claim, ClaimRelation, Event, Figure, Tag
from claims.models.claim import READ_VERSIONS
from sources.models import Document

# --- Evidence: attributions and figures ---------------------------------------------------------
#
# The only way evidence changes. Each write locks the claims it touches, writes, and refreshes
# their stored status in the same transaction; model save() and delete() touch only their own row.

# Claims refreshed per batch by refresh_claims: bounds the memory of a bulk load's refresh.
REFRESH_BATCH = 1000


def _lock_claims(claim_ids: Iterable[int | None]) -> list[int]:
    """Lock the claims' rows, in id order so two writers never wait on each other in a cycle.

    FOR NO KEY UPDATE: it serialises the writers of one claim's evidence without conflicting with
    the key-share lock another transaction's attribution insert takes on the claim (a plain
    FOR UPDATE there would deadlock two concurrent additions).
    """
    ids = sorted({pk for pk in claim_ids if pk is not None})
    if not ids:
        return []
    feed.lock()  # before any claim row: every writer takes the two locks in this order
    return list(
        Claim.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def refresh_status(claim: Claim) -> None:
    """Derive the claim's status and reason from its evidence and store them.

    Locks the claim's row first, so concurrent writes to one claim's evidence refresh it one after
    the other, each reading what the others committed. Stores with update() so a derived value
    neither bumps the version editors compare nor adds a history row of its own.
    """
    claim.status, claim.status_reason = refresh_claims([claim.pk])[claim.pk]


@transaction.atomic
def refresh_claims(
    claim_ids: Iterable[int | None], touched: Mapping[str, Iterable[int]] | None = None
) -> dict[int, tuple[str, str]]:
    """Lock, derive and store the status of each claim, in batches. Returns (status, reason) by id.

    The bulk path of loaders: one that inserts many rows with bulk_create (the synthetic corpus)
    calls it once for every claim it touched, in the same transaction. `touched`: see _store.
    """
    ids = sorted(ClaimRelation.objects.affected_by({pk for pk in claim_ids if pk is not None}))
    derived = {}
    for start in range(0, len(ids), REFRESH_BATCH):
        derived.update(_store(_lock_claims(ids[start : start + REFRESH_BATCH]), touched))
    return derived


def _store(
    claim_ids: list[int], touched: Mapping[str, Iterable[int]] | None = None
) -> dict[int, tuple[str, str]]:
    """Derive and store the status of claims whose rows the caller has locked, and log the
    public changes of these claims and their evidence (every evidence write ends here).

    `touched` ({"attribution": ids, "figure": ids}) names the evidence rows the caller wrote:
    then only they (and what they name) are re-read for the change feed, not every row of the
    claims; None re-reads everything hanging on the claims.
    """
    derived = evidence.derive(claim_ids)
    # One UPDATE per claim: cheaper than bulk_update's CASE over a thousand rows. Every refresh
    # raises evidence_version: the one place the ETags of pages showing the evidence learn of it.
    for pk, (status, reason) in derived.items():
        Claim.objects.filter(pk=pk).update(
            status=status,
            status_reason=reason,
            evidence_version=F("evidence_version") + 1,
            status_version=Case(
                When(status=status, status_reason=reason, then=F("status_version")),
                default=F("status_version") + 1,
            ),
        )
    _public_changed(claim_ids, touched)
    return derived


def _public_changed(
    claim_ids: Iterable[int | None],
    touched: Mapping[str, Iterable[int]] | None = None,
    *,
    proposal_only: bool = False,
) -> None:
    """The one entry point through which services log claim-related public changes: the claims,
    their attributions and figures, their events and the sources they cite are recomputed as an
    anonymous reader sees them and appended to the change feed when they differ (claims.feed).

    Evidence writes, refresh_claims (bulk loaders), relations and restore reach it through the
    status refresh (approvals, rejections and publishing too); the other publication transitions
    call it directly. `touched`: see _store; `proposal_only`: see _refresh.
    """
    claim_ids = list(claim_ids)
    if proposal_only:
        feed.record(touched or {}, expand=False)
    elif touched is None:
        # A claim-level change (a publication transition, a bulk refresh): the claims related
        # to these show it (the evidence writes raise them through their own refresh).
        versions.shown_changed({"claim": {pk for pk in claim_ids if pk is not None}})
        feed.record_claims(claim_ids)
    else:
        feed.record_evidence(claim_ids, touched)
    # What the event figure comparisons show of these figures: last, as every write locks the
    # claims before their figures.
    versions.figures_changed(claim_ids, touched)


def _refresh(
    claim_ids: Iterable[int | None],
    touched: Mapping[str, Iterable[int]] | None = None,
    *,
    proposal_only: bool = False,
) -> None:
    """Refresh claims the caller has just locked with _lock_claims (saves a second lock query),
    and the related claims whose status reads their evidence (locked here).

    `proposal_only`: the write only proposed changes on published claims (_write and _remove with
    `gated`), which leaves the content of their live evidence as it was, hence the stored status,
    which derives from it alone: the evidence is not re-read, the version of the staff's view
    moves (its pending rows and status preview), and only the touched rows are logged (a row
    marked for deletion was saved).
    """
    ids = {pk for pk in claim_ids if pk is not None}
    related = ClaimRelation.objects.affected_by(ids) - ids
    if related:
        _lock_claims(related)
    ids = sorted(ids | related)
    if proposal_only:
        Claim.objects.filter(pk__in=ids).update(evidence_version=F("evidence_version") + 1)
        _public_changed(ids, touched, proposal_only=True)
        return
    for start in range(0, len(ids), REFRESH_BATCH):
        _store(ids[start : start + REFRESH_BATCH], touched)


def refresh_claims_for_documents(document_ids: Iterable[int]) -> None:
    """Refresh every claim with an attribution in one of these documents."""
    refresh_claims(
        Attribution.objects.filter(document_id__in=list(document_ids))
        .order_by()
        .values_list("claim_id", flat=True)
        .distinct()
    )


# --- Review of evidence (claims/models/review.py) -----------------------------------------------
#
# On a published claim an editor's write becomes a proposal: a new row is saved pending, an edit of
# an approved row is saved as a pending copy of it, a deletion marks the row pending_deletion. The
# public keeps seeing the approved evidence (and the status derived from it) until a reviewer
# approves the change. On a draft or a claim in review, writes apply at once: the claim's
# publication is their review, and `publish` records its reviewer on them.

# Fields a reviewer's decision sets; an approved edit copies every other field onto the live row.
_REVIEW_FIELDS = {"id", "version", "created_at", "updated_at", "review", "replaces", "proposed_by"}
_REVIEW_FIELDS |= {"reviewed_by", "reviewed_at"}
# Bookkeeping for reads (claims.versions), never copied from a proposal onto the live row.
_REVIEW_FIELDS |= {"shown_version"}


def _proposer(instance):
    """Who proposes a write: the user the caller recorded for history, else the request's user."""
    by = getattr(instance, "_history_user", None)
    if by is None:
        from simple_history.models import HistoricalRecords

        request = getattr(HistoricalRecords.context, "request", None)
        by = getattr(request, "user", None)
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def _copy_values(source, target) -> None:
    """Write every content field of `source` (and its derived fields) onto `target`."""
    for field in source._meta.concrete_fields:
        if field.name not in _REVIEW_FIELDS:
            setattr(target, field.attname, getattr(source, field.attname))


def _published(claim_ids: Iterable[int | None]) -> bool:
    ids = {pk for pk in claim_ids if pk is not None}
    return Claim.objects.filter(pk__in=ids, publication=Claim.Publication.PUBLISHED).exists()


def _write(row, *, gated: bool, parent_pending: bool = False):
    """Save `row` (an Attribution or Figure) by the review rule; returns the row saved (the live
    row, or on a published claim the pending row or copy that holds the change)."""
    model = type(row)
    Review = model.Review
    by = _proposer(row)
    old = (
        model.objects.filter(pk=row.pk).values("review", "replaces_id").first() if row.pk else None
    )
    if old is None:
        # New evidence: pending on a published claim (or on pending evidence), else live.
        row.review = Review.PENDING if gated or parent_pending else Review.APPROVED
        row.replaces_id, row.proposed_by = None, by
        row.reviewed_by = row.reviewed_at = None
        row.save()
        return row
    if old["replaces_id"] is not None or old["review"] == Review.PENDING:
        row.review, row.replaces_id, row.proposed_by = Review.PENDING, old["replaces_id"], by
        row.save()  # a proposal edited before review: still a proposal
        return row
    if not gated:
        model.objects.filter(replaces_id=row.pk).delete()  # an edit in place supersedes them
        if old["review"] == Review.PENDING_DELETION:
            row.review = Review.APPROVED
        row.save()
        return row
    if old["review"] == Review.PENDING_DELETION:
        # The editor's latest proposal replaces the earlier one: the deletion is withdrawn.
        model.objects.filter(pk=row.pk).update(review=Review.APPROVED)
    copy = model.objects.filter(replaces_id=row.pk).first() or model(replaces_id=row.pk)
    _copy_values(row, copy)
    copy.review, copy.proposed_by = Review.PENDING, by
    for name in ("_history_user", "_change_reason", "_history_date"):
        if hasattr(row, name):
            setattr(copy, name, getattr(row, name))
    copy.save()
    # The caller's instance shows the live row again; the change waits in the copy.
    row.refresh_from_db()
    return copy


def _remove(row, *, gated: bool) -> None:
    """Delete `row` by the review rule: on a published claim an approved row is marked
    pending_deletion (a proposal is withdrawn at once); elsewhere it is deleted."""
    Review = type(row).Review
    current = type(row).objects.filter(pk=row.pk).first()
    if current is None:
        return
    if gated and current.review == Review.APPROVED and current.replaces_id is None:
        type(row).objects.filter(replaces_id=row.pk).delete()
        current.review, current.proposed_by = Review.PENDING_DELETION, _proposer(row)
        current._history_user = getattr(row, "_history_user", None) or current.proposed_by
        current._change_reason = "Deletion proposed"
        current.save()
        return
    if gated and current.review == Review.PENDING_DELETION:
        return
    row.delete()


@transaction.atomic
def save_attribution(*, attribution: Attribution) -> Attribution:
    """Create or edit an attribution (validated with full_clean) and refresh its claim.

    On a published claim (the one it is on or moves to) the change waits for review (see above);
    returns the row that holds it. When it moved to another claim, the claim it left is refreshed.
    """
    old_claim_id = None
    if attribution.pk:
        old_claim_id = (
            Attribution.objects.filter(pk=attribution.pk).values_list("claim_id", flat=True).first()
        )
    _lock_claims([attribution.claim_id, old_claim_id])
    gated = _published([attribution.claim_id, old_claim_id])
    saved = _write(attribution, gated=gated)
    touched = {"attribution": {attribution.pk, saved.pk}}
    _refresh([attribution.claim_id, old_claim_id], touched, proposal_only=gated)
    return saved


@transaction.atomic
def delete_attribution(*, attribution: Attribution) -> None:
    """Delete an attribution with its figures (on a published claim: propose the deletion) and
    refresh the claim it supported or opposed."""
    _lock_claims([attribution.claim_id])
    gated = _published([attribution.claim_id])
    _remove(attribution, gated=gated)
    _refresh([attribution.claim_id], {"attribution": {attribution.pk}}, proposal_only=gated)


@transaction.atomic
def delete_attributions(*, attributions: QuerySet) -> int:
    """Delete a set of attributions (admin bulk delete) and refresh every claim that lost one."""
    claim_ids = set(attributions.order_by().values_list("claim_id", flat=True))
    _lock_claims(claim_ids)
    published = set(
        Claim.objects.filter(pk__in=claim_ids, publication=Claim.Publication.PUBLISHED).values_list(
            "pk", flat=True
        )
    )
    rows = list(attributions)
    for row in rows:
        _remove(row, gated=row.claim_id in published)
    touched = {"attribution": {row.pk for row in rows}}
    _refresh(claim_ids, touched, proposal_only=claim_ids <= published)
    return len(rows)


def _figure_claim(figure_id: int | None) -> int | None:
    if figure_id is None:
        return None
    return (
        Figure.objects.filter(pk=figure_id)
        .order_by()
        .values_list("attribution__claim_id", flat=True)
        .first()
    )


@transaction.atomic
def save_figure(*, figure: Figure) -> Figure:
    """Create or edit a figure (validated with full_clean) and refresh its claim.

    On a published claim the change waits for review; a figure added to pending evidence is
    pending with it. Returns the row that holds the change. When it moved to an attribution of
    another claim, the claim it left is refreshed too.
    """
    old_claim_id = _figure_claim(figure.pk)
    parent = (
        Attribution.objects.filter(pk=figure.attribution_id).values("claim_id", "review").first()
        or {}
    )
    claim_id = parent.get("claim_id")
    _lock_claims([claim_id, old_claim_id])
    gated = _published([claim_id, old_claim_id])
    saved = _write(
        figure, gated=gated, parent_pending=parent.get("review") == Attribution.Review.PENDING
    )
    _refresh([claim_id, old_claim_id], {"figure": {figure.pk, saved.pk}}, proposal_only=gated)
    return saved


@transaction.atomic
def delete_figure(*, figure: Figure) -> None:
    """Delete a figure (on a published claim: propose the deletion) and refresh its claim."""
    claim_id = _figure_claim(figure.pk)
    _lock_claims([claim_id])
    gated = _published([claim_id])
    _remove(figure, gated=gated)
    _refresh([claim_id], {"figure": {figure.pk}}, proposal_only=gated)


@transaction.atomic
def delete_figures(*, figures: QuerySet) -> int:
    """Delete a set of figures (admin bulk delete) and refresh every claim that held one."""
    claim_ids = set(figures.order_by().values_list("attribution__claim_id", flat=True))
    _lock_claims(claim_ids)
    published = set(
        Claim.objects.filter(pk__in=claim_ids, publication=Claim.Publication.PUBLISHED).values_list(
            "pk", flat=True
        )
    )
    rows = list(figures.select_related("attribution"))
    for row in rows:
        _remove(row, gated=row.attribution.claim_id in published)
    touched = {"figure": {row.pk for row in rows}}
    _refresh(claim_ids, touched, proposal_only=claim_ids <= published)
    return len(rows)


def may_review(user) -> bool:
    """Whether `user` may approve and reject evidence (reviewers: the publish permission)."""
    return user is not None and user.has_perm(REVIEW_PERMISSION)


def _claim_of(row) -> int:
    return row.claim_id if isinstance(row, Attribution) else row.attribution.claim_id


def _lock_rows(rows) -> list:
    """Lock the claims of `rows` and reload the rows (another reviewer may have decided them)."""
    rows = list(rows)
    fresh = []
    for row in rows:
        current = (
            type(row).objects.select_related("attribution").filter(pk=row.pk).first()
            if (isinstance(row, Figure))
            else type(row).objects.filter(pk=row.pk).first()
        )
        if current is None:
            raise ValidationError(f"{type(row)._meta.verbose_name.capitalize()} #{row.pk} is gone.")
        fresh.append(current)
    _lock_claims({_claim_of(r) for r in fresh})
    return fresh


def _approve(row, *, by, at) -> set[int]:
    """Apply one pending change of `row`; returns the claim ids it touched."""
    Review = type(row).Review
    claim_ids = {_claim_of(row)}
    if not type(row).objects.filter(pk=row.pk).exclude(review=Review.APPROVED).exists():
        return claim_ids  # decided with the row before it (figures go with their attribution)
    if row.review == Review.PENDING_DELETION:
        row._history_user, row._change_reason = by, "Deletion approved"
        row.delete()
        return claim_ids
    if row.replaces_id is not None:
        live = type(row).objects.get(pk=row.replaces_id)
        claim_ids.add(_claim_of(live))  # an edit may move it from another claim
        _copy_values(row, live)
        live.proposed_by_id = row.proposed_by_id
        row._history_user, row._change_reason = by, "Edit approved"
        row.delete()
        row = live
    row.review, row.reviewed_by, row.reviewed_at = Review.APPROVED, by, at
    _save_with_reason(row, by=by, reason="Approved")
    if isinstance(row, Attribution):  # figures added with a new attribution come with it
        for figure in row.figures.filter(review=Review.PENDING, replaces__isnull=True):
            figure.review, figure.reviewed_by, figure.reviewed_at = Review.APPROVED, by, at
            _save_with_reason(figure, by=by, reason="Approved with its attribution")
    return claim_ids


def _rows_touched(rows) -> dict[str, set[int]]:
    """{"attribution": ids, "figure": ids} of pending rows and the live rows they would change."""
    keys: dict[str, set[int]] = {"attribution": set(), "figure": set()}
    for row in rows:
        name = "attribution" if isinstance(row, Attribution) else "figure"
        keys[name] |= {pk for pk in (row.pk, row.replaces_id) if pk is not None}
    return keys


def _check_reviewer(rows, *, by, approving: bool) -> None:
    if not may_review(by):
        raise PermissionDenied(
            f"Reviewing evidence needs the permission {REVIEW_PERMISSION}, which you do not have."
        )
    for row in rows:
        if row.review == type(row).Review.APPROVED:
            raise ValidationError(
                f"{row._meta.verbose_name.capitalize()} #{row.pk} is not pending."
            )
        if approving and row.proposed_by_id == by.pk and not settings.REVIEW_ALLOW_SELF_APPROVAL:
            raise PermissionDenied(
                f"You proposed this change to {row._meta.verbose_name} #{row.pk}; another "
                "reviewer must approve it (settings.REVIEW_ALLOW_SELF_APPROVAL allows it)."
            )


@transaction.atomic
def approve_evidence(*, items: Iterable, by) -> list[int]:
    """Approve pending attributions and figures (creates, edits, deletions): the public sees the
    change from now on and the claims' stored status follows. Reviewers only, never their own
    proposals unless settings.REVIEW_ALLOW_SELF_APPROVAL. Returns the claims touched.

    Raises PermissionDenied, or ValidationError when a row is not pending (all or nothing)."""
    rows = _lock_rows(items)
    _check_reviewer(rows, by=by, approving=True)
    at = timezone.now()
    evidence_rows = _rows_touched(rows)
    touched = set().union(*(_approve(row, by=by, at=at) for row in rows))
    refresh_claims(touched, evidence_rows)  # logs the public changes too (_store)
    return sorted(touched)


@transaction.atomic
def reject_evidence(*, items: Iterable, by, reason: str) -> list[int]:
    """Reject pending changes, with the reason: a new row or an edit is dropped, a deletion is
    cancelled. The public sees nothing change. Reviewers only. Returns the claims touched."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the change is rejected."})
    rows = _lock_rows(items)
    _check_reviewer(rows, by=by, approving=False)
    at = timezone.now()
    touched = set()
    for row in rows:
        touched.add(_claim_of(row))
        stamp = f"Rejected: {reason}"
        if row.review == type(row).Review.PENDING_DELETION:
            row.review, row.reviewed_by, row.reviewed_at = type(row).Review.APPROVED, by, at
            _save_with_reason(row, by=by, reason=stamp)
        else:
            row._history_user, row._change_reason = by, stamp[:100]
            row.delete()
    refresh_claims(touched, _rows_touched(rows))  # logs the public changes too (_store)
    return sorted(touched)


def pending_evidence(claim_ids: Iterable[int] | None = None) -> tuple[list, list]:
    """(attributions, figures) waiting for review, oldest first, optionally of some claims only:
    the review queue."""
    attributions = Attribution.objects.pending().select_related(
        "claim", "speaker", "via", "document", "replaces", "proposed_by"
    )
    figures = Figure.objects.pending().select_related(
        "attribution__claim", "event", "replaces", "proposed_by"
    )
    if claim_ids is not None:
        ids = list(claim_ids)
        # A pending edit may move a row to another claim: it is pending for both.
        attributions = attributions.filter(Q(claim_id__in=ids) | Q(replaces__claim_id__in=ids))
        figures = figures.filter(
            Q(attribution__claim_id__in=ids) | Q(replaces__attribution__claim_id__in=ids)
        )
    return list(attributions.order_by("updated_at", "pk")), list(
        figures.order_by("updated_at", "pk")
    )


# --- Claim relations (claims/relations.py holds the rules) --------------------------------------
# Evidence on any claim of a same_as group counts for every claim of the group, and a supported
# claim that contradicts another supported claim is in tension with it (claims.evidence.derive
# reads both); these services refresh every claim a relation change affects.


@transaction.atomic
def save_relation(*, relation: ClaimRelation) -> ClaimRelation:
    """Save a new or edited relation (validated with full_clean) and refresh every claim whose
    status it changes, before and after the change."""
    feed.lock()
    before: set[int] = set()
    if relation.pk:
        old = ClaimRelation.objects.filter(pk=relation.pk).values("claim_id", "target_id").first()
        before = set(old.values()) if old else set()
    affected = ClaimRelation.objects.affected_by(before) if before else set()
    relation.save()
    refresh_claims(affected | {relation.claim_id, relation.target_id})
    return relation


@transaction.atomic
def delete_relation(*, relation: ClaimRelation) -> None:
    """Delete a relation and refresh the claims it linked and those their status reads."""
    feed.lock()
    affected = ClaimRelation.objects.affected_by({relation.claim_id, relation.target_id})
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

    When the text changed, every quote in it is re-anchored; when the date changed, the date its
    undated attributions were said (Attribution.set_said_on) follows it; when the text, the copy
    chain, the publisher or the date changed, every claim cited in it or in a copy of it is
    refreshed.
    """
    feed.lock()
    old = None
    if document.pk:
        old = (
            Document.objects.select_for_update(of=("self",))
            .filter(pk=document.pk)
            .values("text", *_ORIGIN_FIELDS)
            .first()
        )
    document.save()
    if old is not None:
        if old["text"] != document.text:
            for attribution in document.attributions.select_related("document"):
                attribution.document = document
                attribution.save()
        if old["published"] != document.published:
            # Attribution.set_said_on for every attribution without a stated date, in one UPDATE.
            document.attributions.filter(stated_on__isnull=True).update(said_on=document.published)
        if old["text"] != document.text or any(
            old[k] != getattr(document, k) for k in _ORIGIN_FIELDS
        ):
            refresh_claims_for_documents(document.lineage_ids())
    # Documents are public: the document and the attributions showing its title and date.
    feed.record_objects([document])
    return document


# --- Publication workflow ------------------------------------------------------------------------
#
# A claim's publication moves only through these transitions, in the API (the claim's actions) and
# the admin (changelist actions and change-page buttons) alike. Which transition goes from which
# state, who may apply it and whether it needs a reason is said once, in TRANSITIONS.

PUBLISH_PERMISSION = "claims.publish_claim"

# Approving and rejecting evidence is the reviewers' work too (see "Review of evidence" above).
REVIEW_PERMISSION = PUBLISH_PERMISSION

# The claim fields the transitions set, and nothing else does (restoring a version keeps them).
PUBLICATION_STATE = ("publication", "published_at", "published_by_id", "review_note")

# Claim fields only reviewers (PUBLISH_PERMISSION) may change: the editorial rating and its note.
REVIEWER_FIELDS = ("verdict", "verdict_note")


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    source: str
    target: str
    permission: str
    needs_reason: bool
    refusal: str
    done: str


TRANSITIONS = {
    t.name: t
    for t in [
        Transition(
            "submit",
            "Submit for review",
            Claim.Publication.DRAFT,
            Claim.Publication.IN_REVIEW,
            "claims.change_claim",
            False,
            "Only a draft can be submitted for review",
            "submitted for review",
        ),
        Transition(
            "publish",
            "Publish",
            Claim.Publication.IN_REVIEW,
            Claim.Publication.PUBLISHED,
            PUBLISH_PERMISSION,
            False,
            "Only a claim in review can be published",
            "published",
        ),
        Transition(
            "return_to_draft",
            "Return to draft",
            Claim.Publication.IN_REVIEW,
            Claim.Publication.DRAFT,
            PUBLISH_PERMISSION,
            True,
            "Only a claim in review can be returned to draft (a published one is unpublished)",
            "returned to draft",
        ),
        Transition(
            "unpublish",
            "Unpublish",
            Claim.Publication.PUBLISHED,
            Claim.Publication.DRAFT,
            PUBLISH_PERMISSION,
            True,
            "Only a published claim can be unpublished",
            "unpublished",
        ),
    ]
}


def may_apply(user, transition: Transition) -> bool:
    """Whether `user` holds the permission the transition needs (whatever the claim's state)."""
    return user is not None and user.has_perm(transition.permission)


def allowed_transitions(claim: Claim, user) -> list[Transition]:
    """The transitions `user` may apply to `claim` in its current state (the admin's buttons)."""
    return [t for t in TRANSITIONS.values() if t.source == claim.publication and may_apply(user, t)]


def transition_between(source: str, target: str) -> Transition | None:
    """The one transition from `source` to `target`, or None when no single step joins them."""
    for t in TRANSITIONS.values():
        if (t.source, t.target) == (source, target):
            return t
    return None


def reserved_claim_fields(user) -> tuple[str, ...]:
    """The claim fields `user` may not change: the verdict and its note are the reviewers'.

    The admin makes them read-only and the API refuses a change to them with 403.
    """
    return () if user is not None and user.has_perm(PUBLISH_PERMISSION) else REVIEWER_FIELDS


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
    feed.lock()
    Claim.objects.select_for_update(of=("self",)).filter(pk=claim.pk).values_list(
        "pk", flat=True
    ).first()
    claim.refresh_from_db()
    return claim


def _begin(name: str, *, claim: Claim, by, reason: str = "") -> str:
    """Check and lock for one transition: permission, reason, then the claim's current state.

    Returns the reason, stripped. Raises PermissionDenied or ValidationError.
    """
    transition = TRANSITIONS[name]
    if not may_apply(by, transition):
        raise PermissionDenied(
            f"{transition.label} needs the permission {transition.permission}, "
            "which you do not have."
        )
    reason = (reason or "").strip()
    if transition.needs_reason and not reason:
        raise ValidationError({"reason": "Say why the claim goes back to draft."})
    _lock(claim)
    if claim.publication != transition.source:
        raise ValidationError(
            f"{transition.refusal}; “{short_text(claim)}” is "
            f"{claim.get_publication_display().lower()}."
        )
    claim.publication = transition.target
    return reason


@transaction.atomic
def submit_for_review(*, claim: Claim, by) -> Claim:
    """Move a draft to "in review". Editors and reviewers may do it."""
    _begin("submit", claim=claim, by=by)
    _save_with_reason(claim, by=by, reason="Submitted for review")
    _public_changed([claim.pk])
    return claim


@transaction.atomic
def publish(*, claim: Claim, by) -> Claim:
    """Publish a claim in review, recording who published it and when. Reviewers only."""
    _begin("publish", claim=claim, by=by)
    claim.published_by = by
    claim.published_at = timezone.now()
    claim.review_note = ""
    _save_with_reason(claim, by=by, reason="Published")
    # Its evidence approved with it; the refresh logs the claim and all its evidence as public.
    approve_with_claims(claim_ids=[claim.pk], by=by, at=claim.published_at)
    claim.refresh_from_db()
    return claim


@transaction.atomic
def approve_with_claims(*, claim_ids: Iterable[int], by, at=None) -> None:
    """Approve the evidence of claims as they are published (the publish transition; a seed
    load of new claims): pending changes left from an earlier publication are applied, and `by`
    is recorded as the reviewer of every row not reviewed yet. The callers check permissions."""
    ids = sorted(set(claim_ids))
    if not ids:
        return
    at = at or timezone.now()
    # A pending edit may move a live row here from another claim: that claim changes too.
    moved_from = set(
        Attribution.objects.filter(
            pk__in=Attribution.objects.pending().filter(claim_id__in=ids).values("replaces_id")
        ).values_list("claim_id", flat=True)
    ) | set(
        Figure.objects.filter(
            pk__in=Figure.objects.pending()
            .filter(attribution__claim_id__in=ids)
            .values("replaces_id")
        ).values_list("attribution__claim_id", flat=True)
    )
    _lock_claims({*ids, *moved_from})
    touched = set(ids)
    for model, claim_field in (
        (Attribution, "claim_id__in"),
        (Figure, "attribution__claim_id__in"),
    ):
        rows = model.objects.pending().filter(**{claim_field: ids}).order_by("pk")
        for row in rows.select_related("attribution") if model is Figure else rows:
            touched |= _approve(row, by=by, at=at)
        model.objects.filter(**{claim_field: ids}, reviewed_at__isnull=True).update(
            reviewed_by=by, reviewed_at=at
        )
    refresh_claims(touched)  # logs the public changes too (_store)


@transaction.atomic
def return_to_draft(*, claim: Claim, by, reason: str) -> Claim:
    """Send a claim in review back to draft, with the reviewer's reason. Reviewers only.

    The reason is kept on the claim (review_note) and in its history.
    """
    reason = _begin("return_to_draft", claim=claim, by=by, reason=reason)
    claim.review_note = reason
    _save_with_reason(claim, by=by, reason=f"Returned to draft: {reason}")
    _public_changed([claim.pk])
    return claim


@transaction.atomic
def unpublish(*, claim: Claim, by, reason: str) -> Claim:
    """Take a published claim back to draft, with the reason. Reviewers only.

    Who published it and when are cleared; the reason is kept on the claim (review_note) and in
    its history.
    """
    reason = _begin("unpublish", claim=claim, by=by, reason=reason)
    claim.published_by = None
    claim.published_at = None
    claim.review_note = reason
    _save_with_reason(claim, by=by, reason=f"Unpublished: {reason}")
    _public_changed([claim.pk])  # withdrawn: deletes of the claim and all its evidence
    return claim


def apply_transition(name: str, *, claim: Claim, by, reason: str = "") -> Claim:
    """Apply the transition called `name` in TRANSITIONS through its service (for callers that
    pick the transition at run time, such as the admin's buttons)."""
    if name == "submit":
        return submit_for_review(claim=claim, by=by)
    if name == "publish":
        return publish(claim=claim, by=by)
    if name == "return_to_draft":
        return return_to_draft(claim=claim, by=by, reason=reason)
    if name == "unpublish":
        return unpublish(claim=claim, by=by, reason=reason)
    raise KeyError(name)


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


def _restore_instance(
    record,
    *,
    model,
    by,
    reason: str,
    missing: dict[str, object],
    at=None,
    keep=None,
    gated: bool = False,
):
    """Save the state held by a historical record as the live row, keeping versions increasing.

    `keep` maps field names to values that the restore must not change (a claim's publication).
    With `gated` (evidence of a published claim) the restored state is proposed for review, as
    an editor's write would be (`_write`), unless it equals the live row.
    """
    instance = record.instance
    for name, value in (keep or {}).items():
        setattr(instance, name, value)
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
    if gated:
        live = model.objects.filter(pk=record.id).first()
        if live is not None and _content(live) == _content(instance):
            model.objects.filter(replaces_id=live.pk).delete()  # restoring withdraws a proposal
            return live
        instance._history_user, instance._change_reason = by, reason[:100]
        if at is not None:
            instance._history_date = at
        return _write(instance, gated=True)
    _save_with_reason(instance, by=by, reason=reason, at=at)
    return instance


def _content(row) -> dict:
    """The content fields of an attribution or figure (what a review decides on)."""
    return {
        f.attname: getattr(row, f.attname)
        for f in row._meta.concrete_fields
        if f.name not in _REVIEW_FIELDS
    }


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
    feed.lock()
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
    # Restoring brings back content, never a publication state: that moves only through the
    # transitions. A deleted claim comes back as a draft.
    # The read versions are not in history: kept, so they never go back (claims.versions).
    keep = Claim.objects.filter(pk=claim_id).values(*PUBLICATION_STATE, *READ_VERSIONS).first() or {
        "publication": Claim.Publication.DRAFT,
        "published_at": None,
        "published_by_id": None,
        "review_note": "",
        **dict.fromkeys(READ_VERSIONS, 0),
    }
    claim = _restore_instance(
        record, model=Claim, by=by, reason=stamp, missing={"event": Event}, at=now, keep=keep
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
        if r.claim_id == claim_id and r.replaces_id is None  # not a pending copy of an edit
    }
    # Restored rows may live on another claim now: that claim's evidence changes too.
    touched = {claim_id}
    touched |= set(
        Attribution.objects.filter(pk__in=attributions)
        .order_by()
        .values_list("claim_id", flat=True)
    )
    # On a published claim the restored evidence waits for review like any editor's change.
    gated = keep["publication"] == Claim.Publication.PUBLISHED
    for extra in Attribution.objects.filter(claim_id=claim_id, replaces__isnull=True).exclude(
        pk__in=attributions
    ):
        extra._history_user, extra._change_reason, extra._history_date = by, stamp, now
        _remove(extra, gated=gated)
    for r in attributions.values():
        _restore_instance(
            r,
            gated=gated,
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
        if r.attribution_id in attributions and r.replaces_id is None
    }
    touched |= set(
        Figure.objects.filter(pk__in=figures)
        .order_by()
        .values_list("attribution__claim_id", flat=True)
    )
    for extra in Figure.objects.filter(
        attribution_id__in=attributions, replaces__isnull=True
    ).exclude(pk__in=figures):
        extra._history_user, extra._change_reason, extra._history_date = by, stamp, now
        _remove(extra, gated=gated)
    for r in sorted(figures.values(), key=lambda r: r.superseded_by_id is not None):
        if r.superseded_by_id and not (
            r.superseded_by_id in figures or Figure.objects.filter(pk=r.superseded_by_id).exists()
        ):
            r.superseded_by_id = None
        _restore_instance(
            r,
            model=Figure,
            by=by,
            reason=stamp,
            missing={"event": Event},
            at=now,
            gated=gated,
        )
    refresh_claims(touched)
    claim.refresh_from_db()
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
