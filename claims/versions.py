"""What each public read of the claims app shows, as versions: the input of its ETag and cache key
(api.conditional). Each function runs a few aggregate queries and renders nothing.

The rows come from `visible_to(user)`, the one visibility rule, so what a reader may not see never
moves their ETag, and rows entering or leaving their view do. A claim's `evidence_version` is
raised by claims.services whenever its attributions, figures or relations change (the status
refresh), so a claim's stamp covers its evidence. Its `shown_version` is raised by
`shown_changed` (below) whenever a record its detail shows without holding it changes: its
event, a document, outlet or speaker its evidence names, a claim related to it, a tag. So a claim's
detail, and everything that shows claims with their evidence, is versioned by claim rows alone;
the pages that list evidence by the record it names (a document's, an actor's, an outlet's) read
the latest `updated_at` of those records instead.
"""

import functools
from collections.abc import Iterable, Mapping

from django.db.models import F, Q, QuerySet

from api import committed
from api.conditional import ReadVersion, part, stamp
from api.filters import by_key, is_id, lookup
from api.prepared import OneRow
from claims.models import Attribution, Claim, ClaimRelation, Event, Figure
from claims.visibility import sees_drafts
from sources.models import Actor, Document, Outlet

# The records an attribution names, whose edits change how it is shown.
ATTRIBUTION_SOURCES = (
    "document__updated_at",
    "document__outlet__updated_at",
    "document__origin_outlet__updated_at",
    "document__derived_from__updated_at",
    "speaker__updated_at",
    "via__updated_at",
)
# What a listed claim shows: its own row, its evidence (status, counts) and its event's name.
CLAIM_SUMS = ("version", "evidence_version")
# What a claim shown with its evidence shows: that, and the records its evidence names.
SHOWN_SUMS = (*CLAIM_SUMS, "shown_version")
CLAIM_LATEST = ("event__updated_at",)
ATTRIBUTION_SUMS = ("version", "claim__version", "claim__evidence_version")
# An attribution shown with its claim's text and status.
STATUS_SUMS = ("claim__version", "claim__status_version")


def _row(queryset: QuerySet, *fields) -> dict | None:
    return queryset.order_by().values("pk", *fields).first()


def _claim_row(claims: QuerySet, field: str, key) -> QuerySet:
    return (
        claims.filter(**{field: key})
        .order_by()
        .values_list("pk", *SHOWN_SUMS)  # the record's version second
    )


# What a reader who sees no drafts reads: every anonymous revalidation of a claim's detail.
_PUBLIC_CLAIM = OneRow(lambda field, key: _claim_row(Claim.objects.visible_to(None), field, key))


def claim(user, key) -> ReadVersion | None:
    """A claim's detail (page, API detail, stances, ClaimReview, provenance): its row, event,
    evidence, the records the evidence names, and the claims related to it: one row."""
    found = lookup(key)
    if found is None:
        return None
    ((field, key),) = found.items()
    if sees_drafts(user):
        row = _claim_row(Claim.objects.visible_to(user), field, key).first()
    else:
        row = _PUBLIC_CLAIM.first(field, key)  # visible_to(None): what the public sees
    return None if row is None else ReadVersion((row,), row[1])


def claims(queryset: QuerySet, expanded: bool = False) -> ReadVersion:
    """A list of claims (already filtered, from visible_to); with their attributions expanded,
    the records those name too."""
    return ReadVersion(
        (stamp(queryset, sums=SHOWN_SUMS if expanded else CLAIM_SUMS, latest=CLAIM_LATEST),)
    )


def event(user, key) -> ReadVersion | None:
    """An event's detail, page and figure comparison: its row, its claims and the figures about
    it (with their attributions and what those name)."""
    row = _row(by_key(Event.objects.visible_to(user), key), "version")
    if row is None:
        return None
    # With the records their evidence names (the provenance graph of the event shows them).
    event_claims = stamp(Claim.objects.visible_to(user).filter(event_id=row["pk"]), sums=SHOWN_SUMS)
    figures = _event_figures(row["pk"])
    return ReadVersion(
        (row["version"], event_claims, figures), row["version"], named={"figures": figures}
    )


def event_figures(user, key) -> ReadVersion | None:
    """An event's figure comparison: its row and the figures about it, with their attributions
    and what those name; not the event's claims, which it does not list (their stamp, over
    every attribution of a hot event's 2,000 claims, cost 34 ms at scale 1)."""
    row = _row(by_key(Event.objects.visible_to(user), key), "version")
    if row is None:
        return None
    figures = _event_figures(row["pk"])
    return ReadVersion((row["version"], figures), row["version"], named={"figures": figures})


def figures_key(request, label: str) -> tuple | None:
    """The key under which work computed from the figures this request's ETag read is kept
    (api.conditional.once_per_version): what the work is (`label`), whether the reader sees
    drafts, and the stamp of those figures; None when the request read none."""
    figures = part(request, "figures")
    return None if figures is None else (label, sees_drafts(request.user), figures)


