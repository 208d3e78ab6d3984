"""One search box over claims, quotes, documents and actors.

On PostgreSQL: full-text search (websearch syntax, English configuration) ranked by SearchRank, using
GIN indexes: on stored vectors for documents and quotes, on expressions for claims and actors. On
SQLite: every word must occur (icontains). The choice follows connection.vendor.

Actors are found by name or alias (`matching_actors`), and a misspelled name ("Hakkani", "Amrulah
Saleh") still finds its actor: trigram similarity (pg_trgm) on PostgreSQL, rapidfuzz on SQLite. The
actors found bring their claims and quotes: a claim is found when one of its quotes is spoken by such
an actor or its text names one (by name or alias), so `ISKP` lists the claims of and about IS-K.

Results carry the matched words highlighted: the text is escaped piece by piece and the matches are
wrapped in <mark> (sources.highlight.mark_terms).
"""

import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.db import connection
from django.db.models import Exists, Expression, OuterRef, Q, QuerySet
from rapidfuzz import fuzz, utils

from claims import evidence
from claims.models import Attribution, Claim
from sources.highlight import mark_terms, term_pattern
from sources.models import Actor, ActorAlias, Document

LIMIT = 20
CONFIG = "english"
MAX_QUERY = 200
RANKED_CANDIDATES = 2000
# rapidfuzz score (0-100) from which a name is taken for a misspelling of the query (SQLite); on
# PostgreSQL pg_trgm's similarity threshold (0.3) plays this part.
FUZZY_CUTOFF = 70
# A name or alias shorter than this ("IS") is too common inside other words to find claims by.
MIN_NAME = 3

_WORD = re.compile(r"[\w][\w'’-]*", re.UNICODE)


def terms(query: str) -> list[str]:
    """The words of a query, as typed (hyphens kept: "IS-K")."""
    return [w.strip("-'’") for w in _WORD.findall(query) if w.strip("-'’")]


@dataclass
class Results:
    query: str
    claims: list = field(default_factory=list)
    quotes: list = field(default_factory=list)
    documents: list = field(default_factory=list)
    actors: list = field(default_factory=list)
    by_similarity: bool = False  # actors found by a similar spelling only
    # How many match in all (each list shows at most LIMIT of them).
    counts: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class ActorMatch:
    """The actors a query names: id -> the names they go by (name and aliases)."""

    names: dict = field(default_factory=dict)
    by_similarity: bool = False

    @property
    def ids(self) -> list[int]:
        return list(self.names)


def _fuzzy_score(query: str, name: str) -> float:
    """How close the query is to the name, or to a run of as many of its words (0-100)."""
    q, n = utils.default_process(query), utils.default_process(name)
    if not q or not n:
        return 0.0
    width = len(q.split())
    words = n.split()
    windows = [" ".join(words[i : i + width]) for i in range(max(1, len(words) - width + 1))]
    return max(fuzz.ratio(q, w) for w in [n, *windows])


def matching_actors(query: str) -> ActorMatch:
    """The actors whose name or an alias matches the query; when none does, those whose name or
    an alias is spelled similarly. One query on either database.

    PostgreSQL: the name or alias equals the query (Actor.objects.named) or matches it in full
    text; else pg_trgm similarity (the % operator, served by the trigram indexes). SQLite: every
    word occurs in the name or in one alias (any case); else rapidfuzz, FUZZY_CUTOFF.
    """
    query = normalised(query)
    words = terms(query)
    if not words:
        return ActorMatch()
    if connection.vendor == "postgresql":
        sq = SearchQuery(query, search_type="websearch", config=CONFIG)
        alias_match = ActorAlias.objects.annotate(
            search=SearchVector("name", config=CONFIG)
        ).filter(actor=OuterRef("pk"), search=sq)
        by_words = (
            Actor.objects.annotate(search=SearchVector("name", config=CONFIG))
            .filter(Q(search=sq) | Exists(alias_match) | Q(pk__in=Actor.objects.named(query)))
            .values("pk")
        )
        similar_alias = ActorAlias.objects.filter(actor=OuterRef("pk"), name__trigram_similar=query)
        similar = Actor.objects.filter(Q(name__trigram_similar=query) | Exists(similar_alias))
        rows = (
            Actor.objects.filter(
                Q(pk__in=by_words) | (Q(pk__in=similar.values("pk")) & ~Exists(by_words))
            )
            .annotate(exact=Exists(by_words.filter(pk=OuterRef("pk"))))
            .values_list("pk", "name", "aliases__name", "exact")
        )
        names: dict[int, list[str]] = {}
        exact = False
        for pk, name, alias, is_exact in rows:
            names.setdefault(pk, [name])
            if alias:
                names[pk].append(alias)
            exact = exact or is_exact
        return ActorMatch(names, by_similarity=bool(names) and not exact)
    every: dict[int, list[str]] = {}
    for pk, name, alias in Actor.objects.values_list("pk", "name", "aliases__name"):
        every.setdefault(pk, [name])
        if alias:
            every[pk].append(alias)
    lowered = [w.casefold() for w in words]
    by_words = {
        pk: names
        for pk, names in every.items()
        if any(all(w in n.casefold() for w in lowered) for n in names)
    }
    if by_words:
        return ActorMatch(by_words)
    similar = {
        pk: names
        for pk, names in every.items()
        if max(_fuzzy_score(query, n) for n in names) >= FUZZY_CUTOFF
    }
    return ActorMatch(similar, by_similarity=bool(similar))


