"""Attributions and their figures.

Figures are edited inline on an attribution's own page. The stock admin has no nested inlines, so
a claim's page lists its attributions inline, each row showing its figures and linking to the
attribution's page where they are edited (one click, no third-party nested-inline library, and
every row keeps the stale-edit check).
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from claims import services
from claims.admin.filters import (
    AttributionEventFilter,
    AttributionOutletFilter,
    AttributionSpeakerFilter,
    FigureEventFilter,
    FigureSpeakerFilter,
)
from claims.comparison import described
from claims.models import Attribution, Figure
from curation.admin import CuratedAdmin, VersionedInlineMixin, clipped, clipped_column

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
            (f"{f.get_measure_display()} ({f.population}): {f.text or f.interval()}",)
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


class FigureInline(VersionedInlineMixin, admin.TabularInline):
    model = Figure
    fk_name = "attribution"
    extra = 1
    fields = FIGURE_FIELDS
    autocomplete_fields = ["event", "superseded_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("event", "superseded_by")


@admin.register(Attribution)
class AttributionAdmin(EvidenceWritesMixin, CuratedAdmin):
    list_display = [
        clipped_column("quote", "Quote", 60, ordering="quote"),
        clipped_column("claim", "Claim", 60, ordering="claim__text"),
        clipped_column("document", "Document", 36, ordering="document__title"),
        clipped_column("speaker", "Speaker", 28, ordering="speaker__name"),
        "voice",
        "stance",
        "stated_on",
        clipped_column("via", "Via", 20, ordering="via__name"),
    ]
    list_filter = [
        "voice",
        "stance",
        "claim__status",
        "claim__publication",
        "claim__verdict",
        AttributionEventFilter,
        AttributionSpeakerFilter,
        AttributionOutletFilter,
    ]
    list_select_related = ["claim", "speaker", "via", "document"]
    search_fields = ["quote", "claim__text", "speaker__name", "document__title"]
    date_hierarchy = "stated_on"
    autocomplete_fields = ["claim", "document", "speaker", "via"]
    readonly_fields = ["quote_links", "quote_start", "quote_end", "version", "updated_at"]
    fieldsets = [
        (None, {"fields": ["claim", "document", "speaker", "speaker_description", "via"]}),
        ("Statement", {"fields": ["stated_on", "voice", "stance", "quote", "occurrence", "note"]}),
        (
            "Anchor",
            {"fields": ["quote_links", "quote_start", "quote_end", "version", "updated_at"]},
        ),
    ]
    inlines = [FigureInline]

    @admin.display(description="Quote")
    def quote_links(self, obj):
        return quote_links(obj)

    def delete_queryset(self, request, queryset):
        services.delete_attributions(attributions=queryset)


class AttributionInline(VersionedInlineMixin, admin.StackedInline):
    model = Attribution
    extra = 1
    fields = [
        ("document", "voice", "stance"),
        ("speaker", "speaker_description", "via", "stated_on"),
        "quote",
        ("occurrence", "note"),
        ("quote_links", "figures"),
    ]
    readonly_fields = ["quote_links", "figures"]
    autocomplete_fields = ["document", "speaker", "via"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("document", "speaker", "via")
            .prefetch_related("figures")
        )

    @admin.display(description="Quote")
    def quote_links(self, obj):
        return quote_links(obj)

    @admin.display(description="Figures")
    def figures(self, obj):
        return figure_summary(obj)


@admin.register(Figure)
class FigureAdmin(EvidenceWritesMixin, CuratedAdmin):
    list_display = [
        "figure_words",
        clipped_column("event", "Event", 32, ordering="event__name"),
        "measure",
        clipped_column("population", "Population", 24),
        "qualifier",
        "number",
        "as_of",
        clipped_column("attribution", "Attribution", 48, ordering="attribution__quote"),
    ]
    list_filter = [
        "measure",
        "qualifier",
        "attribution__claim__status",
        "attribution__claim__publication",
        "attribution__claim__verdict",
        FigureEventFilter,
        FigureSpeakerFilter,
    ]
    list_select_related = ["event", "attribution__speaker"]
    search_fields = ["population", "text", "attribution__quote", "event__name"]
    date_hierarchy = "as_of"
    autocomplete_fields = ["attribution", "event", "superseded_by"]
    readonly_fields = ["low", "high", "version", "updated_at"]
    fieldsets = [
        (None, {"fields": ["attribution", *FIGURE_FIELDS]}),
        ("Interval", {"fields": ["low", "high", "version", "updated_at"]}),
    ]

    @admin.display(description="Number", ordering="value")
    def number(self, obj):
        """The value, or a range's two ends (the value and its high end in one column)."""
        if obj.value_high is not None:
            return f"{obj.value}–{obj.value_high}"
        return "-" if obj.value is None else obj.value

    @admin.display(description="Figure", ordering="text")
    def figure_words(self, obj):
        return clipped(described(obj), 40)

    def delete_queryset(self, request, queryset):
        services.delete_figures(figures=queryset)
