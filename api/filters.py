"""Filters every resource shares: ids that answer 400 when out of range, strict booleans; the
filter backend of every list."""

import django_filters as df
from django_filters.rest_framework import DjangoFilterBackend

MAX_ID = 2**63 - 1  # the largest primary key the databases store


def is_id(value: str) -> bool:
    """A string that can be a primary key: ASCII digits within the databases' integer range."""
    return value.isascii() and value.isdigit() and int(value) <= MAX_ID


def lookup(key, slug_field: str | None = "slug") -> dict | None:
    """What a key in an address names: `{"pk": n}` for an id, `{slug_field: key}` for anything
    else (slugs are never all digits: sources.slugs), None when it can name no row (digits past
    the largest id, or a slug where the model has none). The pages, the API and the versions of
    their ETags (claims.versions, sources.versions) read keys by this one rule."""
    key = str(key)
    if is_id(key):
        return {"pk": int(key)}
    if (key.isascii() and key.isdigit()) or not slug_field:
        return None
    return {slug_field: key}


def by_key(queryset, key, slug_field: str | None = "slug"):
    """The rows of `queryset` that `key` names (lookup): one at most, none when it names none."""
    found = lookup(key, slug_field)
    return queryset.filter(**found) if found else queryset.none()


class IdFilter(df.NumberFilter):
    """A record id; out-of-range numbers are a 400 naming the parameter, not a database error."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


BOOLEAN_CHOICES = [("true", "true"), ("false", "false")]


class StrictBooleanFilter(df.ChoiceFilter):
    """true or false; anything else is a 400 naming the parameter (BooleanFilter ignores it).

    Use with a `method`, which receives the string "true" or "false".
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", BOOLEAN_CHOICES)
        super().__init__(*args, **kwargs)


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, leaving the FilterSet it applied on the view (`view.filterset`):
    a list's pages ask it how many rows it holds (CuratedViewSet.count_rows)."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        view.filterset = filterset
        return filterset
