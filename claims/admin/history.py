"""A claim's history tells what happened to its evidence: each attribution or figure added,
changed or removed, as a line in words with the field diff (curation.history pairs the versions
and diffs them; claims.evidence names the statement; claims.comparison words the figure).

A fixed number of queries whatever the claim's history: the attribution and figure versions,
the speakers, outlets, documents and their origins (one per level of copying), and the users.
"""

from django.contrib.auth import get_user_model

from claims.comparison import described
from claims.evidence import statement_words
from claims.models import Attribution, Event, Figure
from curation.history import Entry, changes, with_previous
from sources.models import Actor, Document, Outlet

# The newest lines shown per page of the history, so a page stays bounded.
MAX_ENTRIES = 200
VERBS = {"+": "added", "~": "changed", "-": "removed"}
# Fields whose stored value is another record's id: shown by name.
NAMED = {"speaker": "speakers", "via": "outlets", "document": "documents", "event": "events"}
# The review bookkeeping fields (claims.models.review): a review step, not an edit of the evidence.
REVIEW_FIELDS = ("review", "replaces", "proposed_by", "reviewed_by", "reviewed_at")
REVIEW_LABELS = {str(Attribution._meta.get_field(name).verbose_name) for name in REVIEW_FIELDS}


def evidence_entries(claim_id: int, *, before=None) -> list[Entry]:
    """Every change to the attributions of a claim and to their figures, newest first (at most
    MAX_ENTRIES, none from `before` on)."""
    attribution_records = list(
        Attribution.history.filter(claim_id=claim_id).order_by("history_date", "history_id")
    )
    attribution_ids = {r.id for r in attribution_records}
    figure_records = list(
        Figure.history.filter(attribution_id__in=attribution_ids).order_by(
            "history_date", "history_id"
        )
    )
    attribution_pairs = with_previous(attribution_records)
    figure_pairs = with_previous(figure_records)
    if before is not None:
        attribution_pairs = [(p, r) for p, r in attribution_pairs if r.history_date < before]
        figure_pairs = [(p, r) for p, r in figure_pairs if r.history_date < before]
    pairs = sorted(
        [*attribution_pairs, *figure_pairs],
        key=lambda pair: (pair[1].history_date, pair[1].history_id),
        reverse=True,
    )[:MAX_ENTRIES]
    names = _names(pairs, attribution_records)
    latest_attribution = {r.id: r for r in attribution_records}  # the last version of each
    versions = {}  # every version of each row, to diff a proposed edit with what it replaces
    for r in [*attribution_records, *figure_records]:
        versions.setdefault((type(r), r.id), []).append(r)
    entries = []
    for previous, record in pairs:
        if record.history_type == "+" and getattr(record, "replaces_id", None):
            # A proposed edit of a published claim's evidence: diffed with the row it replaces.
            earlier = [
                v
                for v in versions.get((type(record), record.replaces_id), [])
                if (v.history_date, v.history_id) < (record.history_date, record.history_id)
            ]
            previous = earlier[-1] if earlier else None
        if isinstance(record, Attribution.history.model):
            line = _attribution_line(previous, record, names)
        else:
            owner = latest_attribution.get(record.attribution_id)
            line = _figure_line(previous, record, owner, names)
        entries.append(
            Entry(
                when=record.history_date,
                history_id=record.history_id,
                user=names["users"].get(record.history_user_id),
                reason=record.history_change_reason or "",
                line=line,
                changes=_diff(previous, record, names) if _is_edit(previous, record) else [],
            )
        )
    return entries


def _names(pairs, attribution_records) -> dict[str, dict]:
    """Names of every record the lines mention, in one query per kind."""
    records = [r for pair in pairs for r in pair if r is not None]
    records += attribution_records  # a figure line names its attribution
    wanted = {kind: set() for kind in ("speakers", "outlets", "documents", "events", "users")}
    for r in records:
        for field, kind in NAMED.items():
            if getattr(r, f"{field}_id", None):
                wanted[kind].add(getattr(r, f"{field}_id"))
        if r.history_user_id:
            wanted["users"].add(r.history_user_id)
    return {
        "speakers": Actor.objects.in_bulk(wanted["speakers"]) if wanted["speakers"] else {},
        "outlets": Outlet.objects.in_bulk(wanted["outlets"]) if wanted["outlets"] else {},
        "documents": {
            pk: (title, published)
            for pk, title, published in Document.objects.filter(
                pk__in=wanted["documents"]
            ).values_list("pk", "title", "published")
        },
        "origins": Document.objects.origins(wanted["documents"]) if wanted["documents"] else {},
        "events": Event.objects.in_bulk(wanted["events"]) if wanted["events"] else {},
        "users": get_user_model().objects.in_bulk(wanted["users"]) if wanted["users"] else {},
    }


