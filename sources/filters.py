"""django-filter FilterSets for outlets, documents and actors. Bad values answer 400 by name."""

import django_filters as df
from django.db.models import Q

from api.filters import IdFilter, StrictBooleanFilter, is_id
from sources.models import Actor, ActorKind, Document, Outlet, OutletKind


def id_or_slug(queryset, field: str, value: str):
    """Filter `field` (a foreign key to a model with a slug) by id, or by slug when not a number."""
    value = value.strip()
    if is_id(value):
        return queryset.filter(**{f"{field}_id": int(value)})
    return queryset.filter(**{f"{field}__slug": value})


class OutletFilter(df.FilterSet):
    kind = df.ChoiceFilter(choices=OutletKind.choices)
    country = df.CharFilter(lookup_expr="iexact")
    q = df.CharFilter(method="search", label="Name, slug or domain contains")

    class Meta:
        model = Outlet
        fields = ["kind", "country"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(slug__icontains=value) | Q(domain__icontains=value)
        )


class DocumentFilter(df.FilterSet):
    outlet = df.CharFilter(method="filter_outlet", label="Outlet id or slug")
    published_after = df.DateFilter(field_name="published", lookup_expr="gte")
    published_before = df.DateFilter(field_name="published", lookup_expr="lte")
    derived = StrictBooleanFilter(
        method="filter_derived",
        label="true: copies of another document or outlet; false: originals",
    )
    language = df.CharFilter()
    q = df.CharFilter(method="search", label="Title contains")

    class Meta:
        model = Document
        fields = ["language"]

    def filter_outlet(self, queryset, name, value):
        return id_or_slug(queryset, "outlet", value)

    def filter_derived(self, queryset, name, value):
        derived = Q(derived_from__isnull=False) | Q(origin_outlet__isnull=False)
        return queryset.filter(derived) if value == "true" else queryset.exclude(derived)

    def search(self, queryset, name, value):
        return queryset.filter(title__icontains=value)


class ActorFilter(df.FilterSet):
    kind = df.ChoiceFilter(choices=ActorKind.choices)
    name = df.CharFilter(method="filter_name", label="Name, slug or any alias (exact, any case)")
    affiliation = IdFilter(field_name="affiliation")

    class Meta:
        model = Actor
        fields = ["kind"]

    def filter_name(self, queryset, name, value):
        return queryset.filter(pk__in=Actor.objects.named(value).values("pk"))
