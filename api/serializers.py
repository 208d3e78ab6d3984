"""The write rules every resource shares: unknown fields refused, the model's full_clean() run."""

from collections.abc import Mapping

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework import serializers
from rest_framework.settings import api_settings


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

    def save_instance(self, instance) -> None:
        """Write the validated instance; a domain layer overrides this to call its service."""
        instance.save()

    def prepare(self, instance) -> None:
        """Set values the model derives on save but its validation reads (content hash...)."""

    def _save_validated(self, instance, many_to_many: dict):
        self.prepare(instance)
        exclude = [] if getattr(instance, "slug", "x") else ["slug"]
        try:
            instance.full_clean(exclude=exclude)
            with transaction.atomic():
                self.save_instance(instance)
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
