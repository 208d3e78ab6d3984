"""What each public read of the claims app shows, as versions: the input of its ETag and cache key
(api.conditional). Each function runs a few aggregate queries and renders nothing.

The rows come from `visible_to(user)`, the one visibility rule, so what a reader may not see never
moves their ETag, and rows entering or leaving their view do. A claim's `evidence_version` is
raised by claims.services whenever its attributions, figures or relations change (the status
refresh), so a claim's stamp covers its evidence; the records the evidence names (documents,
outlets, speakers) are covered by the latest of their `updated_at`.
"""

from django.db.models import Q, QuerySet

from api.conditional import ReadVersion, stamp
from api.filters import is_id
from claims.models import Attribution, Claim, ClaimRelation, Event, Figure
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
CLAIM_LATEST = ("event__updated_at",)
ATTRIBUTION_SUMS = ("version", "claim__version", "claim__evidence_version")
# An attribution shown with its claim's text and status.
STATUS_SUMS = ("claim__version", "claim__status_version")


def _by_key(queryset: QuerySet, key) -> QuerySet:
    """The row whose id (all digits) or slug is `key`, as the API and the pages look it up."""
    key = str(key)
    if key.isascii() and key.isdigit():
        return queryset.filter(pk=int(key)) if is_id(key) else queryset.none()
    return queryset.filter(slug=key)


def _row(queryset: QuerySet, *fields) -> dict | None:
    return queryset.order_by().values("pk", *fields).first()


def claim(user, key) -> ReadVersion | None:
    """A claim's detail (page, API detail, stances, ClaimReview, provenance): its row, event,
    evidence, the records the evidence names, and the claims related to it."""
    visible = Claim.objects.visible_to(user)
    row = _row(_by_key(visible, key), *CLAIM_SUMS, "event__version")
    if row is None:
        return None
    evidence = stamp(
        Attribution.objects.visible_to(user).filter(claim_id=row["pk"]),
        sums=(),
        latest=ATTRIBUTION_SOURCES,
    )
    related = stamp(
        ClaimRelation.objects.touching({row["pk"]}).filter(claim__in=visible, target__in=visible),
        sums=("claim__version", "target__version"),
    )
    return ReadVersion((tuple(row.values()), evidence, related), row["version"])


def claims(queryset: QuerySet, user, expanded: bool = False) -> ReadVersion:
    """A list of claims (already filtered, from visible_to); with their attributions expanded,
    the records those name too."""
    parts = [stamp(queryset, sums=CLAIM_SUMS, latest=CLAIM_LATEST)]
    if expanded:
        attributions = Attribution.objects.visible_to(user).filter(claim__in=queryset.order_by())
        parts.append(stamp(attributions, sums=(), latest=ATTRIBUTION_SOURCES))
    return ReadVersion(tuple(parts))


def event(user, key) -> ReadVersion | None:
    """An event's detail, page and figure comparison: its row, its claims and the figures about
    it (with their attributions and what those name)."""
    row = _row(_by_key(Event.objects.visible_to(user), key), "version")
    if row is None:
        return None
    event_claims = stamp(
        Claim.objects.visible_to(user).filter(event_id=row["pk"]),
        sums=CLAIM_SUMS,
        # The records their evidence names (the provenance graph of the event shows them).
        latest=tuple(f"attributions__{field}" for field in ATTRIBUTION_SOURCES),
    )
    figures = _event_figures(user, row["pk"])
    return ReadVersion((row["version"], event_claims, figures), row["version"])


def event_figures(user, key) -> ReadVersion | None:
    """An event's figure comparison: its row and the figures about it, with their attributions
    and what those name; not the event's claims, which it does not list (their stamp, over
    every attribution of a hot event's 2,000 claims, cost 34 ms at scale 1)."""
    row = _row(_by_key(Event.objects.visible_to(user), key), "version")
    if row is None:
        return None
    return ReadVersion((row["version"], _event_figures(user, row["pk"])), row["version"])


def _event_figures(user, event_id: int) -> tuple:
    return stamp(
        Figure.objects.visible_to(user).filter(event_id=event_id),
        sums=("version", *(f"attribution__{field}" for field in ATTRIBUTION_SUMS)),
        latest=tuple(f"attribution__{field}" for field in ATTRIBUTION_SOURCES),
    )


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
