"""The change feed: an append-only log of every change of every public record (/api/v1/changes/).

A record is public when an anonymous reader gets it from the API (`visible_to(None)`); its public
representation is exactly the row the API list endpoint gives that reader, built by the list
viewset and its serializer (no second serializer). `record(keys)` recomputes the representation
of the affected records in the transaction of the write, compares it with the last logged one
(PublicRecord) and appends a PublicChange only when it differs (an upsert) or when the record is
no longer public (a delete: deleted, unpublished or withdrawn alike). Replaying the feed from the
beginning into an empty mapping {(type, id): record} therefore gives the public API.

Who calls it: `claims.services._public_changed(claim_ids, touched)` for everything that hangs on
claims (evidence writes, status refreshes, relations, publication, restore), and `record_objects`
for the plain writes of the API and the admin (claims, events, outlets, actors, documents, tags).
An evidence write names the rows it touched: `record_evidence` then re-represents those rows, the
claims and what they name, not every row of the claims (a claim can hold thousands); a write
that names none re-reads everything hanging on its claims (`record_claims`).
`rebuild()` (manage.py rebuild_feed, load_seeds, the synthetic corpus) reconciles the whole log
with the current public state, and logs only the differences.

Ordering: every append holds one lock (a PostgreSQL transaction-level advisory lock) from the
first claim lock of a write service until commit, so sequence numbers are handed out in commit
order and a reader following `?after=<seq>` never skips a row committed late. SQLite has one
writer at a time, which gives the same guarantee.
"""

import hashlib
import json
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from contextlib import contextmanager

from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from claims import versions
from claims.models import Attribution, Claim, Figure, PublicChange, PublicRecord
from sources.models import Actor, Document

# Record types, parents first: a replay sees an outlet before the documents that name it.
TYPES = ("outlet", "actor", "document", "event", "claim", "attribution", "figure")
UPSERT = PublicChange.Action.UPSERT
DELETE = PublicChange.Action.DELETE
# Records represented per query batch.
BATCH = 500
# The advisory lock key that serialises appends on PostgreSQL (any constant bigint).
LOCK_KEY = 7_463_920_113


def lock() -> None:
    """Serialise appends until the end of the current transaction (re-entrant).

    Write services call it before they lock any claim row, so two writers never wait on each
    other in a cycle.
    """
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


# The API list viewset of each record type, registered by claims.api (which imports this module:
# the feed asks the API for the representation without importing it back).
VIEWSETS: dict[str, type] = {}


def register_viewsets(viewsets: Mapping[str, type]) -> None:
    """Name the API list viewset that gives each record type's public representation."""
    VIEWSETS.update(viewsets)


def _viewset(name: str):
    """The API list viewset of a record type, as an anonymous reader's request would build it."""
    http = HttpRequest()
    http.method = "GET"
    request = Request(http)
    request.user = AnonymousUser()
    view = VIEWSETS[name]()
    view.request, view.args, view.kwargs = request, (), {}
    view.action, view.format_kwarg = "list", None
    return view