def _event_figures(event_id: int) -> tuple:
    """Every figure about the event, whatever its review or claim: the rows that enter, leave
    or change (`version`) and what changed in what they show outside their rows
    (`shown_version`, figures_changed), from the figures alone (no join: at scale 1 the join to
    each figure's attribution and claim cost 17-27 ms for a 2,600-figure event). The same for
    every reader: whether they see drafts is in the key of what is computed from it."""
    return stamp(Figure.objects.filter(event_id=event_id), sums=("version", "shown_version"))


def events(queryset: QuerySet) -> ReadVersion:
    return ReadVersion((stamp(queryset),))


def attribution(user, pk) -> ReadVersion | None:
    """An attribution's detail: its row, its claim (and through the claim's evidence stamp, its
    figures) and the records it names."""
    if not is_id(str(pk)):
        return None
    row = _row(
        Attribution.objects.visible_to(user).filter(pk=int(pk)),
        "version",
        *ATTRIBUTION_SUMS[1:],
        *ATTRIBUTION_SOURCES,
    )
    return None if row is None else ReadVersion((tuple(row.values()),), row["version"])


def attributions(queryset: QuerySet) -> ReadVersion:
    return ReadVersion((stamp(queryset, sums=ATTRIBUTION_SUMS, latest=ATTRIBUTION_SOURCES),))


def figure(user, pk) -> ReadVersion | None:
    if not is_id(str(pk)):
        return None
    row = _row(Figure.objects.visible_to(user).filter(pk=int(pk)), "version", "event__version")
    return None if row is None else ReadVersion((tuple(row.values()),), row["version"])


def figures(queryset: QuerySet) -> ReadVersion:
    return ReadVersion((stamp(queryset, latest=("event__updated_at",)),))


# --- The pages of the sources app's records, which show claims ---------------------------------


def document_page(user, pk) -> ReadVersion | None:
    """A document's page: the document, its publisher and origin, its copies, and the visible
    attributions marked in its text with their claims."""
    if not is_id(str(pk)):
        return None
    row = _row(
        Document.objects.filter(pk=pk),
        "version",
        "outlet__updated_at",
        "origin_outlet__updated_at",
        "derived_from__updated_at",
        "derived_from__outlet__updated_at",
    )
    if row is None:
        return None
    marked = stamp(
        Attribution.objects.visible_to(user).filter(document_id=pk),
        sums=("version", "claim__version"),
        latest=("speaker__updated_at", "via__updated_at"),
    )
    copies = stamp(Document.objects.filter(derived_from_id=pk), latest=("outlet__updated_at",))
    return ReadVersion((tuple(row.values()), marked, copies), row["version"])


def actor_page(user, slug) -> ReadVersion | None:
    """An actor's page: the actor, its members, its statements with their claims (and, through
    the claims' evidence, who contradicts them), and the claims that name it."""
    row = _row(
        Actor.objects.filter(slug=slug), "version", "affiliation__updated_at", "outlet__updated_at"
    )
    if row is None:
        return None
    members = stamp(Actor.objects.filter(affiliation_id=row["pk"]))
    own = Attribution.objects.visible_to(user).filter(speaker_id=row["pk"])
    # Its statements show their claim's status, not the rest of the claim's evidence...
    statements = stamp(own, sums=("version", *STATUS_SUMS), latest=ATTRIBUTION_SOURCES)
    # ...except who else speaks on those claims (the contradictions).
    others = stamp(
        Attribution.objects.filter(claim_id__in=own.values("claim_id")),
        latest=("speaker__updated_at",),
    )
    names = Actor.objects.filter(pk=row["pk"]).values_list("name", "aliases__name")
    condition = Q()
    for name in {n for pair in names for n in pair if n}:
        condition |= Q(text__icontains=name)
    mentioned = stamp(
        Claim.objects.visible_to(user).filter(condition), sums=("version", "status_version")
    )
    return ReadVersion(
        (tuple(row.values()), members, statements, others, mentioned), row["version"]
    )


def outlet_page(user, slug) -> ReadVersion | None:
    """An outlet's page: the outlet, its documents, and the visible attributions in its own
    voice or relayed by it."""
    row = _row(Outlet.objects.filter(slug=slug), "version", "actor__updated_at")
    if row is None:
        return None
    documents = stamp(
        Document.objects.filter(outlet_id=row["pk"]),
        latest=("derived_from__updated_at", "origin_outlet__updated_at"),
    )
    shown = stamp(
        Attribution.objects.visible_to(user).filter(
            Q(document__outlet_id=row["pk"]) | Q(via_id=row["pk"])
        ),
        sums=("version", "claim__version"),
        latest=ATTRIBUTION_SOURCES,
    )
    return ReadVersion((tuple(row.values()), documents, shown), row["version"])


def home(user) -> ReadVersion:
    """The home page: the latest claims, events and documents."""
    return ReadVersion(
        (
            stamp(Claim.objects.visible_to(user), sums=CLAIM_SUMS, latest=CLAIM_LATEST),
            stamp(Event.objects.visible_to(user)),
            stamp(Document.objects.all(), latest=("outlet__updated_at",)),
        )
    )


