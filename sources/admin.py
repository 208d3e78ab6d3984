# Minimal registration so the suggestion pages can be tested on this branch; the lead merges the
# mixin into the full DocumentAdmin.
from django.contrib import admin

from claims.admin_suggestions import DocumentSuggestionsAdminMixin
from sources.models import Document


@admin.register(Document)
class DocumentAdmin(DocumentSuggestionsAdminMixin, admin.ModelAdmin):
    list_display = ["title", "outlet", "published"]
    list_select_related = ["outlet"]
