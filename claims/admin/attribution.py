"""Attributions and their figures.

Figures are edited inline on an attribution's own page. The stock admin has no nested inlines, so
a claim's page lists its attributions inline, each row showing its figures and linking to the
attribution's page where they are edited (one click, no third-party nested-inline library, and
every row keeps the stale-edit check).
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from claims import services
from claims.admin.review import review_queue_view
from claims.models import Attribution, Figure
from curation.admin import CuratedAdmin, VersionedInlineMixin

FIGURE_FIELDS = [
    "measure",
    "population",
    "qualifier",
    "value",
    "value_high",
    "text",
    "as_of",
    "as_of_precision",
    "event",
    "superseded_by",
]


def quote_links(attribution: Attribution | None) -> str:
    """Links to the quote in the public document page and in the document's admin page."""
    if attribution is None or attribution.pk is None:
        return "—"
    return format_html(
        '<a href="{}">quote in the document</a> · <a href="{}#a-{}">in the admin</a>',
        attribution.get_absolute_url(),
        reverse("admin:sources_document_change", args=[attribution.document_id]),
        attribution.pk,
    )


def figure_summary(attribution: Attribution | None) -> str:
    """The attribution's figures (prefetched) and a link to edit them."""
    if attribution is None or attribution.pk is None:
        return "Save first, then add figures on the attribution's page."
    figures = list(attribution.figures.all())
    listing = format_html_join(
        "",
        "<li>{}</li>",
        (
            (
                f"{f.get_measure_display()} ({f.population}): {f.text or f.interval()}"
                + (f" — {f.get_review_display().lower()}" if f.is_pending else ""),
            )
            for f in figures
        ),
    )
    return format_html(
        '<ul>{}</ul><a href="{}">Edit figures ({})</a>',
        listing,
        reverse("admin:claims_attribution_change", args=[attribution.pk]),
        len(figures),
    )


class EvidenceWritesMixin:
    """For admins that edit attributions or figures, as the record or in an inline: every save and
    delete goes through the write services, which refresh the claims touched."""

    def save_instance(self, obj) -> None:
        if isinstance(obj, Attribution):
            services.save_attribution(attribution=obj)
        elif isinstance(obj, Figure):
            services.save_figure(figure=obj)
        else:
            super().save_instance(obj)

    def delete_instance(self, obj) -> None:
        if isinstance(obj, Attribution):
            services.delete_attribution(attribution=obj)
        elif isinstance(obj, Figure):
            services.delete_figure(figure=obj)
        else:
            super().delete_instance(obj)


REVIEW_READONLY = ["review", "replaces", "proposed_by", "reviewed_by", "reviewed_at"]


class ReviewAdminMixin:
    """Review state shown read-only, a filter on it, and approve/reject actions for reviewers
    (through claims.services; a rejection's reason is asked on the review queue page)."""

    actions = ["approve_selected"]

    def get_list_filter(self, request):
        return ["review", *super().get_list_filter(request)]

    def get_queryset(self, request):
        # Pending copies of edits are listed in the review queue, not as rows of their own.
        return super().get_queryset(request).originals()

    def has_review_permission(self, request):
        return services.may_review(request.user)

    @admin.action(description="Approve selected pending changes", permissions=["review"])
    def approve_selected(self, request, queryset):
        pending = list(queryset.model.objects.pending().filter(pk__in=queryset.values("pk")))
        edits = list(queryset.model.objects.filter(replaces__in=queryset.values("pk")))
        try:
            services.approve_evidence(items=[*pending, *edits], by=request.user)
        except (PermissionDenied, ValidationError) as error:
            text = " ".join(getattr(error, "messages", None) or [str(error)])
            self.message_user(request, text, messages.ERROR)
            return
        self.message_user(request, f"Approved {len(pending) + len(edits)} change(s).")