def search() -> ReadVersion | None:
    """The search page reads claims, quotes, documents and actors by their text, too many rows of
    too many tables to stamp: its version is the committed state itself (api.committed), read
    for the page's version under `kept_version`. Any commit moves it; while nothing commits, a
    repeated search costs one query (or none from the cache). None where no state is named (the
    embedded SQLite, inside a transaction): no ETag, the page is computed every time."""
    token = committed.current()
    return None if token is None else ReadVersion(("committed", token))


# --- Raising shown_version -------------------------------------------------------------------------


@functools.cache
def _named_by_evidence() -> dict[type, list[str]]:
    """{model: [attribution paths to it]} of the records an attribution shows by name, read from
    ATTRIBUTION_SOURCES (the same list the stamps of evidence read), so the two cannot drift."""
    paths: dict[type, list[str]] = {}
    for field in ATTRIBUTION_SOURCES:
        path = field.removesuffix("__updated_at")
        model = Attribution
        for name in path.split("__"):
            model = model._meta.get_field(name).related_model
        paths.setdefault(model, []).append(path)
    return paths


def shown_changed(keys: Mapping[str, Iterable[int]]) -> int:
    """Raise the `shown_version` of every claim whose detail shows one of the records named by
    `keys` ({"claim" | "event" | "document" | "outlet" | "actor" | "tag": ids}, the change feed's
    types): the claims related to a claim, the claims of an event, the claims whose evidence names
    a document, outlet or speaker, the claims tagged with a tag. Called, in the transaction of the
    write, by the entry points through which every plain write and every publication change passes
    (claims.feed's `record_objects` and `affected_by`, claims.services' `_public_changed`).
    The figures of the attributions that name a document, outlet or speaker rise with them
    (figures_changed says why). Returns how many claims it raised."""
    types = {"document": Document, "outlet": Outlet, "actor": Actor}
    named = _named_by_evidence()
    evidence = Q()
    claims = Q()
    for name, ids in keys.items():
        ids = sorted({pk for pk in ids if pk is not None})
        if not ids:
            continue
        if name == "claim":
            related = ClaimRelation.objects.touching(ids)
            claims |= Q(pk__in=ids)
            claims |= Q(pk__in=related.values("claim_id")) | Q(pk__in=related.values("target_id"))
        elif name == "event":
            claims |= Q(event_id__in=ids)
        elif name == "tag":
            claims |= Q(tags__in=ids)
        elif name in types:
            for path in named.get(types[name], ()):
                evidence |= Q(**{f"{path}__in": ids})
    figures = Q()
    if evidence:
        naming = Attribution.objects.filter(evidence)
        claims |= Q(pk__in=naming.values("claim_id"))
        # The figure comparison shows these names too, on the figures of these attributions
        # (figures_changed).
        figures = Q(attribution__in=naming.values("pk"))
    if not claims:
        return 0
    raised = Claim.objects.filter(pk__in=Claim.objects.filter(claims).values("pk")).update(
        shown_version=F("shown_version") + 1
    )
    if figures:
        _raise_figures(figures)  # after their claims, in the order every write locks them
    return raised


def shown_changed_everywhere() -> int:
    """Raise every claim's and figure's `shown_version` (a bulk loader that saved records
    directly)."""
    raised = Claim.objects.update(shown_version=F("shown_version") + 1)
    _raise_figures(Q())  # after the claims, as always
    return raised


def figures_changed(
    claim_ids: Iterable[int | None], touched: Mapping[str, Iterable[int]] | None = None
) -> int:
    """Raise the `shown_version` of the figures whose rows in an event's figure comparison an
    evidence write or a claim's change may have changed, outside their own rows: the figures
    `touched` names ({"attribution": ids, "figure": ids}: the rows the write saved) and every
    figure of the attributions it names (their speaker, voice, document or review); with
    `touched` None (a publication transition, a bulk refresh, a restore), every figure of the
    claims. Called by claims.services._public_changed, through which every evidence write and
    publication change passes, in its transaction; the claims are locked, and their figures
    are locked after them, as everywhere. A figure that left an event (moved, deleted) leaves
    its set of rows, which the event's stamp reads (_event_figures). Returns how many rose."""
    if touched is None:
        ids = sorted({pk for pk in claim_ids if pk is not None})
        condition = Q(attribution__claim_id__in=ids)
    else:
        figures = sorted({pk for pk in touched.get("figure", ()) if pk is not None})
        attributions = sorted({pk for pk in touched.get("attribution", ()) if pk is not None})
        if not figures and not attributions:
            return 0
        condition = Q(pk__in=figures) | Q(attribution_id__in=attributions)
    return _raise_figures(condition)


def _raise_figures(condition: Q) -> int:
    return Figure.objects.filter(condition).update(shown_version=F("shown_version") + 1)
