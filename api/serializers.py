"""The write rules every resource shares: unknown fields refused, the model's full_clean() run,
and a unique value taken by a concurrent write answered with 409 naming the record that holds it."""

from collections.abc import Mapping

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.settings import api_settings
from rest_framework.validators import UniqueTogetherValidator, UniqueValidator


class DuplicateRecord(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Another record already holds this unique value."
    default_code = "duplicate"


def unique_field_sets(model) -> list[tuple[list[str], models.Q | None]]:
    """The model's unique field sets, from its metadata: unique fields and field-based
    UniqueConstraints (with their condition). Expression constraints are left out."""
    sets: list[tuple[list[str], models.Q | None]] = [
        ([f.attname], None) for f in model._meta.concrete_fields if f.unique and not f.primary_key
    ]
    for constraint in model._meta.total_unique_constraints + [
        c
        for c in model._meta.constraints
        if isinstance(c, models.UniqueConstraint) and c.fields and c.condition is not None
    ]:
        fields = [model._meta.get_field(name).attname for name in constraint.fields]
        sets.append((fields, constraint.condition))
    return sets


def holder_of_unique_value(
    instance, *, skip: tuple[str, ...] = ()
) -> tuple[models.Model, list[str]] | None:
    """Another row holding one of `instance`'s unique values, and the fields it shares, or None."""
    model = type(instance)
    others = model._default_manager.exclude(pk=instance.pk)
    for fields, condition in unique_field_sets(model):
        if any(name in skip for name in fields):
            continue
        values = {name: getattr(instance, name) for name in fields}
        if any(value is None for value in values.values()):
            continue  # NULL never collides
        rows = (
            others.filter(condition, **values) if condition is not None else others.filter(**values)
        )
        existing = rows.first()
        if existing is not None:
            return existing, fields
    return None


def duplicate_error(instance, error: IntegrityError) -> Exception:
    """A database refusal as an API error: 409 naming the record that holds the value, else 400."""
    found = holder_of_unique_value(instance)
    if found is None:
        return serializers.ValidationError(
            {api_settings.NON_FIELD_ERRORS_KEY: [f"The database refused this record: {error}"]}
        )
    return duplicate_record(instance, *found)


def duplicate_record(instance, existing, fields: list[str]) -> DuplicateRecord:
    meta = type(instance)._meta
    names = ", ".join(str(meta.get_field(name).verbose_name) for name in fields)
    label = getattr(existing, "slug", None) or str(existing)[:80]
    return DuplicateRecord(
        f"Another {meta.verbose_name} already has this {names}: id {existing.pk} ({label})."
    )


def field_errors(error: DjangoValidationError) -> dict:
    """A Django ValidationError as DRF field errors ("__all__" becomes non_field_errors)."""
    if not hasattr(error, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else key): messages
        for key, messages in error.message_dict.items()
    }


# The JSON type each kind of field takes. DRF also coerces (a number for a text field, "5" for an
# id), which the schema does not allow: a client sending the wrong type has a bug to hear about.
_STRINGS = (
    serializers.CharField,
    serializers.ChoiceField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.SlugRelatedField,
)
_INTEGERS = (serializers.IntegerField, serializers.PrimaryKeyRelatedField)


def json_type_error(field, value) -> str | None:
    """Why `value` (parsed JSON) is not of the type `field` documents, or None."""
    if value is None:
        return None  # allow_null decides
    if isinstance(field, serializers.ManyRelatedField):
        return None if isinstance(value, list) else "Expected a list."
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "Expected true or false."
    if isinstance(field, _INTEGERS):
        return None if type(value) is int else "Expected a whole number."
    if isinstance(field, _STRINGS):
        return None if isinstance(value, str) else "Expected a string."
    return None


class StrictInputMixin:
    """Refuses unknown fields and values of the wrong JSON type, naming each field."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Unknown field: this resource has no such field."] for name in unknown}
                )
            wrong = {
                name: [message]
                for name, value in data.items()
                if name in self.fields and (message := json_type_error(self.fields[name], value))
            }
            if wrong:
                raise serializers.ValidationError(wrong)
        return super().to_internal_value(data)


class StrictSerializer(StrictInputMixin, serializers.Serializer):
    """A request body that is not a model (an action's parameters), read strictly."""


class StrictModelSerializer(StrictInputMixin, serializers.ModelSerializer):
    """Refuses unknown fields and validates with the model's full_clean() before saving.

    A unique value another record holds is a 409 naming that record, whether it is found before
    the write or the database refuses the write of a racing request; DRF's own unique validators
    (a 400 without the record) are left out for that reason.
    """

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.validators = [v for v in field.validators if not isinstance(v, UniqueValidator)]
        return fields

    def get_validators(self):
        return [v for v in super().get_validators() if not isinstance(v, UniqueTogetherValidator)]

    def save_instance(self, instance) -> None:
        """Write the validated instance; a domain layer overrides this to call its service."""
        instance.save()

    def prepare(self, instance) -> None:
        """Set values the model derives on save but its validation reads (content hash...)."""

    # A slug the model derives on save can be taken by a concurrent write between its check and
    # the insert: derive it again (the next free suffix) this many times before answering 409.
    SLUG_ATTEMPTS = 10

    def _save_validated(self, instance, many_to_many: dict):
        self.prepare(instance)
        derives_slug = not getattr(instance, "slug", "x")
        taken = holder_of_unique_value(instance, skip=("slug",) if derives_slug else ())
        if taken is not None:
            raise duplicate_record(instance, *taken)
        try:
            instance.full_clean(exclude=["slug"] if derives_slug else [])
        except DjangoValidationError as error:
            raise serializers.ValidationError(field_errors(error)) from None
        for attempt in range(1, self.SLUG_ATTEMPTS + 1):
            try:
                with transaction.atomic():
                    self.save_instance(instance)
                    for name, values in many_to_many.items():
                        getattr(instance, name).set(values)
                return instance
            except DjangoValidationError as error:
                raise serializers.ValidationError(field_errors(error)) from None
            except IntegrityError as error:  # a concurrent write took a unique value
                found = holder_of_unique_value(instance)
                if derives_slug and found and found[1] == ["slug"] and attempt < self.SLUG_ATTEMPTS:
                    instance.slug = ""  # save() derives the next free one
                    continue
                raise duplicate_error(instance, error) from None
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
