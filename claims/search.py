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
from functools import cached_property

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.db import connection
from django.db.models import Expression, Q, QuerySet
from rapidfuzz import fuzz, utils

from claims import evidence
from claims.models import Attribution, Claim
from sources.highlight import mark_terms, term_pattern
from sources.models import Actor, ActorAlias, Document, one_of

LIMIT = 20
CONFIG = "english"
MAX_QUERY = 200
# Each kind of result (claims, quotes, documents) reads at most this many matches and ranks
# them; past it, a page says "2,000+" (search._found).
RANKED_CANDIDATES = 2000
# Rows read for those matches (several quotes of one claim are one claim).
CANDIDATE_ROWS = 3 * RANKED_CANDIDATES
# rapidfuzz score (0-100) from which a name is taken for a misspelling of the query (SQLite); on
# PostgreSQL pg_trgm's similarity threshold (0.3) plays this part.
FUZZY_CUTOFF = 70
# A name or alias shorter than this ("IS") is too common inside other words to find claims by.
MIN_NAME = 3

_WORD = re.compile(r"[\w][\w'’-]*", re.UNICODE)


def quoted(query: str) -> bool:
    """Whether the query quotes a phrase ("widely thought to be linked"): its reader asks for
    those very words, so no name is taken for a misspelling of it (matching_actors)."""
    return query.count('"') >= 2


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
    # How many match (each list shows at most LIMIT of them): all of them, except for the kinds
    # in `more`, which have more than that (search reads at most RANKED_CANDIDATES of each).
    counts: dict = field(default_factory=dict)
    more: set = field(default_factory=set)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def shown_counts(self) -> dict[str, str]:
        """Each count as a page says it: "12", or "2,000+" when there are more."""
        return {kind: f"{n:,}{'+' if kind in self.more else ''}" for kind, n in self.counts.items()}

    @property
    def shown_total(self) -> str:
        return f"{self.total:,}{'+' if self.more else ''}"


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
    an alias is spelled similarly. One query (on PostgreSQL a second for a similar spelling).

    A query quoting a phrase asks for those words as written: no similar spelling is looked for.
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
        # Unions of sub-queries each served by its own index (actor_search, actor_alias_search,
        # actor_name_lower, actor_alias_unique_ci, the trigram indexes): OR-ed in one query they
        # made PostgreSQL compute every actor's vector and similarity (15-20 ms at scale 1).
        by_words = (
            Actor.objects.annotate(search=SearchVector("name", config=CONFIG))
            .filter(search=sq)
            .order_by()
            .values("pk")
            .union(
                ActorAlias.objects.annotate(search=SearchVector("name", config=CONFIG))
                .filter(search=sq)
                .order_by()
                .values("actor_id"),
                Actor.objects.named(query).order_by().values("pk"),
                all=True,
            )
            .order_by()  # a union keeps the model's ordering, over columns it does not select
        )
        names = _names_of(by_words)
        exact = bool(names)
        if not names and not quoted(query):
            similar = (
                Actor.objects.filter(name__trigram_similar=query)
                .order_by()
                .values("pk")
                .union(
                    ActorAlias.objects.filter(name__trigram_similar=query)
                    .order_by()
                    .values("actor_id"),
                    all=True,
                )
                .order_by()
            )
            names = _names_of(similar)
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
    if by_words or quoted(query):
        return ActorMatch(by_words)
    similar = {
        pk: names
        for pk, names in every.items()
        if max(_fuzzy_score(query, n) for n in names) >= FUZZY_CUTOFF
    }
    return ActorMatch(similar, by_similarity=bool(similar))


def _names_of(ids: QuerySet) -> dict[int, list[str]]:
    """{actor id: [name, *aliases]} of the actors whose ids `ids` (a sub-query) gives."""
    names: dict[int, list[str]] = {}
    for pk, name, alias in Actor.objects.filter(pk__in=ids).values_list(
        "pk", "name", "aliases__name"
    ):
        names.setdefault(pk, [name])
        if alias:
            names[pk].append(alias)
    return names


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


class Rank(SearchRank):
    """ts_rank of the stored vector, read as psycopg returns it (a float): SearchRank's output
    field converts every value again, 5 ms for the 8,000 rows a phrase search reads."""

    @cached_property
    def convert_value(self):
        return self._convert_value_noop


def _ranked(queryset: QuerySet, sq) -> QuerySet:
    """`queryset` with each row's full-text rank for `sq` as `rank` (PostgreSQL); as it is
    without `sq` (SQLite)."""
    return queryset if sq is None else queryset.annotate(rank=Rank(StoredVector(), sq))