def _names_condition(field_name: str, actors: ActorMatch) -> Q:
    """The text of `field_name` names one of the actors (by name or alias, any case)."""
    condition = Q(pk__in=[])
    for names in actors.names.values():
        for name in names:
            if len(name) >= MIN_NAME:
                condition |= Q(**{f"{field_name}__icontains": name})
    return condition


class StoredVector(Expression):
    """The `search_vector` column of the query's base table, under whatever alias it has.

    Documents and quotes keep their vector in a generated column (migrations sources 0003 and
    claims 0006) that Django does not model, since SQLite has no tsvector: matching and ranking
    read it instead of recomputing to_tsvector over each candidate's text.
    """

    output_field = SearchVectorField()
    alias: str | None = None

    def resolve_expression(self, query=None, *args, **kwargs):
        resolved = self.copy()
        resolved.alias = query.get_initial_alias()
        return resolved

    def relabeled_clone(self, change_map):
        clone = self.copy()
        clone.alias = change_map.get(self.alias, self.alias)
        return clone

    def as_sql(self, compiler, connection):
        return f"{compiler.quote_name(self.alias)}.search_vector", []


def _ranked(model, query: str, also: Q | None = None) -> QuerySet:
    """Rows matching the query (or the condition `also`), best first, ranked among the first
    RANKED_CANDIDATES matches.

    A query matching tens of thousands of rows ("killed") would otherwise compute the rank of
    every one of them to show twenty; beyond a few thousand matches the rank order means little.
    """
    sq = SearchQuery(query, search_type="websearch", config=CONFIG)
    matching = model.objects.alias(v=StoredVector()).filter(Q(v=sq) | (also or Q(pk__in=[])))
    matching = matching.order_by()
    pool = matching.values("pk")[:RANKED_CANDIDATES]
    return (
        model.objects.filter(pk__in=pool)
        .annotate(rank=SearchRank(StoredVector(), sq))
        .order_by("-rank", "pk")
    )


def _postgres(
    query: str, matched: QuerySet, claims: QuerySet, actors: ActorMatch, user
) -> tuple[QuerySet, ...]:
    sq = SearchQuery(query, search_type="websearch", config=CONFIG)
    # Ranked among the first RANKED_CANDIDATES matches, as quotes and documents are.
    found_claims = (
        Claim.objects.filter(pk__in=matched.order_by().values("pk")[:RANKED_CANDIDATES])
        .annotate(rank=SearchRank(StoredVector(), sq))
        .order_by("-rank", "pk")
    )
    quotes = (
        _ranked(Attribution, query, Q(speaker__in=actors.ids))
        .filter(claim__in=claims)
        .filter(pk__in=Attribution.objects.reviewed_for(user).values("pk"))
    )
    documents = _ranked(Document, query)
    return found_claims, quotes, documents


def _every(words: list[str], *fields: str) -> Q:
    """Each word occurs (any case) in at least one of the fields."""
    condition = Q()
    for word in words:
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        condition &= any_field
    return condition


def normalised(query: str) -> str:
    """The query as searched: runs of white space made one space, at most MAX_QUERY characters."""
    return " ".join(query.split())[:MAX_QUERY]


