"""Claims: attributions inline, the publication workflow, the review queue, deleted claims."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from claims import services
from claims.admin.attribution import AttributionInline, EvidenceWritesMixin
from claims.admin.relation import ClaimRelationInline
from claims.models import Claim
from curation.admin import CuratedAdmin

REVIEWER_ONLY_FIELDS = ["publication", "verdict", "verdict_note", "review_note"]


def is_reviewer(user) -> bool:
    return user.has_perm(services.PUBLISH_PERMISSION)


class ReviewQueueFilter(admin.SimpleListFilter):
    """The review queue: claims in review, oldest first (ordering set in ClaimAdmin)."""

    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("review", "Review queue (oldest first)")]

    def queryset(self, request, queryset):
        if self.value() == "review":
            return queryset.filter(publication=Claim.Publication.IN_REVIEW)
        return queryset


class ReturnToDraftForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=2000,
        help_text="Tell the editors what to fix. Kept on the claim and in its history.",
    )


@admin.register(Claim)
class ClaimAdmin(EvidenceWritesMixin, CuratedAdmin):
    list_display = [
        "text",
        "event",
        "status",
        "publication",
        "verdict",
        "attribution_count",
        "updated_at",
    ]
    list_filter = [ReviewQueueFilter, "status", "publication", "verdict", "event", "tags"]
    list_select_related = ["event"]
    search_fields = ["text", "slug", "event__name"]
    date_hierarchy = "updated_at"
    autocomplete_fields = ["event", "tags"]
    prepopulated_fields = {"slug": ["text"]}
    inlines = [AttributionInline, ClaimRelationInline]
    actions = ["submit_for_review_action", "publish_action", "return_to_draft_action"]
    fieldsets = [
        (None, {"fields": ["text", "slug", "event", "tags"]}),
        ("Evidence", {"fields": ["status_with_reason"]}),
        (
            "Review and publication",
            {
                "fields": [
                    "publication",
                    "verdict",
                    "verdict_note",
                    "review_note",
                    "published_by",
                    "published_at",
                ]
            },
        ),
        ("Record", {"fields": ["version", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        # The count's GROUP BY drops Meta.ordering, so the order is stated again here.
        return (
            super()
            .get_queryset(request)
            .annotate(n_attributions=Count("attributions"))
            .order_by("-updated_at", "pk")
        )

    def get_ordering(self, request):
        if request.GET.get(ReviewQueueFilter.parameter_name) == "review":
            return ["updated_at", "pk"]
        return super().get_ordering(request)

    def get_readonly_fields(self, request, obj=None):
        fields = [
            "status_with_reason",
            "published_by",
            "published_at",
            "version",
            "created_at",
            "updated_at",
        ]
        if not is_reviewer(request.user):
            # Editors never set these: the form does not even hold them, so a forged POST is ignored.
            fields += REVIEWER_ONLY_FIELDS
        return fields

    @admin.display(description="Attributions", ordering="n_attributions")
    def attribution_count(self, obj):
        return obj.n_attributions

    @admin.display(description="Status (derived from the evidence)")
    def status_with_reason(self, obj):
        if obj is None or obj.pk is None:
            return "Derived once attributions are added."
        return format_html("<strong>{}</strong> — {}", obj.get_status_display(), obj.status_reason)

    def save_model(self, request, obj, form, change):
        if "publication" in form.changed_data:
            if not is_reviewer(request.user):
                raise PermissionDenied
            if obj.publication == Claim.Publication.PUBLISHED:
                obj.published_by, obj.published_at = request.user, timezone.now()
            else:
                obj.published_by, obj.published_at = None, None
        super().save_model(request, obj, form, change)

    # --- workflow actions --------------------------------------------------------------------

    def has_publish_permission(self, request):
        return is_reviewer(request.user)

    def _apply(self, request, queryset, transition, done: str, **kwargs):
        moved, refused = 0, []
        for claim in queryset:
            try:
                transition(claim=claim, by=request.user, **kwargs)
                moved += 1
            except ValidationError as error:
                refused.append(" ".join(error.messages))
        if moved:
            self.message_user(request, f"{moved} claim(s) {done}.", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, reason, messages.WARNING)

    @admin.action(description="Submit selected drafts for review", permissions=["change"])
    def submit_for_review_action(self, request, queryset):
        self._apply(request, queryset, services.submit_for_review, "submitted for review")

    @admin.action(description="Publish selected claims in review", permissions=["publish"])
    def publish_action(self, request, queryset):
        self._apply(request, queryset, services.publish, "published")

    @admin.action(
        description="Return selected claims to draft (unpublish) with a reason",
        permissions=["publish"],
    )
    def return_to_draft_action(self, request, queryset):
        form = ReturnToDraftForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._apply(
                request,
                queryset,
                services.return_to_draft,
                "returned to draft",
                reason=form.cleaned_data["reason"],
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Return claims to draft",
            "claims": queryset,
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/claims/claim/return_to_draft.html", context)

    # --- history: restore with attributions and figures, deleted claims -----------------------

    def can_restore(self, request, obj) -> bool:
        return is_reviewer(request.user)

    def restore_version(self, request, pk, record):
        return services.restore_claim(claim_id=pk, history_id=record.history_id, by=request.user)

    def history_diff_view(self, request, object_id):
        response = super().history_diff_view(request, object_id)
        response.context_data["restore_note"] = "with its attributions and figures"
        return response

    def get_urls(self):
        return [
            path(
                "review-queue/",
                self.admin_site.admin_view(self.review_queue_view),
                name="claims_claim_review_queue",
            ),
            path(
                "deleted/",
                self.admin_site.admin_view(self.deleted_claims_view),
                name="claims_claim_deleted",
            ),
            path(
                "deleted/<int:history_id>/restore/",
                self.admin_site.admin_view(self.restore_deleted_view),
                name="claims_claim_restore_deleted",
            ),
            *super().get_urls(),
        ]

    def review_queue_view(self, request):
        url = reverse("admin:claims_claim_changelist")
        return HttpResponseRedirect(f"{url}?{ReviewQueueFilter.parameter_name}=review")

    def deleted_claims_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Deleted claims",
            "records": services.deleted_claims()[:200],
            "can_restore": is_reviewer(request.user),
        }
        return TemplateResponse(request, "admin/claims/claim/deleted.html", context)

    def restore_deleted_view(self, request, history_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not is_reviewer(request.user):
            raise PermissionDenied
        record = services.deleted_claims().filter(history_id=history_id).first()
        if record is None:
            raise Http404("No deleted claim has this history record.")
        try:
            claim = services.restore_claim(
                claim_id=record.id, history_id=record.history_id, by=request.user
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:claims_claim_deleted"))
        self.message_user(
            request, f"Restored “{claim}” with its attributions and figures.", messages.SUCCESS
        )
        return HttpResponseRedirect(reverse("admin:claims_claim_change", args=[claim.pk]))