def _read(queryset: QuerySet, sq, fields: tuple[str, ...], bound: int) -> tuple[list, dict, bool]:
    """The first `bound` rows of `queryset` (unordered) as tuples of `fields`, each row's rank
    by its first field ({} without `sq`), and whether more rows match.

    The rank comes with the read that finds the rows: ranked in a second query, each document's
    stored vector was read twice (the phrase search's documents 7.5 + 13 ms, one read 13.5 ms).
    """
    names = (*fields, "rank") if sq is not None else fields
    rows = list(_ranked(queryset, sq).order_by().values_list(*names)[: bound + 1])
    more = len(rows) > bound
    rows = rows[:bound]
    ranks = {row[0]: row[-1] for row in rows} if sq is not None else {}
    return [row[: len(fields)] for row in rows], ranks, more


def _found(queryset: QuerySet, sq=None) -> tuple[list[int], dict, bool]:
    """The ids of the rows of `queryset` (unordered), at most RANKED_CANDIDATES of them, their
    ranks for `sq` (_read), and whether more match.

    Bounded work: a phrase found in 40,000 quotes reads at most CANDIDATE_ROWS of them (the
    rows past them cost a heap read each: 150 ms for that phrase at scale 1), and a page says
    "2,000+" rather than reading them all to count. The first found are kept (the order of the
    index), ranked afterwards among themselves (_best_first)."""
    rows, ranks, more = _read(queryset, sq, ("pk",), RANKED_CANDIDATES)
    ids, cut = _kept((pk for (pk,) in rows), cut=more)
    return ids, ranks, cut


def _kept(ids, *, cut: bool) -> tuple[list[int], bool]:
    """The first RANKED_CANDIDATES distinct ids of `ids`, and whether more match (`cut`: the
    read of the rows stopped before their end)."""
    distinct = list(dict.fromkeys(pk for pk in ids if pk is not None))
    return distinct[:RANKED_CANDIDATES], cut or len(distinct) > RANKED_CANDIDATES


def _by_text(query: str, words: list[str], claims: QuerySet) -> QuerySet:
    """The claims among `claims` whose own text matches the query."""
    if connection.vendor == "postgresql":
        sq = SearchQuery(query, search_type="websearch", config=CONFIG)
        return claims.alias(v=StoredVector()).filter(v=sq)
    return claims.filter(_every(words, "text"))


def _by_quote(query: str, words: list[str], quotes: QuerySet, also: Q | None = None) -> QuerySet:
    """The attributions among `quotes` whose quote matches the query (or that meet `also`)."""
    also = also or Q(pk__in=[])
    if connection.vendor == "postgresql":
        sq = SearchQuery(query, search_type="websearch", config=CONFIG)
        return quotes.alias(v=StoredVector()).filter(Q(v=sq) | also)
    return quotes.filter(_every(words, "quote") | also)


def _claim_branches(query: str, words: list[str], actors: ActorMatch, user) -> list:
    """The claims matching `query` (see matching_claims) as independent id sub-queries, each
    served by its own index."""
    quotes = Attribution.objects.reviewed_for(user)
    branches = [_by_text(query, words, Claim.objects.all()).values("pk")]
    branches.append(_by_quote(query, words, quotes).values("claim_id"))
    if actors.names:
        spoken = quotes.filter(speaker__in=actors.ids)
        named = Claim.objects.filter(_names_condition("text", actors))
        branches += [spoken.values("claim_id"), named.values("pk")]
    return branches


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
    branches = _claim_branches(query, words, actors, user)
    # The union of independent sub-queries, each served by its own index (the stored vectors,
    # the speaker index, the trigram index of claims 0016): OR-ed conditions made PostgreSQL
    # scan every claim.
    return claims.filter(pk__in=branches[0].union(*branches[1:], all=True))


def _best_first(model, ids: list[int], ranks: dict, sq, fallback: tuple[str, ...]) -> list[int]:
    """The first LIMIT of `ids` (rows of `model`), best first: by full-text rank then id
    (PostgreSQL, `ranks` as read with them), else in the order `fallback`."""
    if sq is not None:
        return sorted(ids, key=lambda pk: (-ranks[pk], pk))[:LIMIT]
    if not ids:
        return []
    rows = model.objects.filter(*one_of(model, "id", ids)).order_by(*fallback)
    return list(rows.values_list("pk", flat=True)[:LIMIT])


