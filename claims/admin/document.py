"""The Document admin as the claims app extends it: the text with every attributed quote marked,
the attributions listed, and saves through claims.services.save_document so that a revised text
re-anchors its quotes and the claims citing it are refreshed in the same transaction."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join

from claims import services
from claims.admin.feed import FeedAdminMixin
from sources.admin import DocumentAdmin as SourcesDocumentAdmin
from sources.models import Document


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


admin.site.unregister(Document)


@admin.register(Document)
class DocumentAdmin(FeedAdminMixin, SourcesDocumentAdmin):
    readonly_fields = ["marked_quotes", "attribution_list", *SourcesDocumentAdmin.readonly_fields]
    fieldsets = [
        *SourcesDocumentAdmin.fieldsets[:-1],
        ("Attributed quotes", {"fields": ["marked_quotes", "attribution_list"]}),
        SourcesDocumentAdmin.fieldsets[-1],
    ]

    def save_model(self, request, obj, form, change):
        self.stamp_history(request, obj, form)
        services.save_document(document=obj)

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