class FigureInline(VersionedInlineMixin, admin.TabularInline):
    model = Figure
    fk_name = "attribution"
    extra = 1
    fields = [*FIGURE_FIELDS, "review"]
    autocomplete_fields = ["event", "superseded_by"]

    readonly_fields = ["review"]

    def get_queryset(self, request):
        # Pending copies of edits wait in the review queue; each row shows its review state.
        return super().get_queryset(request).originals().select_related("event", "superseded_by")


@admin.register(Attribution)
class AttributionAdmin(ReviewAdminMixin, EvidenceWritesMixin, CuratedAdmin):
    list_display = [
        "__str__",
        "claim",
        "document",
        "speaker",
        "voice",
        "stance",
        "stated_on",
        "via",
    ]
    list_filter = [
        "voice",
        "stance",
        "claim__status",
        "claim__publication",
        "claim__event",
        "document__outlet",
        "speaker",
    ]
    list_select_related = ["claim", "speaker", "via", "document"]
    search_fields = ["quote", "claim__text", "speaker__name", "document__title"]
    date_hierarchy = "stated_on"
    autocomplete_fields = ["claim", "document", "speaker", "via"]
    readonly_fields = [
        "quote_links",
        "quote_start",
        "quote_end",
        "version",
        "updated_at",
        *REVIEW_READONLY,
    ]
    fieldsets = [
        (None, {"fields": ["claim", "document", "speaker", "speaker_description", "via"]}),
        ("Statement", {"fields": ["stated_on", "voice", "stance", "quote", "occurrence", "note"]}),
        (
            "Anchor",
            {"fields": ["quote_links", "quote_start", "quote_end", "version", "updated_at"]},
        ),
        ("Review", {"fields": REVIEW_READONLY}),
    ]
    inlines = [FigureInline]

    @admin.display(description="Quote")
    def quote_links(self, obj):
        return quote_links(obj)

    def delete_queryset(self, request, queryset):
        services.delete_attributions(attributions=queryset)

    def get_urls(self):
        return [
            path(
                "review/",
                self.admin_site.admin_view(lambda request: review_queue_view(self, request)),
                name="claims_attribution_review",
            ),
            *super().get_urls(),
        ]


class AttributionInline(VersionedInlineMixin, admin.StackedInline):
    model = Attribution
    extra = 1
    fields = [
        ("document", "voice", "stance"),
        ("speaker", "speaker_description", "via", "stated_on"),
        "quote",
        ("occurrence", "note"),
        ("quote_links", "figures", "review"),
    ]
    readonly_fields = ["quote_links", "figures", "review"]
    autocomplete_fields = ["document", "speaker", "via"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .originals()  # pending copies of edits wait in the review queue
            .select_related("document", "speaker", "via")
            .prefetch_related(Prefetch("figures", Figure.objects.originals()))
        )

    @admin.display(description="Quote")
    def quote_links(self, obj):
        return quote_links(obj)

    @admin.display(description="Figures")
    def figures(self, obj):
        return figure_summary(obj)


@admin.register(Figure)
class FigureAdmin(ReviewAdminMixin, EvidenceWritesMixin, CuratedAdmin):
    list_display = [
        "__str__",
        "event",
        "measure",
        "population",
        "qualifier",
        "value",
        "value_high",
        "as_of",
        "attribution",
    ]
    list_filter = ["measure", "qualifier", "event", "attribution__claim__status"]
    list_select_related = ["event", "attribution__speaker"]
    search_fields = ["population", "text", "attribution__quote", "event__name"]
    date_hierarchy = "as_of"
    autocomplete_fields = ["attribution", "event", "superseded_by"]
    readonly_fields = ["low", "high", "version", "updated_at", *REVIEW_READONLY]
    fieldsets = [
        (None, {"fields": ["attribution", *FIGURE_FIELDS]}),
        ("Interval", {"fields": ["low", "high", "version", "updated_at"]}),
        ("Review", {"fields": REVIEW_READONLY}),
    ]

    def delete_queryset(self, request, queryset):
        services.delete_figures(figures=queryset)