def _first(model, ids: list[int], load) -> list:
    """The rows `ids` of `model`, in that order, loaded with `load(queryset)`.

    Two steps: the ids first, ranked and cut (_best_first), then the rows with what they show
    joined. In one query PostgreSQL joined the claim, document, outlet and speakers of every
    candidate (thousands, for a phrase found in every document) before keeping twenty.
    """
    if not ids:
        return []
    rows = load(model.objects.filter(pk__in=ids)).in_bulk()
    return [rows[pk] for pk in ids if pk in rows]


def search(query: str, claims: QuerySet, user=None) -> Results:
    """Search the claims the reader may see (`claims`), their quotes, documents and actors.

    Quotes are searched only among attributions of those claims that `user` sees (the public:
    approved ones). Each kind reads at most RANKED_CANDIDATES matches (CANDIDATE_ROWS rows) and
    ranks them; `counts` says how many it found and `more` which kinds have more than that. Each
    list holds at most LIMIT results with `snippet` (safe HTML, matches marked) set on each.
    """
    query = normalised(query)
    results = Results(query=query)
    words = terms(query)
    if not words:
        return results
    named = matching_actors(query)
    results.by_similarity = named.by_similarity
    postgres = connection.vendor == "postgresql"
    sq = SearchQuery(query, search_type="websearch", config=CONFIG) if postgres else None
    quotes = _by_quote(
        query,
        words,
        Attribution.objects.reviewed_for(user).filter(claim__in=claims),
        also=Q(speaker__in=named.ids),
    )
    if postgres:
        documents = Document.objects.alias(v=StoredVector()).filter(v=sq)
    else:
        documents = Document.objects.filter(_every(words, "title", "text"))
    # The quotes found are also the claims' matches by quote and by speaker (matching_claims):
    # one bounded read of them serves both.
    quote_rows, quote_ranks, quotes_cut = _read(quotes, sq, ("pk", "claim_id"), CANDIDATE_ROWS)
    by_text, claim_ranks, text_cut = _found(_by_text(query, words, claims), sq)
    claim_ids = [*by_text, *(claim_id for _, claim_id in quote_rows)]
    claims_cut = text_cut or quotes_cut
    if named.names:
        by_name, _, name_cut = _found(claims.filter(_names_condition("text", named)))
        claim_ids += by_name
        claims_cut = claims_cut or name_cut
    document_ids, document_ranks, documents_cut = _found(documents, sq)
    found = {
        "claims": _kept(claim_ids, cut=claims_cut),
        "quotes": _kept((pk for pk, _ in quote_rows), cut=quotes_cut),
        "documents": (document_ids, documents_cut),
    }
    results.counts = {kind: len(ids) for kind, (ids, _) in found.items()}
    results.counts["actors"] = len(named.ids)
    results.more = {kind for kind, (_, more) in found.items() if more}
    text_matches = set(by_text)

    pattern = term_pattern(words)
    # In claims and quotes, the names of the actors found are marked too ("IS-K" for ISKP).
    named_pattern = term_pattern(
        [*words, *(n for names in named.names.values() for n in names if len(n) >= MIN_NAME)]
    )
    # Claims whose text matches, best first; then those found by a quote, a speaker or a name
    # in their text, in the order found (their text does not match: a rank would say nothing).
    by_rank = [pk for pk in found["claims"][0] if pk in text_matches]
    ranked = _best_first(Claim, by_rank, claim_ranks, sq, ("-updated_at", "pk"))
    rest = [pk for pk in found["claims"][0] if pk not in text_matches][: LIMIT - len(ranked)]
    results.claims = _first(Claim, [*ranked, *rest], lambda rows: rows.select_related("event"))
    for c in results.claims:
        c.snippet = mark_terms(c.text, named_pattern)
    results.quotes = evidence.label(
        _first(
            Attribution,
            _best_first(Attribution, found["quotes"][0], quote_ranks, sq, ("pk",)),
            lambda rows: rows.select_related("claim", "speaker", "via", "document__outlet").defer(
                "document__text"
            ),
        )
    )
    for a in results.quotes:
        a.snippet = mark_terms(a.quote, named_pattern, around=160)
    results.documents = _first(
        Document,
        _best_first(Document, document_ids, document_ranks, sq, ("-published", "pk")),
        lambda rows: rows.select_related("outlet"),
    )
    for d in results.documents:
        d.title_html = mark_terms(d.title, pattern)
        d.snippet = mark_terms(d.text, pattern, around=120)
    actors = Actor.objects.filter(pk__in=named.ids).order_by("name", "pk")
    results.actors = list(actors.prefetch_related("aliases")[:LIMIT])
    for actor in results.actors:
        actor.name_html = mark_terms(actor.name, pattern)
        actor.aliases_html = [mark_terms(alias.name, pattern) for alias in actor.aliases.all()]
    return results
