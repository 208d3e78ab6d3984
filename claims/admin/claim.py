"""Claims: attributions inline, the publication workflow, the review queue, deleted claims."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from claims import evidence, services
from claims.admin.attribution import AttributionInline, EvidenceWritesMixin
from claims.admin.feed import FeedAdminMixin
from claims.admin.filters import ClaimEventFilter, ClaimSpeakerFilter, ClaimTagFilter
from claims.admin.history import evidence_entries
from claims.admin.relation import ClaimRelationInline
from claims.models import Claim
from curation.admin import CuratedAdmin, clipped_column, day_column
from curation.history import attach
from sources.models import Document


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


class ReasonForm(forms.Form):
    """The reason a reviewer gives when a claim goes back to draft (returned or unpublished)."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=2000,
        help_text="Tell the editors what to fix. Kept on the claim and in its history.",
    )


def _message(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or "You are not allowed to do this."


@admin.register(Claim)
class ClaimAdmin(FeedAdminMixin, EvidenceWritesMixin, CuratedAdmin):
    list_display = [
        clipped_column("text", "Claim", 90),
        clipped_column("event", "Event", 36, ordering="event__name"),
        "status",
        "publication",
        "verdict",
        "attribution_count",
        day_column("updated_at", "Updated"),
    ]
    list_filter = [
        ReviewQueueFilter,
        "status",
        "publication",
        "verdict",
        ClaimEventFilter,
        ClaimSpeakerFilter,
        ClaimTagFilter,
    ]
    list_select_related = ["event"]
    search_fields = ["text", "slug", "event__name"]
    date_hierarchy = "updated_at"
    autocomplete_fields = ["event", "tags"]
    prepopulated_fields = {"slug": ["text"]}
    inlines = [AttributionInline, ClaimRelationInline]
    actions = [
        "submit_for_review_action",
        "publish_action",
        "return_to_draft_action",
        "unpublish_action",
    ]
    change_form_template = "admin/claims/claim/change_form.html"
    fieldsets = [
        (None, {"fields": ["text", "slug", "event", "tags"]}),
        ("Evidence", {"fields": ["status_with_reason"]}),
        (
            "Review and publication",
            {
                "classes": ["collapse"],
                "fields": [
                    "publication",
                    "verdict",
                    "verdict_note",
                    "review_note",
                    "published_by",
                    "published_at",
                ],
            },
        ),
        ("Record", {"classes": ["collapse"], "fields": ["version", "created_at", "updated_at"]}),
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
        # Publication moves only through the transitions (actions and buttons), never the form;
        # review_note is the reason a transition recorded.
        fields = [
            "status_with_reason",
            "publication",
            "review_note",
            "published_by",
            "published_at",
            "version",
            "created_at",
            "updated_at",
        ]
        # Editors never set these: the form does not even hold them, so a forged POST is ignored.
        return [*fields, *services.reserved_claim_fields(request.user)]

    @admin.display(description="Attri\u00adbutions", ordering="n_attributions")
    def attribution_count(self, obj):
        return obj.n_attributions

    @admin.display(description="Status (derived from the evidence)")
    def status_with_reason(self, obj):
        if obj is None or obj.pk is None:
            return "Derived once attributions are added."
        shown = format_html("<strong>{}</strong> — {}", obj.get_status_display(), obj.status_reason)
        preview = evidence.previews([obj]).get(obj.pk)
        if preview is None:
            return shown
        return format_html(
            '{}<br><span class="status-preview">Once pending evidence is approved '
            '(<a href="{}">review queue</a>), it would become <strong>{}</strong>: {}</span>',
            shown,
            reverse("admin:claims_attribution_review"),
            preview[0],
            preview[1],
        )

    # --- publication: changelist actions and change-page buttons, both through the services ----

    def has_publish_permission(self, request):
        return is_reviewer(request.user)

    def _apply(self, request, queryset, name: str, **kwargs):
        """Move each claim through one transition; report what moved and each refusal."""
        moved, refused = 0, []
        for claim in queryset:
            try:
                services.apply_transition(name, claim=claim, by=request.user, **kwargs)
                moved += 1
            except (ValidationError, PermissionDenied) as error:
                refused.append(_message(error))
        if moved:
            done = services.TRANSITIONS[name].done
            self.message_user(request, f"{moved} claim(s) {done}.", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, reason, messages.WARNING)

    @admin.action(description="Submit selected drafts for review", permissions=["change"])
    def submit_for_review_action(self, request, queryset):
        self._apply(request, queryset, "submit")

    @admin.action(description="Publish selected claims in review", permissions=["publish"])
    def publish_action(self, request, queryset):
        self._apply(request, queryset, "publish")

    @admin.action(
        description="Return selected claims in review to draft, with a reason",
        permissions=["publish"],
    )
    def return_to_draft_action(self, request, queryset):
        return self._apply_with_reason(
            request, queryset, "return_to_draft", "return_to_draft_action"
        )

    @admin.action(description="Unpublish selected claims, with a reason", permissions=["publish"])
    def unpublish_action(self, request, queryset):
        return self._apply_with_reason(request, queryset, "unpublish", "unpublish_action")

    def _apply_with_reason(self, request, queryset, name: str, action: str):
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._apply(request, queryset, name, reason=form.cleaned_data["reason"])
            return None
        return self._reason_page(request, name, form, claims=queryset, action=action)

    def _reason_page(self, request, name: str, form, *, claims, action=None, claim=None):
        transition = services.TRANSITIONS[name]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{transition.label}: say why",
            "transition": transition,
            "claims": claims,
            "original": claim,
            "form": form,
            "action": action,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/claims/claim/reason.html", context)

    def transition_view(self, request, object_id, name):
        """A change-page button: POST applies the transition to this claim through its service.

        Transitions that need a reason show the reason form first (GET) and apply on its POST.
        """
        if name not in services.TRANSITIONS:
            raise Http404("No such transition.")
        claim = self.get_object(request, object_id)
        if claim is None:
            raise Http404("No such claim.")
        transition = services.TRANSITIONS[name]
        if not services.may_apply(request.user, transition):
            raise PermissionDenied
        change_url = reverse("admin:claims_claim_change", args=[claim.pk])
        form = None
        if transition.needs_reason:
            form = ReasonForm(request.POST if request.method == "POST" else None)
            if not form.is_bound or not form.is_valid():
                return self._reason_page(request, name, form, claims=[claim], claim=claim)
        elif request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        kwargs = {"reason": form.cleaned_data["reason"]} if form is not None else {}
        try:
            services.apply_transition(name, claim=claim, by=request.user, **kwargs)
        except ValidationError as error:
            self.message_user(request, _message(error), messages.ERROR)
        else:
            self.message_user(request, f"“{claim}” {transition.done}.", messages.SUCCESS)
        return HttpResponseRedirect(change_url)

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, AttributionInline):
            kwargs["initial"] = inline.initial_new(obj)
        return kwargs

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["transitions"] = (
            services.allowed_transitions(obj, request.user) if obj is not None else []
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- history: restore with attributions and figures, deleted claims -----------------------

    def can_restore(self, request, obj) -> bool:
        return is_reviewer(request.user)

    def restore_version(self, request, pk, record):
        return services.restore_claim(claim_id=pk, history_id=record.history_id, by=request.user)

    def render_history_view(self, request, template, context, **kwargs):
        """simple-history's list of the claim's versions, with what happened to its evidence
        in words: each attribution or figure added, changed or removed, on the version it
        followed (evidence_entries; a fixed number of queries)."""
        page = context.get("page_obj")
        if page is not None and page.object_list:
            records = list(page.object_list)
            newer_date = None
            if page.number > 1:
                newer_date = page.paginator.object_list[page.start_index() - 2].history_date
            attach(records, evidence_entries(records[0].id, before=newer_date), newer_date)
        return super().render_history_view(request, template, context, **kwargs)

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
                "<path:object_id>/transition/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name="claims_claim_transition",
            ),
            path(
                "document-text/<int:pk>/",
                self.admin_site.admin_view(self.document_text_view),
                name="claims_claim_document_text",
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

    def document_text_view(self, request, pk):
        """A document's stored text for the quote picker beside a new attribution (JSON)."""
        if not (
            self.has_change_permission(request) or self.has_add_permission(request)
        ) or not request.user.has_perm("sources.view_document"):
            raise PermissionDenied
        document = Document.objects.filter(pk=pk).values("pk", "title", "text").first()
        if document is None:
            raise Http404("No such document.")
        return JsonResponse(document)

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
