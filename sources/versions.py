"""What the API's outlet, document and actor reads show, as versions: the input of their ETags
and cache keys (api.conditional). Public reference material: the same for every reader."""

from django.db.models import QuerySet

from api.conditional import ReadVersion, stamp
from api.filters import by_key
from sources.models import Actor, ActorAlias, Document, Outlet

DOCUMENT_LATEST = (
    "outlet__updated_at",
    "origin_outlet__updated_at",
    "derived_from__updated_at",
)
ACTOR_LATEST = ("affiliation__updated_at", "outlet__updated_at")


def _detail(queryset: QuerySet, latest=()) -> ReadVersion | None:
    """One record's version and the latest edit of each record it names (one query)."""
    row = queryset.order_by().values("pk", "version", *latest).first()
    return None if row is None else ReadVersion((tuple(row.values()),), row["version"])


def outlet(key) -> ReadVersion | None:
    return _detail(by_key(Outlet.objects.all(), key))


def outlets(queryset: QuerySet) -> ReadVersion:
    return ReadVersion((stamp(queryset),))


def document(key) -> ReadVersion | None:
    """A document's detail; its origin reads the copy chain, which its own row names."""
    return _detail(by_key(Document.objects.all(), key, slug_field=None), DOCUMENT_LATEST)


def documents(queryset: QuerySet) -> ReadVersion:
    return ReadVersion((stamp(queryset, latest=DOCUMENT_LATEST),))


def actor(key) -> ReadVersion | None:
    """An actor's detail: the actor, its affiliation, outlet and aliases."""
    version = _detail(by_key(Actor.objects.all(), key), ACTOR_LATEST)
    if version is None:
        return None
    aliases = stamp(ActorAlias.objects.filter(actor_id=version.parts[0][0]), sums=())
    return ReadVersion((*version.parts, aliases), version.record_version)


def actors(queryset: QuerySet) -> ReadVersion:
    aliases = stamp(ActorAlias.objects.filter(actor__in=queryset.order_by()), sums=())
    return ReadVersion((stamp(queryset, latest=ACTOR_LATEST), aliases))
