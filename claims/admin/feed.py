"""Admin writes log their public changes in the change feed (claims.feed), in the transaction of
the save. Evidence (attributions, figures) and documents are logged by the write services they go
through; this mixin logs the records an admin saves or deletes directly (a claim's wording and
tags, events, tags, outlets, actors and their aliases) and those showing their names.

The outlet and actor admins of the sources app are registered again here with the mixin, as the
claims app extends the document admin (see docs/architecture.md, "Layers")."""

from django.contrib import admin
from django.db import transaction

from claims import feed
from sources import admin as sources_admin
from sources.models import Actor, ActorAlias, Outlet

# Logged by the write services they go through (claims.services).
LOGGED_BY_SERVICES = ("claims.attribution", "claims.figure", "claims.claimrelation")


def _direct(objects) -> list:
    return [obj for obj in objects if obj._meta.label_lower not in LOGGED_BY_SERVICES]


class FeedAdminMixin:
    """Put first in the bases: it wraps the admin's own save and delete hooks."""

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            feed.lock()  # before any row lock, as the write services do
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # After the record, its inline rows and its many-to-many fields (tags, aliases).
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            feed.record_objects(_direct([form.instance]))

    def delete_model(self, request, obj):
        with transaction.atomic():
            feed.lock()
            affected = feed.affected_by(_direct([obj]))
            super().delete_model(request, obj)
            feed.record(affected, expand=False)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            feed.lock()
            affected = feed.affected_by(_direct(queryset))
            super().delete_queryset(request, queryset)
            feed.record(affected, expand=False)

    def restore_version(self, request, pk, record):
        with transaction.atomic():
            feed.lock()
            instance = super().restore_version(request, pk, record)
            feed.record_objects(_direct([instance]))
            return instance


admin.site.unregister(Outlet)
admin.site.unregister(Actor)
admin.site.unregister(ActorAlias)


@admin.register(Outlet)
class OutletAdmin(FeedAdminMixin, sources_admin.OutletAdmin):
    pass


@admin.register(Actor)
class ActorAdmin(FeedAdminMixin, sources_admin.ActorAdmin):
    pass


@admin.register(ActorAlias)
class ActorAliasAdmin(FeedAdminMixin, sources_admin.ActorAliasAdmin):
    pass