def _attribution(record, names) -> Attribution:
    """The attribution a version records, with its speaker and outlet from `names`."""
    attribution = record.instance
    attribution.speaker = names["speakers"].get(record.speaker_id) if record.speaker_id else None
    attribution.via = names["outlets"].get(record.via_id) if record.via_id else None
    return attribution


def _statement(record, names) -> str:
    attribution = _attribution(record, names)
    if attribution.speaker_id and attribution.speaker is None:  # a speaker since deleted
        attribution.speaker_id = None
    if attribution.via_id and attribution.via is None:
        attribution.via_id = None
    if attribution.via_id:
        origin_label = attribution.via.name
    else:
        origin = names["origins"].get(record.document_id)
        origin_label = origin[1] if origin else "a document since deleted"
    published = names["documents"].get(record.document_id, ("", None))[1]
    return statement_words(attribution, origin_label, published)


def _is_edit(previous, record) -> bool:
    """A change of fields: an edit, or a proposed edit (a pending copy of a published row)."""
    return record.history_type == "~" or (
        record.history_type == "+" and previous is not None and bool(record.replaces_id)
    )


def _line(previous, record, words: str, names) -> str:
    """The line for one version of a piece of evidence, review steps in words
    (claims.models.review: pending rows, pending copies of edits, pending deletions)."""
    pending, approved = Attribution.Review.PENDING, Attribution.Review.APPROVED
    deleting = Attribution.Review.PENDING_DELETION
    fields = [label for label, _, _ in _diff(previous, record, names)] if previous else []
    if record.replaces_id:
        if record.history_type == "+":
            return (
                f"proposed changing the {_and(fields) or 'record'} of {words} (waiting for review)"
            )
        if record.history_type == "-":
            return f"closed the proposed change to {words}"
        return f"changed the proposed change to {words}"
    if record.history_type == "+":
        waiting = " (waiting for review)" if record.review == pending else ""
        return f"{'proposed' if waiting else 'added'} {words}{waiting}"
    if record.history_type == "-":
        return f"removed {words}"
    was = getattr(previous, "review", approved) if previous else approved
    if was != record.review:
        if record.review == deleting:
            return f"proposed removing {words} (waiting for review)"
        if was == pending and record.review == approved:
            return f"approved {words}"
        if was == deleting and record.review == approved:
            return f"kept {words} (its removal was rejected)"
    others = [f for f in fields if f not in REVIEW_LABELS]
    return f"changed the {_and(others) or 'record'} of {words}"


def _attribution_line(previous, record, names) -> str:
    shown = record if record.history_type != "-" else (previous or record)
    return _line(previous, record, _statement(shown, names), names)


def _figure_line(previous, record, owner, names) -> str:
    # The historical row itself: it holds every field a figure's words read (its `instance`
    # would read the live row's untracked bookkeeping, one query per figure).
    figure = record if record.history_type != "-" else (previous or record)
    words = f"a figure: {described(figure)} {figure.get_measure_display().lower()}"
    of = f" (in {_statement(owner, names)})" if owner is not None else ""
    return _line(previous, record, f"{words}{of}", names)


def _diff(previous, record, names) -> list[tuple[str, str, str]]:
    """(field label, old, new) for each field that changed, records named rather than numbered."""
    model = record.instance_type
    rows = []
    # Review bookkeeping is told by the line; of it only a plain review step shows as a change.
    hidden = REVIEW_FIELDS if record.replaces_id else REVIEW_FIELDS[1:]
    for change in changes(previous, record):
        if change.field in hidden:
            continue
        field = model._meta.get_field(change.field)
        rows.append(
            (
                str(field.verbose_name),
                _value(change.field, change.old, names),
                _value(change.field, change.new, names),
            )
        )
    return rows


def _value(field: str, value, names) -> str:
    if value in (None, ""):
        return "(empty)"
    if field in NAMED:
        found = names[NAMED[field]].get(value)
        if isinstance(found, tuple):  # a document: (title, published)
            found = found[0]
        if found is not None:
            return str(found)
    text = str(value)
    return text if len(text) <= 200 else text[:199] + "…"


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
