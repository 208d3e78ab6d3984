from django.contrib import admin

from claims.models import Event, SuggestionDecision, Tag
from sources.versioned_admin import CuratedAdmin, SafeAutocompleteMixin


@admin.register(Event)
class EventAdmin(CuratedAdmin):
    list_display = ["name", "date", "place", "updated_at"]
    list_filter = [("date", admin.EmptyFieldListFilter), "place"]
    search_fields = ["name", "slug", "place", "description"]
    date_hierarchy = "date"
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["version", "created_at", "updated_at"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(SuggestionDecision)
class SuggestionDecisionAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = ["document", "kind", "quote_start", "quote_end", "decision", "decided_by"]
    list_filter = ["decision", "kind"]
    list_select_related = ["document", "decided_by"]
    search_fields = ["document__title", "fingerprint"]
    autocomplete_fields = ["document", "attribution", "decided_by"]
    date_hierarchy = "decided_at"
