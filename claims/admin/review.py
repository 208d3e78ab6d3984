"""The review queue: evidence changes on published claims that wait for a reviewer.

Pending attributions and figures grouped by claim, each change shown as a diff (an edit: before
and after per field, by curation.history's rule; a new row: what would appear; a deletion: what
would disappear), with the status the claim would get (claims.evidence.previews), and bulk
approve or reject (with a reason) through claims.services.approve_evidence / reject_evidence.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from claims import evidence, services
from claims.models import Attribution, Claim, Figure
from claims.visibility import sees_drafts
from curation.history import changes

# Fields a reviewer decides on; the review bookkeeping and derived offsets are not shown.
HIDDEN = {"review", "replaces", "proposed_by", "reviewed_by", "reviewed_at", "low", "high"}
HIDDEN |= {"quote_start", "quote_end", "quote_prefix", "quote_suffix"}


@dataclass
class Change:
    row: object  # the pending Attribution or Figure (for an edit: the copy)
    kind: str  # "attribution" or "figure"
    action: str  # "new", "edit" or "deletion"
    fields: list = field(default_factory=list)  # (label, before, after)


@dataclass
class ClaimChanges:
    claim: Claim
    preview: tuple[str, str] | None
    changes: list[Change] = field(default_factory=list)


def _latest_records(model, ids: set[int]) -> dict[int, object]:
    """The latest historical record of each row, in one query."""
    latest = {}
    for record in model.history.filter(id__in=ids).order_by("history_date", "history_id"):
        latest[record.id] = record
    return latest


def _values(record) -> list[tuple[str, object]]:
    if record is None:
        return []
    return [
        (f.verbose_name, getattr(record, f.attname))
        for f in record.tracked_fields
        if f.name not in HIDDEN and f.name not in {"id", "version", "created_at", "updated_at"}
    ]


def _change(row, kind: str, records: dict) -> Change:
    if row.review == row.Review.PENDING_DELETION:
        values = _values(records.get(row.pk))
        return Change(row, kind, "deletion", [(label, value, "") for label, value in values])
    if row.replaces_id is None:
        values = _values(records.get(row.pk))
        return Change(row, kind, "new", [(label, "", value) for label, value in values])
    older, newer = records.get(row.replaces_id), records.get(row.pk)
    rows = [
        (type(row)._meta.get_field(c.field).verbose_name, c.old, c.new)
        for c in changes(older, newer)
        if c.field not in HIDDEN
    ]
    return Change(row, kind, "edit", rows)


def pending_by_claim() -> list[ClaimChanges]:
    """Every pending change, grouped by claim (oldest change first), with each claim's preview.
    A fixed number of queries whatever the number of changes."""
    attributions, figures = services.pending_evidence()
    ids = {a.pk for a in attributions} | {a.replaces_id for a in attributions if a.replaces_id}
    a_records = _latest_records(Attribution, ids)
    ids = {f.pk for f in figures} | {f.replaces_id for f in figures if f.replaces_id}
    f_records = _latest_records(Figure, ids)
    groups: dict[int, ClaimChanges] = {}
    rows = [(a, "attribution", a.claim, a_records) for a in attributions]
    rows += [(f, "figure", f.attribution.claim, f_records) for f in figures]
    for row, kind, claim, records in rows:
        group = groups.setdefault(claim.pk, ClaimChanges(claim, None))
        group.changes.append(_change(row, kind, records))
    previews = evidence.previews([g.claim for g in groups.values()])
    for group in groups.values():
        group.preview = previews.get(group.claim.pk)
    return list(groups.values())


def _selected(request, model, name: str) -> list:
    ids = [v for v in request.POST.getlist(name) if v.isdigit()]
    return list(model.objects.filter(pk__in=ids)) if ids else []


def review_queue_view(model_admin, request):
    """GET: the queue. POST: approve or reject the selected changes (a reason to reject)."""
    if not sees_drafts(request.user):
        raise PermissionDenied
    url = reverse("admin:claims_attribution_review")
    if request.method == "POST":
        items = [
            *_selected(request, Attribution, "attribution"),
            *_selected(request, Figure, "figure"),
        ]
        if not items:
            model_admin.message_user(request, "Select at least one change.", messages.WARNING)
            return HttpResponseRedirect(url)
        try:
            if "reject" in request.POST:
                services.reject_evidence(
                    items=items, by=request.user, reason=request.POST.get("reason", "")
                )
                done = "Rejected"
            else:
                services.approve_evidence(items=items, by=request.user)
                done = "Approved"
        except (PermissionDenied, ValidationError) as error:
            text = " ".join(getattr(error, "messages", None) or [str(error)])
            model_admin.message_user(request, text, messages.ERROR)
            return HttpResponseRedirect(url)
        model_admin.message_user(
            request,
            f"{done} {len(items)} change{'s' if len(items) != 1 else ''}.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(url)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Evidence waiting for review",
        "groups": pending_by_claim(),
        "may_review": services.may_review(request.user),
    }
    return TemplateResponse(request, "admin/claims/attribution/review_queue.html", context)
