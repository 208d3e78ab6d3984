"""The editors' workplace for outlets, documents, actors and their aliases."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from curation.admin import (
    MAX_INLINE_FORMS,
    CuratedAdmin,
    NamedFieldsInlineMixin,
    SafeAutocompleteMixin,
    TopRelatedFilter,
    clipped_column,
)
from sources.models import Actor, ActorAlias, Document, Outlet


@admin.register(Outlet)
class OutletAdmin(CuratedAdmin):
    list_display = ["name", "kind", "country", "domain", "updated_at"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "slug", "domain"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["version", "created_at", "updated_at"]


class OutletFilter(TopRelatedFilter):
    title = "outlet"
    parameter_name = "outlet"
    path = "outlet"
    label = "outlet__name"


@admin.register(Document)
class DocumentAdmin(CuratedAdmin):
    list_display = [
        clipped_column("title", "Title", 70),
        clipped_column("outlet", "Outlet", 28, ordering="outlet__name"),
        "published",
        clipped_column("origin_outlet", "Origin", 28, ordering="origin_outlet__name"),
        clipped_column("derived_from", "Copy of", 36, ordering="derived_from__title"),
        "language",
    ]
    list_filter = [OutletFilter, "language", ("published", admin.EmptyFieldListFilter)]
    list_select_related = ["outlet", "origin_outlet", "derived_from"]
    search_fields = ["title", "url", "byline", "outlet__name"]
    date_hierarchy = "published"
    autocomplete_fields = ["outlet", "derived_from", "origin_outlet"]
    readonly_fields = [
        "content_hash",
        "version",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "outlet",
                    "published",
                    "published_precision",
                    "date_note",
                    "byline",
                ]
            },
        ),
        ("Source address", {"fields": ["url", "archive_url", "archived_on"]}),
        ("Copies", {"fields": ["derived_from", "origin_outlet"]}),
        ("Text", {"fields": ["language", "text", "notes"]}),
        ("Record", {"fields": ["content_hash", "version", "created_at", "updated_at"]}),
    ]


class ActorAliasInline(NamedFieldsInlineMixin, admin.TabularInline):
    model = ActorAlias
    extra = 1
    max_num = MAX_INLINE_FORMS

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("absolute_max", MAX_INLINE_FORMS)  # see curation.admin
        return super().get_formset(request, obj, **kwargs)

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
