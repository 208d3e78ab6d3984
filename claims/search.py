"""One search box over claims, quotes, documents and actors.

On PostgreSQL: full-text search (websearch syntax, English configuration) ranked by SearchRank, using
GIN indexes: on stored vectors for documents and quotes, on expressions for claims and actors, plus trigram similarity on actor
names and aliases so a misspelled name ("Amrulah Saleh") still finds its actor. On SQLite: every word
must occur (icontains). The choice follows connection.vendor.

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
    TrigramSimilarity,
)
from django.db import connection
from django.db.models import Exists, Expression, OuterRef, Q, QuerySet

from claims import evidence
from claims.models import Attribution, Claim
from sources.highlight import mark_terms, term_pattern
from sources.models import Actor, ActorAlias, Document

LIMIT = 20
CONFIG = "english"
MAX_QUERY = 200
RANKED_CANDIDATES = 2000

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
    by_similarity: bool = False  # actors found by trigram similarity only

    @property
    def total(self) -> int:
        return len(self.claims) + len(self.quotes) + len(self.documents) + len(self.actors)


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
        return f"{compiler.quote_name_unless_alias(self.alias)}.search_vector", []


def _ranked(model, query: str) -> QuerySet:
    """Rows matching the query, best first, ranked among the first RANKED_CANDIDATES matches.

    A query matching tens of thousands of rows ("killed") would otherwise compute the rank of
    every one of them to show twenty; beyond a few thousand matches the rank order means little.
    """
    sq = SearchQuery(query, search_type="websearch", config=CONFIG)
    matching = model.objects.alias(v=StoredVector()).filter(v=sq).order_by()
    pool = matching.values("pk")[:RANKED_CANDIDATES]
    return (
        model.objects.filter(pk__in=pool)
        .annotate(rank=SearchRank(StoredVector(), sq))
        .order_by("-rank", "pk")
    )


def _postgres(query: str, claims: QuerySet) -> tuple[QuerySet, QuerySet, QuerySet, QuerySet, bool]:
    sq = SearchQuery(query, search_type="websearch", config=CONFIG)
    found_claims = (
        matching_claims(query, claims)
        .annotate(rank=SearchRank(CLAIM_VECTOR, sq))
        .order_by("-rank", "pk")
    )
    quotes = _ranked(Attribution, query).filter(claim__in=claims)
    documents = _ranked(Document, query)
    alias_match = ActorAlias.objects.annotate(search=SearchVector("name", config=CONFIG)).filter(
        actor=OuterRef("pk"), search=sq
    )
    actors = Actor.objects.annotate(search=SearchVector("name", config=CONFIG)).filter(
        Q(search=sq) | Exists(alias_match)
    )
    by_similarity = False
    if not actors.exists():
        # Fallback for misspelled names: trigram similarity (pg_trgm's % operator, served by the
        # trigram indexes, threshold pg_trgm.similarity_threshold = 0.3) on the name or an alias.
        similar_alias = ActorAlias.objects.filter(actor=OuterRef("pk"), name__trigram_similar=query)
        actors = (
            Actor.objects.filter(Q(name__trigram_similar=query) | Exists(similar_alias))
            .annotate(similarity=TrigramSimilarity("name", query))
            .order_by("-similarity", "name")
        )
        by_similarity = True
    return found_claims, quotes, documents, actors, by_similarity


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


# The claim text's vector: exactly the expression indexed by the search-index migration.
CLAIM_VECTOR = SearchVector("text", config=CONFIG)


def matching_claims(query: str, claims: QuerySet) -> QuerySet:
    """The claims among `claims` whose text, or the quote of one of their attributions, matches
    `query`; unordered.

    The one rule for "claims matching words": the search page's claims and the `q` parameter of
    the claim list page and of /api/v1/claims/ all use it. PostgreSQL: full text (websearch syntax,
    English stemming) on the indexed claim-text expression and the quotes' stored vectors; SQLite:
    every word occurs in the text, or every word in one quote. No words: no claims.
    """
    query = normalised(query)
    words = terms(query)
    if not words:
        return claims.none()
    if connection.vendor == "postgresql":
        sq = SearchQuery(query, search_type="websearch", config=CONFIG)
        by_text = Claim.objects.alias(search=CLAIM_VECTOR).filter(search=sq)
        by_quote = Attribution.objects.alias(v=StoredVector()).filter(v=sq)
    else:
        by_text = Claim.objects.filter(_every(words, "text"))
        by_quote = Attribution.objects.filter(_every(words, "quote"))
    # Two independent sub-queries, each served by its own index, rather than a join.
    return claims.filter(Q(pk__in=by_text.values("pk")) | Q(pk__in=by_quote.values("claim_id")))


def _simple(
    query: str, words: list[str], claims: QuerySet
) -> tuple[QuerySet, QuerySet, QuerySet, QuerySet, bool]:
    def every(*fields: str) -> Q:
        return _every(words, *fields)

    found_claims = matching_claims(query, claims).order_by("-updated_at", "pk")
    quotes = Attribution.objects.filter(Q(claim__in=claims) & every("quote")).order_by("pk")
    documents = Document.objects.filter(every("title", "text")).order_by("-published", "pk")
    alias_match = ActorAlias.objects.filter(Q(actor=OuterRef("pk")) & every("name"))
    actors = Actor.objects.filter(every("name") | Exists(alias_match)).order_by("name")
    return found_claims, quotes, documents, actors, False


def search(query: str, claims: QuerySet) -> Results:
    """Search the claims the reader may see (`claims`), their quotes, documents and actors.

    Quotes are searched only among attributions of those claims. Each list holds at most LIMIT
    results with `snippet` (safe HTML, matches marked) set on each.
    """
    query = normalised(query)
    results = Results(query=query)
    words = terms(query)
    if not words:
        return results
    if connection.vendor == "postgresql":
        found = _postgres(query, claims)
    else:
        found = _simple(query, words, claims)
    found_claims, quotes, documents, actors, results.by_similarity = found

    pattern = term_pattern(words)
    results.claims = list(found_claims.select_related("event")[:LIMIT])
    for c in results.claims:
        c.snippet = mark_terms(c.text, pattern)
    results.quotes = evidence.label(
        quotes.select_related("claim", "speaker", "via", "document__outlet").defer(
            "document__text"
        )[:LIMIT]
    )
    for a in results.quotes:
        a.snippet = mark_terms(a.quote, pattern, around=160)
    results.documents = list(documents.select_related("outlet")[:LIMIT])
    for d in results.documents:
        d.title_html = mark_terms(d.title, pattern)
        d.snippet = mark_terms(d.text, pattern, around=120)
    results.actors = list(actors.prefetch_related("aliases")[:LIMIT])
    for actor in results.actors:
        actor.name_html = mark_terms(actor.name, pattern)
        actor.aliases_html = [mark_terms(alias.name, pattern) for alias in actor.aliases.all()]
    return results
