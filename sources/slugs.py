"""The one slug rule for every record with a page address (outlets, actors, events, claims, tags).

A slug is the name transliterated to ASCII (Unidecode: "طالبان" becomes "tlbn", "Ḥaqqānī"
"haqqani"), lower-cased, with runs of other characters as hyphens. It is never empty (a name with
nothing to transliterate, such as an emoji, falls back to the model's name), never all digits
(the pages and the API read an all-digit key as an id), and unique within its model: a slug that is
taken gets the first free suffix ("taliban-2", "taliban-3"). Two saves racing for the same new slug
can still collide in the database; the unique constraint refuses the second (the API answers 409).
"""

from django.db import models
from django.utils.text import slugify
from unidecode import unidecode


def base_slug(text: str, *, fallback: str, max_length: int) -> str:
    """The slug that `text` reads as, before uniqueness: ASCII, never empty, never all digits."""
    slug = slugify(unidecode(text or ""))
    if not slug:
        slug = slugify(fallback) or "item"
    elif slug.isdigit():
        slug = f"{slugify(fallback) or 'item'}-{slug}"
    return slug[:max_length].strip("-") or "item"


def unique_slug(instance: models.Model, text: str, *, field: str = "slug") -> str:
    """A slug for `instance` from `text` that no other row of its model holds."""
    model = type(instance)
    max_length = model._meta.get_field(field).max_length or 50
    base = base_slug(text, fallback=model._meta.model_name, max_length=max_length)
    others = model._default_manager.exclude(pk=instance.pk)
    taken = set(others.filter(**{f"{field}__startswith": base}).values_list(field, flat=True))

    def is_taken(slug: str) -> bool:
        if slug.startswith(base):
            return slug in taken
        return others.filter(**{field: slug}).exists()  # base was cut to fit the suffix

    slug, n = base, 2
    while is_taken(slug):
        suffix = f"-{n}"
        slug, n = f"{base[: max_length - len(suffix)].rstrip('-')}{suffix}", n + 1
    return slug
