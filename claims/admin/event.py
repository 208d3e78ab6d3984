from django.contrib import admin

from claims.admin.feed import FeedAdminMixin
from claims.models import Event, Tag
from curation.admin import CuratedAdmin


@admin.register(Event)
class EventAdmin(FeedAdminMixin, CuratedAdmin):
    list_display = ["name", "date", "date_precision", "place", "updated_at"]
    list_filter = [("date", admin.EmptyFieldListFilter), "place"]
    search_fields = ["name", "slug", "place", "description"]
    date_hierarchy = "date"
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["version", "created_at", "updated_at"]


@admin.register(Tag)
class TagAdmin(FeedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
