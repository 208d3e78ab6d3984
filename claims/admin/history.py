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
    entries = []
    for previous, record in pairs:
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
                changes=_diff(previous, record, names) if record.history_type == "~" else [],
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


def _attribution_line(previous, record, names) -> str:
    statement = _statement(record if record.history_type != "-" else (previous or record), names)
    if record.history_type == "~":
        fields = _and([label for label, _, _ in _diff(previous, record, names)])
        return f"changed the {fields or 'record'} of {statement}"
    return f"{VERBS[record.history_type]} {statement}"


def _figure_line(previous, record, owner, names) -> str:
    figure = record.instance if record.history_type != "-" else (previous or record).instance
    words = f"a figure: {described(figure)} {figure.get_measure_display().lower()}"
    of = f" (in {_statement(owner, names)})" if owner is not None else ""
    if record.history_type == "~":
        fields = _and([label for label, _, _ in _diff(previous, record, names)])
        return f"changed the {fields or 'record'} of {words}{of}"
    return f"{VERBS[record.history_type]} {words}{of}"


def _diff(previous, record, names) -> list[tuple[str, str, str]]:
    """(field label, old, new) for each field that changed, records named rather than numbered."""
    model = record.instance_type
    rows = []
    for change in changes(previous, record):
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
