"""Attributions and their figures.

Figures are edited inline on an attribution's own page, and nested under each attribution on the
claim's page: a figure formset per attribution form, bound by prefix (curation.NestedInlineFormSet),
validated with its attribution and saved after it through the same write services. The claim page
groups attributions by document, one line each, a new one at the top beside the document's text
(static/claims/admin_claim.js picks the quote from it).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.forms.models import inlineformset_factory
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html

from claims import services
from claims.admin.filters import (
    AttributionEventFilter,
    AttributionOutletFilter,
    AttributionSpeakerFilter,
    FigureEventFilter,
    FigureSpeakerFilter,
)
from claims.admin.review import review_queue_view
from claims.comparison import described
from claims.models import Attribution, Figure
from curation.admin import (
    MAX_INLINE_FORMS,
    CuratedAdmin,
    NestedInlineFormSet,
    NestedParentForm,
    VersionedForm,
    VersionedInlineMixin,
    clipped,
    clipped_column,
    know_related,
)
from sources.models import Document
from sources.quotes import CONTEXT_CHARS, closest_passages, occurrence_at, short

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
    """Links to the quote in the public document page and in the document's admin page, and to
    the attribution's own page (its figures' event and updates are edited there)."""
    if attribution is None or attribution.pk is None:
        return "—"
    return format_html(
        '<a href="{}">quote in the document</a> · <a href="{}#a-{}">in the admin</a> · '
        '<a href="{}">attribution page</a>',
        attribution.get_absolute_url(),
        reverse("admin:sources_document_change", args=[attribution.document_id]),
        attribution.pk,
        reverse("admin:claims_attribution_change", args=[attribution.pk]),
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


# The figure columns of a nested row on the claim page; the rest (event, superseded_by, the as-of
# precision) keep their values and are edited on the attribution's page.
NESTED_FIGURE_FIELDS = [
    "measure",
    "qualifier",
    "value",
    "value_high",
    "population",
    "text",
    "as_of",
]


class FigureRowForm(VersionedForm):
    class Meta:
        model = Figure
        fields = NESTED_FIGURE_FIELDS
        widgets = {
            "value": forms.NumberInput(attrs={"class": "vIntegerField", "min": 0}),
            "value_high": forms.NumberInput(attrs={"class": "vIntegerField", "min": 0}),
            "population": forms.TextInput(attrs={"size": 10}),
            "text": forms.TextInput(attrs={"size": 16}),
            "as_of": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            # A plain number is exact; the editor changes it for "at least", a range...
            self.fields["qualifier"].initial = Figure.Qualifier.EXACT


class FigureRowFormSet(forms.BaseInlineFormSet):
    """An attribution's figures; reads the figures the claim page prefetched (no query a row)."""

    def get_queryset(self):
        if not hasattr(self, "_queryset"):
            cache = getattr(self.instance, "_prefetched_objects_cache", {})
            if self.instance.pk is not None and "figures" in cache:
                self._queryset = sorted(cache["figures"], key=lambda f: f.pk)
            else:
                self._queryset = super().get_queryset()
        return self._queryset


NestedFigureFormSet = inlineformset_factory(
    Attribution,
    Figure,
    form=FigureRowForm,
    formset=FigureRowFormSet,
    fields=NESTED_FIGURE_FIELDS,
    extra=1,
    can_delete=True,
    max_num=MAX_INLINE_FORMS,
    absolute_max=MAX_INLINE_FORMS,
)


