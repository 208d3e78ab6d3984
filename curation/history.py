"""The one rule for what changed between two recorded versions of a record.

The admin's history and stale-save screens and the API's history endpoint all call `changes`, so
they list the same fields with the same values.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

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


@dataclass
class Entry:
    """One change to a record that belongs to another (an attribution of a claim), told in words
    for the history of the record it belongs to."""

    when: datetime
    history_id: int
    user: object | None
    reason: str
    line: str  # “added a refuting statement by the Taliban in Reuters, 2021-08-27”
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (label, old, new)


def with_previous(records: Iterable) -> list[tuple[object | None, object]]:
    """(previous version or None, record) for historical records of several objects, oldest
    first: each record paired with the version of the same object just before it."""
    latest: dict = {}
    pairs = []
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        pairs.append((latest.get(record.id), record))
        latest[record.id] = record
    return pairs


def attach(records: Sequence, entries: Iterable[Entry], newer_date: datetime | None = None):
    """Hang each entry on the version of the main record it follows. `records` are one page of
    the main record's versions, newest first; `newer_date` is the date of the version just newer
    than the page (None on the first page). Sets on each record `same_time` (entries saved in the
    same request: one history date) and `since` (entries after it, before the next newer
    version), both newest first. Entries older than the page's oldest version are dropped,
    except on the page that holds the very first version (`records[-1].history_type == "+"`)."""
    for record in records:
        record.same_time, record.since = [], []
    if not records:
        return
    for entry in sorted(entries, key=lambda e: (e.when, e.history_id), reverse=True):
        if newer_date is not None and entry.when >= newer_date:
            continue
        for record in records:  # newest first: the first version not after the entry
            if record.history_date == entry.when:
                record.same_time.append(entry)
                break
            if record.history_date < entry.when:
                record.since.append(entry)
                break
        else:
            if records[-1].history_type == "+":  # before the record existed (restored rows)
                records[-1].same_time.append(entry)
