"""API representations of outlets, documents and actors, and the write rules every resource shares.

Reads nest related records as {id, name}; writes take their ids. Every write goes through the
model's full_clean(), the same validation as the admin, and refuses fields it does not know.
"""

from rest_framework import serializers

from api.serializers import StrictModelSerializer, field_errors  # noqa: F401
from sources.models import Actor, Document, Outlet, content_hash


class RefSerializer(serializers.Serializer):
    """A related record in a compact listing: its id and name."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class DocumentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    published = serializers.DateField(read_only=True, allow_null=True)
    outlet = RefSerializer(read_only=True, allow_null=True)


class OriginSerializer(serializers.Serializer):
    """The outlet that first published a text (or the unknown publisher of a stored document)."""

    kind = serializers.ChoiceField(choices=["outlet", "document"], read_only=True)
    id = serializers.IntegerField(read_only=True)
    label = serializers.CharField(read_only=True)

    def to_representation(self, origin):
        (kind, pk), label = origin
        return {"kind": kind, "id": pk, "label": label}


CURATED_READ_ONLY = ("id", "version", "created_at", "updated_at")


class OutletSerializer(StrictModelSerializer):
    slug = serializers.SlugField(max_length=200, required=False)

    class Meta:
        model = Outlet
        fields = [
            "id",
            "slug",
            "name",
            "kind",
            "country",
            "domain",
            "notes",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = CURATED_READ_ONLY


class ActorSerializer(StrictModelSerializer):
    affiliation = RefSerializer(read_only=True, allow_null=True)
    outlet = RefSerializer(read_only=True, allow_null=True)
    aliases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Actor
        fields = [
            "id",
            "slug",
            "name",
            "kind",
            "description",
            "affiliation",
            "outlet",
            "aliases",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = CURATED_READ_ONLY


class ActorWriteSerializer(StrictModelSerializer):
    slug = serializers.SlugField(max_length=200, required=False)

    class Meta:
        model = Actor
        fields = ["id", "slug", "name", "kind", "description", "affiliation", "outlet", "version"]
        read_only_fields = ("id", "version")


class DocumentSerializer(StrictModelSerializer):
    """A document in a list: no text."""

    outlet = RefSerializer(read_only=True, allow_null=True)
    origin_outlet = RefSerializer(read_only=True, allow_null=True)
    derived_from = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Document
        fields = [
            "id",
            "title",
            "outlet",
            "url",
            "published",
            "published_precision",
            "archive_url",
            "archived_on",
            "byline",
            "language",
            "derived_from",
            "origin_outlet",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = CURATED_READ_ONLY


class DocumentDetailSerializer(DocumentSerializer):
    """A document with its full text and the outlet that first published it."""

    origin = serializers.SerializerMethodField()

    class Meta(DocumentSerializer.Meta):
        fields = [
            *DocumentSerializer.Meta.fields,
            "date_note",
            "notes",
            "text",
            "content_hash",
            "origin",
        ]

    def get_origin(self, document) -> dict:
        return OriginSerializer().to_representation(document.origin())


class DocumentWriteSerializer(StrictModelSerializer):
    class Meta:
        model = Document
        fields = [
            "id",
            "title",
            "outlet",
            "url",
            "published",
            "published_precision",
            "archive_url",
            "archived_on",
            "date_note",
            "byline",
            "language",
            "text",
            "derived_from",
            "origin_outlet",
            "notes",
            "version",
        ]
        read_only_fields = ("id", "version")

    def prepare(self, instance) -> None:
        # Validated by the unique constraint on content_hash: a second copy of a text is refused.
        instance.content_hash = content_hash(instance.text or "")
