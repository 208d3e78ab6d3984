"""Filters every resource shares: ids that answer 400 when out of range, strict booleans."""

import django_filters as df

MAX_ID = 2**63 - 1  # the largest primary key the databases store


def is_id(value: str) -> bool:
    """A string that can be a primary key: ASCII digits within the databases' integer range."""
    return value.isascii() and value.isdigit() and int(value) <= MAX_ID


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
