"""The editors' workplace for outlets, documents, actors and their aliases."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from claims.admin_suggestions import DocumentSuggestionsAdminMixin
from sources.models import Actor, ActorAlias, Document, Outlet
from sources.versioned_admin import CuratedAdmin, SafeAutocompleteMixin


@admin.register(Outlet)
class OutletAdmin(CuratedAdmin):
    list_display = ["name", "kind", "country", "domain", "updated_at"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "slug", "domain"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["version", "created_at", "updated_at"]


def marked_text(document: Document, attributions) -> str:
    """The document's text, escaped, with each attributed quote wrapped in <mark id="a-<pk>">.

    Overlapping quotes are marked from the first one's start to the later end, so no mark nests.
    """
    text = document.text
    parts, position = [], 0
    for a in sorted(attributions, key=lambda a: (a.quote_start, a.quote_end)):
        start, end = max(a.quote_start, position), a.quote_end
        if end <= start:
            continue
        parts.append(escape(text[position:start]))
        parts.append(
            format_html(
                '<mark id="a-{}" title="{}">{}</mark>',
                a.pk,
                f"{a.get_voice_display()}, {a.get_stance_display().lower()}: {a.claim}",
                text[start:end],
            )
        )
        position = end
    parts.append(escape(text[position:]))
    return format_html_join("", "{}", ((p,) for p in parts))


@admin.register(Document)
class DocumentAdmin(DocumentSuggestionsAdminMixin, CuratedAdmin):
    list_display = ["title", "outlet", "published", "origin_outlet", "derived_from", "language"]
    list_filter = ["outlet", "language", ("published", admin.EmptyFieldListFilter)]
    list_select_related = ["outlet", "origin_outlet", "derived_from"]
    search_fields = ["title", "url", "byline", "outlet__name"]
    date_hierarchy = "published"
    autocomplete_fields = ["outlet", "derived_from", "origin_outlet"]
    readonly_fields = [
        "marked_quotes",
        "attribution_list",
        "content_hash",
        "version",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "outlet", "url", "published", "date_note", "byline"]}),
        ("Copies", {"fields": ["derived_from", "origin_outlet"]}),
        ("Text", {"fields": ["language", "text", "notes"]}),
        ("Attributed quotes", {"fields": ["marked_quotes", "attribution_list"]}),
        ("Record", {"fields": ["content_hash", "version", "created_at", "updated_at"]}),
    ]

    def _attributions(self, obj):
        if obj is None or obj.pk is None:
            return []
        cache = getattr(obj, "_admin_attributions", None)
        if cache is None:
            cache = list(
                obj.attributions.select_related("claim", "speaker").order_by("quote_start")
            )
            obj._admin_attributions = cache
        return cache

    @admin.display(description="Text with attributed quotes marked")
    def marked_quotes(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<div class="marked-text">{}</div>', marked_text(obj, self._attributions(obj))
        )

    @admin.display(description="Attributions in this document")
    def attribution_list(self, obj):
        rows = self._attributions(obj)
        if not rows:
            return "None yet."
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                '<li><a href="#a-{}">{}</a> — {}, {} — claim: <a href="{}">{}</a> '
                '(<a href="{}">edit attribution</a>)</li>',
                (
                    (
                        a.pk,
                        a.quote if len(a.quote) < 120 else a.quote[:119] + "…",
                        a.speaker.name if a.speaker_id else a.get_voice_display(),
                        a.get_stance_display().lower(),
                        reverse("admin:claims_claim_change", args=[a.claim_id]),
                        a.claim,
                        reverse("admin:claims_attribution_change", args=[a.pk]),
                    )
                    for a in rows
                ),
            ),
        )


class ActorAliasInline(admin.TabularInline):
    model = ActorAlias
    extra = 1
    fields = ["name"]


@admin.register(Actor)
class ActorAdmin(CuratedAdmin):
    list_display = ["name", "kind", "affiliation", "outlet", "alias_names"]
    list_filter = ["kind"]
    list_select_related = ["affiliation", "outlet"]
    search_fields = ["name", "slug", "aliases__name"]
    autocomplete_fields = ["affiliation", "outlet"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [ActorAliasInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("aliases")

    @admin.display(description="Aliases")
    def alias_names(self, obj):
        return ", ".join(a.name for a in obj.aliases.all())


@admin.register(ActorAlias)
class ActorAliasAdmin(SafeAutocompleteMixin, SimpleHistoryAdmin):
    list_display = ["name", "actor"]
    list_select_related = ["actor"]
    search_fields = ["name", "actor__name"]
    autocomplete_fields = ["actor"]
