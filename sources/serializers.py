"""API representations of outlets, documents and actors, and the write rules every resource shares.

Reads nest related records as {id, name}; writes take their ids. Every write goes through the
model's full_clean(), the same validation as the admin, and refuses fields it does not know.
"""

from collections.abc import Mapping

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework import serializers
from rest_framework.settings import api_settings

from sources.models import Actor, Document, Outlet, content_hash


def field_errors(error: DjangoValidationError) -> dict:
    """A Django ValidationError as DRF field errors ("__all__" becomes non_field_errors)."""
    if not hasattr(error, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else key): messages
        for key, messages in error.message_dict.items()
    }


class StrictModelSerializer(serializers.ModelSerializer):
    """Refuses unknown fields and validates with the model's full_clean() before saving."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Unknown field: this resource has no such field."] for name in unknown}
                )
        return super().to_internal_value(data)

    def prepare(self, instance) -> None:
        """Set values the model derives on save but its validation reads (content hash...)."""

    def _save_validated(self, instance, many_to_many: dict):
        self.prepare(instance)
        exclude = [] if getattr(instance, "slug", "x") else ["slug"]
        try:
            instance.full_clean(exclude=exclude)
            with transaction.atomic():
                instance.save()
                for name, values in many_to_many.items():
                    getattr(instance, name).set(values)
        except DjangoValidationError as error:
            raise serializers.ValidationError(field_errors(error)) from None
        return instance

    def _split(self, validated_data):
        many = {
            f.name: validated_data.pop(f.name)
            for f in self.Meta.model._meta.many_to_many
            if f.name in validated_data
        }
        return validated_data, many

    def create(self, validated_data):
        data, many = self._split(validated_data)
        return self._save_validated(self.Meta.model(**data), many)

    def update(self, instance, validated_data):
        data, many = self._split(validated_data)
        for name, value in data.items():
            setattr(instance, name, value)
        return self._save_validated(instance, many)


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
