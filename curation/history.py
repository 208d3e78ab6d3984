"""The one rule for what changed between two recorded versions of a record.

The admin's history and stale-save screens and the API's history endpoint all call `changes`, so
they list the same fields with the same values.
"""

from simple_history.models import ModelChange

# Bookkeeping every curated record carries; a change of version or timestamp is not news.
BOOKKEEPING = frozenset({"id", "version", "created_at", "updated_at"})


def changes(older, newer) -> list[ModelChange]:
    """Every field that differs from `older` to `newer` (two historical records of one object),
    in field-name order: simple-history's `diff_against` (foreign keys as ids, many-to-many fields
    as lists of through rows), plus the derived fields it leaves out.

    `diff_against` reads values through `model_to_dict`, which skips fields nobody edits by hand
    (a claim's derived status and reason, its publication stamp); they are part of the record's
    story, so they are compared here by value too.
    """
    if older is None or newer is None:
        return []
    delta = newer.diff_against(older, excluded_fields=BOOKKEEPING)
    derived = [
        ModelChange(f.name, getattr(older, f.attname), getattr(newer, f.attname))
        for f in newer.tracked_fields
        if not f.editable
        and f.name not in BOOKKEEPING
        and getattr(older, f.attname) != getattr(newer, f.attname)
    ]
    return sorted([*delta.changes, *derived], key=lambda change: change.field)