def matching_claims(
    query: str, claims: QuerySet, actors: ActorMatch | None = None, *, user=None
) -> QuerySet:
    """The claims among `claims` whose text, or the quote of one of their attributions, matches
    `query`, or that are attributed to or name an actor the query names; unordered.

    The one rule for "claims matching words": the search page's claims and the `q` parameter of
    the claim list page and of /api/v1/claims/ all use it. PostgreSQL: full text (websearch syntax,
    English stemming) on the indexed claim-text expression and the quotes' stored vectors; SQLite:
    every word occurs in the text, or every word in one quote. Either: a quote spoken by one of
    `matching_actors(query)` (pass them when already found), or the claim text containing one of
    their names or aliases. No words: no claims.
    """
    query = normalised(query)
    words = terms(query)
    if not words:
        return claims.none()
    if actors is None:
        actors = matching_actors(query)
    if connection.vendor == "postgresql":
        sq = SearchQuery(query, search_type="websearch", config=CONFIG)
        by_text = Claim.objects.alias(v=StoredVector()).filter(v=sq)
        by_quote = Attribution.objects.reviewed_for(user).alias(v=StoredVector()).filter(v=sq)
    else:
        by_text = Claim.objects.filter(_every(words, "text"))
        by_quote = Attribution.objects.reviewed_for(user).filter(_every(words, "quote"))
    branches = [by_text.values("pk"), by_quote.values("claim_id")]
    if actors.names:
        spoken = Attribution.objects.reviewed_for(user).filter(speaker__in=actors.ids)
        named = Claim.objects.filter(_names_condition("text", actors))
        branches += [spoken.values("claim_id"), named.values("pk")]
    # The union of independent sub-queries, each served by its own index (the stored vectors,
    # the speaker index, the trigram index of claims 0016): OR-ed conditions made PostgreSQL
    # scan every claim.
    return claims.filter(pk__in=branches[0].union(*branches[1:], all=True))


def _simple(words: list[str], matched: QuerySet, claims: QuerySet, actors: ActorMatch, user):
    def every(*fields: str) -> Q:
        return _every(words, *fields)

    found_claims = matched.order_by("-updated_at", "pk")
    quotes = (
        Attribution.objects.reviewed_for(user)
        .filter(Q(claim__in=claims) & (every("quote") | Q(speaker__in=actors.ids)))
        .order_by("pk")
    )
    documents = Document.objects.filter(every("title", "text")).order_by("-published", "pk")
    return found_claims, quotes, documents


def _first(ranked: QuerySet, load) -> list:
    """The first LIMIT rows of `ranked`, in its order, loaded with `load(queryset)`.

    Two steps: the ids first, ranked and cut on the table alone, then the rows with what they
    show joined. In one query PostgreSQL joined the claim, document, outlet and speakers of every
    candidate (thousands, for a phrase found in every document) before keeping twenty.
    """
    ids = list(ranked.values_list("pk", flat=True)[:LIMIT])
    rows = load(ranked.model.objects.filter(pk__in=ids)).in_bulk()
    return [rows[pk] for pk in ids]


def search(query: str, claims: QuerySet, user=None) -> Results:
    """Search the claims the reader may see (`claims`), their quotes, documents and actors.

    Quotes are searched only among attributions of those claims that `user` sees (the public:
    approved ones). Each list holds at most LIMIT
    results with `snippet` (safe HTML, matches marked) set on each.
    """
    query = normalised(query)
    results = Results(query=query)
    words = terms(query)
    if not words:
        return results
    named = matching_actors(query)
    results.by_similarity = named.by_similarity
    matched = matching_claims(query, claims, named, user=user)
    if connection.vendor == "postgresql":
        found_claims, quotes, documents = _postgres(query, matched, claims, named, user)
    else:
        found_claims, quotes, documents = _simple(words, matched, claims, named, user)
    actors = Actor.objects.filter(pk__in=named.ids).order_by("name", "pk")
    results.counts = {
        "claims": matched.order_by().count(),  # every match, not the ranked pool
        "quotes": quotes.order_by().count(),
        "documents": documents.order_by().count(),
        "actors": len(named.ids),
    }

    pattern = term_pattern(words)
    # In claims and quotes, the names of the actors found are marked too ("IS-K" for ISKP).
    named_pattern = term_pattern(
        [*words, *(n for names in named.names.values() for n in names if len(n) >= MIN_NAME)]
    )
    results.claims = _first(found_claims, lambda rows: rows.select_related("event"))
    for c in results.claims:
        c.snippet = mark_terms(c.text, named_pattern)
    results.quotes = evidence.label(
        _first(
            quotes,
            lambda rows: rows.select_related("claim", "speaker", "via", "document__outlet").defer(
                "document__text"
            ),
        )
    )
    for a in results.quotes:
        a.snippet = mark_terms(a.quote, named_pattern, around=160)
    results.documents = list(documents.select_related("outlet")[:LIMIT])
    for d in results.documents:
        d.title_html = mark_terms(d.title, pattern)
        d.snippet = mark_terms(d.text, pattern, around=120)
    results.actors = list(actors.prefetch_related("aliases")[:LIMIT])
    for actor in results.actors:
        actor.name_html = mark_terms(actor.name, pattern)
        actor.aliases_html = [mark_terms(alias.name, pattern) for alias in actor.aliases.all()]
    return results