class AttributionRowForm(NestedParentForm, VersionedForm):
    """An attribution on the claim page, with the offsets the quote picker filled."""

    picked_start = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    picked_end = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    class Meta:
        widgets = {
            "quote": forms.Textarea(attrs={"rows": 3, "cols": 60, "class": "vLargeTextField"}),
            "note": forms.Textarea(attrs={"rows": 1, "cols": 40}),
            "occurrence": forms.NumberInput(attrs={"min": 1, "class": "vIntegerField"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        know_related(self, ["document", "speaker", "via"])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("picked_start"), cleaned.get("picked_end")
        document, quote = cleaned.get("document"), cleaned.get("quote")
        if None in (start, end) or not document or not quote:
            return cleaned
        text = document.text
        if not (start < end <= len(text)) or text[start:end] != quote:
            return cleaned  # edited after picking: the quote is anchored by its words alone
        # Picked in the text: anchor exactly there (the context, and which occurrence when the
        # same words occur several times).
        instance = self.instance
        instance.quote_prefix = text[max(0, start - CONTEXT_CHARS) : start]
        instance.quote_suffix = text[end : end + CONTEXT_CHARS]
        if not instance._state.adding:
            instance.quote_start, instance.quote_end = start, end
        elif text.count(quote) > 1 and not cleaned.get("occurrence"):
            cleaned["occurrence"] = occurrence_at(text, quote, start)
        return cleaned

    @cached_property
    def closest(self):
        """Passages of the document close to a quote that was not found in it."""
        if not self.is_bound or "quote" not in self.errors or not self.instance.document_id:
            return []
        quote = self.data.get(self.add_prefix("quote"), "")
        return closest_passages(self.instance.document.text, quote)

    @cached_property
    def picker_document(self):
        """The document whose text the quote picker shows beside a new attribution."""
        if self.instance.document_id:
            return self.instance.document
        chosen = self.data.get(self.add_prefix("document")) if self.is_bound else None
        chosen = chosen or self.initial.get("document")
        try:
            pk = int(chosen)
        except (TypeError, ValueError):
            return None
        return Document.objects.filter(pk=pk).only("pk", "title", "text").first()

    def summary(self):
        """The attribution on one line: speaker, voice, stance, first words, figures."""
        attribution = self.instance
        if attribution.pk is None:
            return ""
        if attribution.speaker_id:
            who = attribution.speaker.name
        else:
            who = attribution.speaker_description or "—"
        figures = list(attribution.figures.all())
        return format_html(
            '{}<span class="who">{}</span> · {} · <span class="stance stance-{}">{}</span> · '
            '<q>{}</q> · <span class="figures">{}</span>',
            format_html('<strong class="pending">{}:</strong> ', attribution.get_review_display())
            if attribution.is_pending
            else "",
            who,
            attribution.get_voice_display(),
            attribution.stance,
            attribution.get_stance_display(),
            short(attribution.quote, 8),
            f"{len(figures)} figure(s)"
            + (": " + "; ".join(str(f.text or f.interval()) for f in figures) if figures else ""),
        )


class AttributionRowFormSet(NestedInlineFormSet):
    nested_formset = NestedFigureFormSet


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
    """A claim's attributions grouped by document, one line each; a new one at the top."""

    model = Attribution
    form = AttributionRowForm
    formset = AttributionRowFormSet
    template = "admin/claims/claim/attribution_inline.html"
    extra = 1
    fields = [
        ("document", "voice", "stance"),
        ("speaker", "speaker_description", "via", "stated_on"),
        "quote",
        ("occurrence", "note"),
        ("picked_start", "picked_end"),
        ("quote_links", "review"),
    ]
    readonly_fields = ["quote_links", "review"]
    autocomplete_fields = ["document", "speaker", "via"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .originals()  # pending copies of edits wait in the review queue
            .select_related("document", "speaker", "via")
            .prefetch_related(Prefetch("figures", Figure.objects.originals()))
            .order_by("document_id", "quote_start", "pk")
        )

    def initial_new(self, claim) -> list[dict]:
        """The new attribution starts in the document the claim was last quoted from."""
        if claim is None or claim.pk is None:
            return []
        latest = claim.attributions.order_by("-pk").values_list("document", flat=True).first()
        return [{"document": latest}] if latest else []

    @admin.display(description="Quote")
    def quote_links(self, obj):
        return quote_links(obj)


@admin.register(Figure)
class FigureAdmin(ReviewAdminMixin, EvidenceWritesMixin, CuratedAdmin):
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
    readonly_fields = ["low", "high", "version", "updated_at", *REVIEW_READONLY]
    fieldsets = [
        (None, {"fields": ["attribution", *FIGURE_FIELDS]}),
        ("Interval", {"fields": ["low", "high", "version", "updated_at"]}),
        ("Review", {"fields": REVIEW_READONLY}),
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