def represent(name: str, ids: Iterable[int]) -> dict[int, dict]:
    """The public representation of each record that an anonymous reader sees, by id: the JSON
    the API list endpoint gives (records not visible are absent)."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    view = _viewset(name)
    found = {}
    for start in range(0, len(ids), BATCH):
        rows = list(view.get_queryset().filter(pk__in=ids[start : start + BATCH]).order_by("pk"))
        data = json.loads(JSONRenderer().render(view.get_serializer(rows, many=True).data))
        found.update((item["id"], item) for item in data)
    return found


def digest(data: Mapping) -> str:
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")
    ).hexdigest()


def _claim_of(name: str, data: Mapping) -> int | None:
    if name == "claim":
        return data["id"]
    if name == "attribution":
        return data["claim"]["id"]
    if name == "figure":
        return data["claim"]
    return None


# --- What a change affects ------------------------------------------------------------------------


def _logged_of_claims(name: str, claim_ids: set[int]) -> set[int]:
    return set(
        PublicRecord.objects.filter(type=name, claim_id__in=claim_ids).values_list(
            "object_id", flat=True
        )
    )


def _expand(keys: Mapping[str, Iterable[int]]) -> dict[str, set[int]]:
    """The records whose public representation a change of `keys` may change.

    A claim: itself, its attributions and figures (also those logged before and deleted since),
    its event now and the event it was logged with, and the sources its evidence cites (a speaker
    created by accepting a suggestion becomes public with it). An event, outlet, actor, document
    or tag: itself and the records that show its name.
    """
    out: dict[str, set[int]] = defaultdict(set)
    for name, ids in keys.items():
        out[name] |= {pk for pk in ids if pk is not None}
    out.pop("tag", None)
    tags = {pk for pk in keys.get("tag", ()) if pk is not None}
    if tags:
        out["claim"] |= set(Claim.objects.filter(tags__in=tags).values_list("pk", flat=True))
    evidence = out["attribution"] | out["figure"]
    if evidence:
        out["claim"] |= set(
            Attribution.objects.filter(pk__in=out["attribution"]).values_list("claim_id", flat=True)
        )
        out["claim"] |= set(
            Figure.objects.filter(pk__in=out["figure"]).values_list(
                "attribution__claim_id", flat=True
            )
        )
        out["claim"] |= set(
            PublicRecord.objects.filter(type="attribution", object_id__in=out["attribution"])
            .exclude(claim_id=None)
            .values_list("claim_id", flat=True)
        )
        out["claim"] |= set(
            PublicRecord.objects.filter(type="figure", object_id__in=out["figure"])
            .exclude(claim_id=None)
            .values_list("claim_id", flat=True)
        )
    outlets, actors, documents = set(out["outlet"]), set(out["actor"]), set(out["document"])
    if outlets:
        out["document"] |= set(
            Document.objects.filter(outlet__in=outlets).values_list("pk", flat=True)
        )
        out["document"] |= set(
            Document.objects.filter(origin_outlet__in=outlets).values_list("pk", flat=True)
        )
        out["actor"] |= set(Actor.objects.filter(outlet__in=outlets).values_list("pk", flat=True))
        out["attribution"] |= set(
            Attribution.objects.filter(via__in=outlets).values_list("pk", flat=True)
        )
        out["attribution"] |= set(
            Attribution.objects.filter(document__outlet__in=outlets).values_list("pk", flat=True)
        )
    if actors:
        out["actor"] |= set(
            Actor.objects.filter(affiliation__in=actors).values_list("pk", flat=True)
        )
        out["attribution"] |= set(
            Attribution.objects.filter(speaker__in=actors).values_list("pk", flat=True)
        )
    if documents:
        out["attribution"] |= set(
            Attribution.objects.filter(document__in=documents).values_list("pk", flat=True)
        )
    events = set(out["event"])
    if events:
        out["claim"] |= set(Claim.objects.filter(event__in=events).values_list("pk", flat=True))
        out["figure"] |= set(Figure.objects.filter(event__in=events).values_list("pk", flat=True))
    claims = set(out["claim"])
    if claims:
        out["attribution"] |= set(
            Attribution.objects.filter(claim__in=claims).values_list("pk", flat=True)
        )
        out["attribution"] |= _logged_of_claims("attribution", claims)
        out["figure"] |= set(
            Figure.objects.filter(attribution__claim__in=claims).values_list("pk", flat=True)
        )
        out["figure"] |= _logged_of_claims("figure", claims)
        out["event"] |= set(
            Claim.objects.filter(pk__in=claims)
            .exclude(event=None)
            .values_list("event_id", flat=True)
        )
        for data in PublicRecord.objects.filter(type="claim", object_id__in=claims).values_list(
            "data", flat=True
        ):
            if data.get("event"):
                out["event"].add(data["event"]["id"])
        out["event"] |= set(
            Figure.objects.filter(attribution__claim__in=claims)
            .exclude(event=None)
            .values_list("event_id", flat=True)
        )
        cited = Attribution.objects.filter(claim__in=claims)
        out["document"] |= set(cited.values_list("document_id", flat=True))
        out["actor"] |= set(cited.exclude(speaker=None).values_list("speaker_id", flat=True))
        out["outlet"] |= set(cited.exclude(via=None).values_list("via_id", flat=True))
        out["outlet"] |= set(
            cited.exclude(document__outlet=None).values_list("document__outlet_id", flat=True)
        )
    return {name: ids for name, ids in out.items() if ids}


# --- Appending ------------------------------------------------------------------------------------


_state = threading.local()


@contextmanager
def deferred(*, rebuild_after: bool = False):
    """Collect what the writes inside the block would log and log it once, at the end of the
    block (a bulk loader saving many records, each of which would recompute its claim's).

    With `rebuild_after`, nothing is collected and the whole log is reconciled at the end
    (rebuild()), and every claim's `shown_version` is raised: for loaders that also save
    outlets, actors, documents or events directly.
    """
    if getattr(_state, "pending", None) is not None:
        yield
        return
    _state.pending = ALL if rebuild_after else defaultdict(set)
    try:
        with transaction.atomic():
            lock()
            yield
            pending, _state.pending = _state.pending, None
            if pending is ALL:
                rebuild()
                # What the loader saved directly is not known: every claim's detail may show it.
                versions.shown_changed_everywhere()
            else:
                record(pending)
    finally:
        _state.pending = None


# In a deferred(rebuild_after=True) block: nothing to collect.
ALL = object()


@transaction.atomic
def record(keys: Mapping[str, Iterable[int]], *, expand: bool = True) -> int:
    """Log the public changes of the records named by `keys` ({type: ids}; "tag" ids name the
    claims tagged with them) and of the records they affect. Returns how many rows were appended.

    Runs in the caller's transaction, after its writes.
    """
    lock()
    pending = getattr(_state, "pending", None)
    if pending is ALL:
        return 0
    if pending is not None:
        # In a deferred() block: log at its end. A key deleted meanwhile is still rechecked.
        for name, ids in (_expand(keys) if expand else keys).items():
            pending[name] |= set(ids)
        return 0
    keys = _expand(keys) if expand else {k: set(v) for k, v in keys.items() if v}
    now = timezone.now()
    upserts: list[PublicChange] = []
    deletes: list[PublicChange] = []
    for name in TYPES:
        ids = sorted(keys.get(name, ()))
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            fresh = represent(name, batch)
            logged = {
                r.object_id: r for r in PublicRecord.objects.filter(type=name, object_id__in=batch)
            }
            new, changed, gone = [], [], []
            for pk in batch:
                data, old = fresh.get(pk), logged.get(pk)
                if data is None:
                    if old is not None:
                        gone.append(pk)
                        deletes.append(
                            PublicChange(type=name, object_id=pk, action=DELETE, time=now)
                        )
                    continue
                sha = digest(data)
                if old is not None and old.digest == sha:
                    continue
                claim_id = _claim_of(name, data)
                if old is None:
                    new.append(
                        PublicRecord(
                            type=name, object_id=pk, claim_id=claim_id, digest=sha, data=data
                        )
                    )
                else:
                    old.claim_id, old.digest, old.data = claim_id, sha, data
                    changed.append(old)
                upserts.append(
                    PublicChange(
                        type=name, object_id=pk, action=UPSERT, time=now, data=data, digest=sha
                    )
                )
            PublicRecord.objects.bulk_create(new)
            PublicRecord.objects.bulk_update(changed, ["claim_id", "digest", "data"])
            if gone:
                PublicRecord.objects.filter(type=name, object_id__in=gone).delete()
    # Parents first for upserts, children first for deletes.
    order = {name: i for i, name in enumerate(TYPES)}
    deletes.sort(key=lambda c: -order[c.type])
    rows = upserts + deletes
    for start in range(0, len(rows), BATCH):
        PublicChange.objects.bulk_create(rows[start : start + BATCH])
    return len(rows)


def record_claims(claim_ids: Iterable[int | None]) -> int:
    """Log the public changes of these claims and of everything hanging on them."""
    ids = {pk for pk in claim_ids if pk is not None}
    return record({"claim": ids}) if ids else 0


# What a claim's attributions and figures show of it (AttributionSerializer.claim,
# FigureSerializer.claim): while none of these changes and the claim stays public or hidden, a
# write to some of its evidence leaves the records of the rest of its evidence as they were.
SHOWN_ON_EVIDENCE = ("id", "slug", "text")


def _shown_on_evidence(data: Mapping | None) -> tuple | None:
    return None if data is None else tuple(data.get(name) for name in SHOWN_ON_EVIDENCE)


def record_evidence(claim_ids: Iterable[int | None], touched: Mapping[str, Iterable[int]]) -> int:
    """Log the public changes of a write to some evidence of these claims: `touched` names the
    attributions and figures written, approved, rejected or deleted ({"attribution": ids,
    "figure": ids}).

    Re-represents the claims, the touched rows with the figures of touched attributions (also
    those deleted with them), and the events and sources they name; a claim's other evidence only
    when something it shows of the claim changed (then as record_claims does). Adding one
    attribution to a claim with a thousand thus costs a few records, not a thousand.
    """
    claims = {pk for pk in claim_ids if pk is not None}
    if not claims:
        return 0
    if getattr(_state, "pending", None) is not None:
        return record_claims(claims)  # a deferred block logs everything at its end anyway
    before = _logged_claims(claims)
    appended = record({"claim": claims}, expand=False)
    after = _logged_claims(claims)
    wide = {
        pk
        for pk in claims
        if _shown_on_evidence(before.get(pk)) != _shown_on_evidence(after.get(pk))
    }
    if wide:
        appended += record_claims(wide)
    if claims - wide:
        appended += record(_evidence_keys(claims - wide, touched), expand=False)
    return appended


def _logged_claims(claim_ids: set[int]) -> dict[int, dict]:
    return dict(
        PublicRecord.objects.filter(type="claim", object_id__in=claim_ids).values_list(
            "object_id", "data"
        )
    )


def _evidence_keys(claim_ids: set[int], touched: Mapping[str, Iterable[int]]) -> dict[str, set]:
    """The records an evidence write may change besides its claims: the touched attributions and
    figures, the figures of those attributions (now, or logged before they were deleted with
    it), the events of the claims and figures (now and as logged), the sources the attributions
    cite."""
    attributions = {pk for pk in touched.get("attribution", ()) if pk is not None}
    figures = {pk for pk in touched.get("figure", ()) if pk is not None}
    if attributions:
        figures |= set(
            Figure.objects.filter(attribution_id__in=attributions).values_list("pk", flat=True)
        )
        figures |= set(
            PublicRecord.objects.filter(
                type="figure", claim_id__in=claim_ids, data__attribution__in=sorted(attributions)
            ).values_list("object_id", flat=True)
        )
    events = set(
        Claim.objects.filter(pk__in=claim_ids)
        .exclude(event=None)
        .values_list("event_id", flat=True)
    )
    events |= set(
        Figure.objects.filter(pk__in=figures).exclude(event=None).values_list("event_id", flat=True)
    )
    for data in PublicRecord.objects.filter(type="figure", object_id__in=figures).values_list(
        "data", flat=True
    ):
        if data.get("event"):
            events.add(data["event"]["id"])
    cited = Attribution.objects.filter(pk__in=attributions)
    documents, actors, outlets = set(), set(), set()
    for document, speaker, via, outlet in cited.values_list(
        "document_id", "speaker_id", "via_id", "document__outlet_id"
    ):
        documents.add(document)
        actors.add(speaker)
        outlets |= {via, outlet}
    keys = {
        "attribution": attributions,
        "figure": figures,
        "event": events,
        "document": documents,
        "actor": actors - {None},
        "outlet": outlets - {None},
    }
    return {name: ids for name, ids in keys.items() if ids}


MODEL_TYPES = {
    "sources.outlet": "outlet",
    "sources.actor": "actor",
    "sources.actoralias": "actor",
    "sources.document": "document",
    "claims.event": "event",
    "claims.claim": "claim",
    "claims.attribution": "attribution",
    "claims.figure": "figure",
    "claims.tag": "tag",
}


def keys_of(objects: Iterable) -> dict[str, set[int]]:
    """{type: ids} of model instances (an actor's alias stands for its actor)."""
    keys: dict[str, set[int]] = defaultdict(set)
    for obj in objects:
        name = MODEL_TYPES.get(obj._meta.label_lower)
        if name is None:
            continue
        keys[name].add(obj.actor_id if name == "actor" and hasattr(obj, "actor_id") else obj.pk)
    return keys


def affected_by(objects: Iterable) -> dict[str, set[int]]:
    """Everything the given instances show up in, read before they are deleted (afterwards the
    records that named them cannot be found). The claims showing them are told now (their
    `shown_version`, claims.versions), in the transaction of the deletion."""
    keys = keys_of(objects)
    _shown_changed(keys)
    return _expand(keys)


def record_objects(objects: Iterable) -> int:
    """Log the public changes caused by saving these model instances (a plain write of the API
    or the admin: a claim's wording, an event, an outlet, an actor, a document, a tag), and tell
    the claims showing them (their `shown_version`, claims.versions)."""
    keys = keys_of(objects)
    _shown_changed(keys)
    return record(keys) if keys else 0


def _shown_changed(keys: Mapping[str, Iterable[int]]) -> None:
    if keys:
        lock()  # before the claim rows it raises, as the write services do
        versions.shown_changed(keys)


def record_import(document) -> int:
    """Log an imported document and the outlet the import may have created for it."""
    return record_objects([o for o in (document, document.outlet) if o is not None])


def rebuild() -> int:
    """Reconcile the log with the current public state: log an upsert for every public record
    whose representation differs from the logged one and a delete for every logged record that
    is no longer public. Returns the rows appended (0 when the log was up to date)."""
    with transaction.atomic():
        lock()
        keys: dict[str, set[int]] = defaultdict(set)
        for name in TYPES:
            view = _viewset(name)
            keys[name] |= set(view.get_queryset().values_list("pk", flat=True))
        for name, pk in PublicRecord.objects.values_list("type", "object_id"):
            keys[name].add(pk)
        return record(keys, expand=False)


def public_records() -> dict[tuple[str, int], dict]:
    """The logged public state {(type, id): record}: what a mirror replaying the feed holds."""
    return {(r.type, r.object_id): r.data for r in PublicRecord.objects.all()}
