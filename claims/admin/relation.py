"""Claim relations: the inline on a claim, and a list of candidate pairs worded alike for an
editor to confirm. Every save and delete goes through claims.services, which refreshes the
status of each claim the relation touches."""

from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode

from claims import services
from claims.models import ClaimRelation
from curation.admin import NamedFieldsInlineMixin, SafeAutocompleteMixin

SUGGESTION_THRESHOLD = 0.6


class RelationFormSet(BaseInlineFormSet):
    """Saves and deletes relations through the services, so related claims are refreshed.

    The claim admin (curation.admin.CuratedAdmin.save_formset) saves inline rows itself after
    `save(commit=False)`; relations always go through the services here instead, and hand
    nothing back for it to save again.
    """

    def save(self, commit=True):
        for form in self.deleted_forms:
            if form.instance.pk:
                services.delete_relation(relation=form.instance)
        for form in self.forms:
            if form in self.deleted_forms or not form.has_changed():
                continue
            relation = form.save(commit=False)
            setattr(relation, self.fk.name, self.instance)
            services.save_relation(relation=relation)
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        self.save_m2m = lambda: None  # relations have no many-to-many fields
        return []


class ClaimRelationInline(NamedFieldsInlineMixin, SafeAutocompleteMixin, admin.TabularInline):
    model = ClaimRelation
    fk_name = "claim"
    formset = RelationFormSet
    extra = 0
    fields = ["kind", "target", "note"]
    autocomplete_fields = ["target"]
    verbose_name = "relation to another claim"
    verbose_name_plural = (
        "relations to other claims (stated from this claim; see the page for both ways)"
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("target")


@admin.register(ClaimRelation)
class ClaimRelationAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = ["claim", "kind", "target", "note", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["claim", "target"]
    search_fields = ["claim__text", "target__text", "note"]
    autocomplete_fields = ["claim", "target"]

    def save_model(self, request, obj, form, change):
        services.save_relation(relation=obj)

    def delete_model(self, request, obj):
        services.delete_relation(relation=obj)

    def delete_queryset(self, request, queryset):
        for relation in queryset:
            services.delete_relation(relation=relation)

    def get_urls(self):
        view = self.admin_site.admin_view(self.suggestions_view)
        return [
            path("suggestions/", view, name="claims_claimrelation_suggestions"),
            *super().get_urls(),
        ]

    def suggestions_view(self, request):
        """Pairs of claims worded alike, each with links that prefill the add form."""
        add = reverse("admin:claims_claimrelation_add")
        rows = [
            {
                "a": a,
                "b": b,
                "score": score,
                "links": [
                    (label, f"{add}?{urlencode({'claim': a.pk, 'kind': kind, 'target': b.pk})}")
                    for kind, label in ClaimRelation.Kind.choices
                ],
            }
            for a, b, score in services.suggest_relations(threshold=SUGGESTION_THRESHOLD)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Claims worded alike: confirm a relation",
            "opts": self.model._meta,
            "rows": rows,
            "threshold": SUGGESTION_THRESHOLD,
        }
        return TemplateResponse(request, "admin/claims/claimrelation/suggestions.html", context)
