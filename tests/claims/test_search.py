"""Search by an actor's alias and by a misspelled name, results counted per group, on the seed
corpus; the same rule in the API's `q`."""

import pytest
from django.test import Client

from claims.models import Attribution, Claim
from claims.search import LIMIT, matching_actors, matching_claims, search
from sources.models import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(seeded_module):
    """The seed corpus, loaded once for this module (see tests/conftest.py)."""


def _isk_claims() -> set[int]:
    """Claims attributed to IS-K or naming it, by name or alias: computed independently."""
    isk = Actor.objects.get(slug="islamic-state-khorasan-province")
    names = [isk.name, *isk.aliases.values_list("name", flat=True)]
    spoken = set(Attribution.objects.filter(speaker=isk).values_list("claim_id", flat=True))
    named = {c.pk for c in Claim.objects.all() if any(n.lower() in c.text.lower() for n in names)}
    return spoken | named


def test_an_alias_finds_the_actors_claims_and_quotes(seeded):
    isk = Actor.objects.get(slug="islamic-state-khorasan-province")
    results = search("ISKP", Claim.objects.all())
    expected = _isk_claims()
    assert len(expected) >= 15
    assert results.counts["claims"] == len(expected)
    assert {c.pk for c in matching_claims("ISKP", Claim.objects.all())} == expected
    assert [a.pk for a in results.actors] == [isk.pk]
    spoken = Attribution.objects.filter(speaker=isk)
    assert spoken.exists()
    assert results.counts["quotes"] >= spoken.count()
    assert {a.pk for a in spoken} <= {a.pk for a in results.quotes} or results.counts[
        "quotes"
    ] > len(results.quotes)


def test_search_page_counts_each_group_and_marks_the_actors_names(client, seeded):
    body = client.get("/search/?q=ISKP").content.decode()
    count = len(_isk_claims())
    assert f"Claims ({count})" in body
    assert "<mark>IS-K</mark>" in body
    assert f"{count} claims," in body


def test_a_misspelled_name_finds_the_actor_and_its_claims(client, seeded):
    haqqani = Actor.objects.get(name="Haqqani network")
    found = matching_actors("Hakkani")
    assert found.by_similarity
    assert haqqani.pk in found.ids
    claims = set(matching_claims("Hakkani", Claim.objects.all()).values_list("pk", flat=True))
    assert claims and claims == set(
        matching_claims("Haqqani", Claim.objects.all()).values_list("pk", flat=True)
    )
    body = client.get("/search/?q=Hakkani").content.decode()
    assert haqqani.get_absolute_url() in body
    assert "spelled similarly" in body


def test_a_quoted_phrase_is_searched_as_written_not_as_a_misspelled_name(seeded):
    # Unquoted, "Hakkani" is taken for a misspelling of Haqqani; quoted, the reader asks for
    # those very words, which no name or alias holds.
    assert matching_actors("Hakkani").ids
    quoted = matching_actors('"Hakkani"')
    assert not quoted.ids and not quoted.by_similarity
    # A quoted name that is written as it is still finds its actor.
    assert Actor.objects.get(name="Haqqani network").pk in matching_actors('"Haqqani"').ids


def test_search_ranks_its_candidates_and_shows_the_first(seeded):
    # The candidates are ranked under one array condition (sources.models.one_of), however
    # many they are; every quote shown is one of them, as many as the page holds.
    results = search("said", Claim.objects.all())
    matching = {a.pk for a in Attribution.objects.all() if "said" in a.quote.lower()}
    shown = [a.pk for a in results.quotes]
    assert shown and set(shown) <= matching
    assert len(shown) == min(LIMIT, results.counts["quotes"])


def test_a_correct_spelling_is_not_called_similar(seeded):
    found = matching_actors("Haqqani")
    assert not found.by_similarity
    assert Actor.objects.get(name="Haqqani network").pk in found.ids


def test_nonsense_finds_no_actor_and_no_claim(seeded):
    assert not matching_actors("Zqxwv").ids
    assert not matching_claims("Zqxwv", Claim.objects.all()).exists()


def test_api_q_uses_the_alias_and_misspelling_rule(seeded):
    api = Client()
    for query in ("ISKP", "Hakkani"):
        ids: set[int] = set()
        url = f"/api/v1/claims/?q={query}&page_size=100"
        while url:
            page = api.get(url).json()
            ids |= {row["id"] for row in page["results"]}
            url = page["next"]
        assert ids == set(matching_claims(query, Claim.objects.all()).values_list("pk", flat=True))


@pytest.mark.postgres
def test_postgres_trigram_forgives_a_misspelled_alias_and_name(seeded):
    assert Actor.objects.get(slug="amrullah-saleh").pk in matching_actors("Amrulah Saleh").ids
    assert Actor.objects.get(name="Haqqani network").pk in matching_actors("Hakkani").ids


@pytest.mark.postgres
@pytest.mark.parametrize("query", ["Taliban", "killed", "airport attack"])
def test_postgres_shows_each_kind_best_ranked_first_then_by_id(seeded, query):
    # The ranks are read with the matches (claims.search._read); the order shown is the one
    # PostgreSQL gives ordering the same rows by ts_rank, then id.
    from django.contrib.postgres.search import SearchQuery
    from django.db.models import Q

    from claims.search import CONFIG, Rank, StoredVector
    from sources.models import Document

    sq = SearchQuery(query, search_type="websearch", config=CONFIG)
    results = search(query, Claim.objects.all())

    def best(queryset, also=None):
        found = queryset.alias(v=StoredVector()).filter(Q(v=sq) | (also or Q(pk__in=[])))
        ranked = found.annotate(rank=Rank(StoredVector(), sq)).order_by("-rank", "pk")
        return list(ranked.values_list("pk", flat=True)[:LIMIT])

    assert results.documents and results.quotes, query
    assert [d.pk for d in results.documents] == best(Document.objects.all())
    spoken = Q(speaker__in=matching_actors(query).ids)
    assert [a.pk for a in results.quotes] == best(Attribution.objects.live(), spoken)
    by_text = best(Claim.objects.all())
    assert [c.pk for c in results.claims][: len(by_text)] == by_text


def test_each_kind_reads_a_bounded_number_of_matches_and_says_when_there_are_more(
    monkeypatch, client
):
    """A phrase found in 40,000 quotes reads at most RANKED_CANDIDATES matches of each kind
    (claims, quotes, documents); the counts are exact below it and say "N+" above it."""
    from claims import search as module
    from tests import factories

    monkeypatch.setattr(module, "RANKED_CANDIDATES", 3)
    monkeypatch.setattr(module, "CANDIDATE_ROWS", 9)
    for i in range(5):
        factories.AttributionFactory(
            claim__text=f"Convoy {i} was ambushed near the pass",
            document__text=f"Officials said the convoy was ambushed at dawn ({i}).",
            quote="the convoy was ambushed",
        )
    factories.AttributionFactory(
        claim__text="A quiet day at the border",
        document__text="Witnesses said nothing moved all day.",
        quote="nothing moved",
    )
    results = search("ambushed", Claim.objects.all())
    assert results.counts["claims"] == 3
    assert results.more >= {"claims", "quotes"}
    assert results.shown_counts["claims"] == "3+"
    assert len(results.claims) == 3
    few = search("quiet", Claim.objects.all())
    assert few.counts["claims"] == 1 and "claims" not in few.more
    assert few.shown_counts["claims"] == "1"
    page = client.get("/search/?q=ambushed").content.decode()
    assert "Claims (3+)" in page
