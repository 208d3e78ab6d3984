"""API views for outlets, documents and actors.

Visibility: outlets, documents, actors (and events) are public reference material, readable by
anyone; only claims, and the attributions and figures of claims, are hidden until published.
"""

from api.viewsets import CuratedViewSet
from sources import filters, versions
from sources.models import Actor, Document, Outlet
from sources.serializers import (
    ActorSerializer,
    ActorWriteSerializer,
    DocumentDetailSerializer,
    DocumentSerializer,
    DocumentWriteSerializer,
    OutletSerializer,
)


class OutletViewSet(CuratedViewSet):
    serializer_class = OutletSerializer
    filterset_class = filters.OutletFilter
    ordering_fields = ["name", "created_at", "updated_at"]
    ordering = ["name"]

    def get_queryset(self):
        return Outlet.objects.all()

    def detail_version(self, key):
        return versions.outlet(key)

    def list_version(self, queryset):
        return versions.outlets(queryset)


class DocumentViewSet(CuratedViewSet):
    serializer_class = DocumentSerializer
    detail_serializer_class = DocumentDetailSerializer
    write_serializer_class = DocumentWriteSerializer
    filterset_class = filters.DocumentFilter
    ordering_fields = ["published", "title", "created_at", "updated_at"]
    ordering = ["-published", "title", "id"]
    slug_field = None

    def get_queryset(self):
        queryset = Document.objects.select_related("outlet", "origin_outlet")
        if self.action == "list":
            queryset = queryset.defer("text")
        return queryset

    def detail_version(self, key):
        return versions.document(key)

    def list_version(self, queryset):
        return versions.documents(queryset)


class ActorViewSet(CuratedViewSet):
    serializer_class = ActorSerializer
    write_serializer_class = ActorWriteSerializer
    filterset_class = filters.ActorFilter
    ordering_fields = ["name", "created_at", "updated_at"]
    ordering = ["name"]

    def get_queryset(self):
        return Actor.objects.select_related("affiliation", "outlet").prefetch_related("aliases")

    def detail_version(self, key):
        return versions.actor(key)

    def list_version(self, queryset):
        return versions.actors(queryset)
