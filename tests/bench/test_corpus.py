import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.db.models.functions import Lower

from bench import corpus
from claims.models import Attribution, Claim, Event, Figure
from claims.services import refresh_status
from sources.models import Actor, ActorAlias, Document, Outlet

TINY = 0.002


@pytest.fixture
def generated(db):
    call_command("generate_corpus", scale=TINY, stdout=io.StringIO())
    return corpus.counts_for(TINY)


def test_generation_is_deterministic():
    a, b = corpus.generate(TINY), corpus.generate(TINY)
    assert a.documents == b.documents
    assert a.attributions == b.attributions
    assert a.figures == b.figures
    assert a.claims == b.claims


def test_counts_follow_the_scale(generated):
    assert Outlet.objects.count() == generated["outlets"]
    assert Actor.objects.count() == generated["actors"]
    assert Event.objects.count() == generated["events"]
    assert Document.objects.count() == generated["documents"]
    assert Claim.objects.count() == generated["claims"]
    # Attributions and figures are drawn at random around their targets.
    assert Attribution.objects.count() == pytest.approx(generated["attributions"], rel=0.35)
    assert Figure.objects.count() == pytest.approx(generated["figures"], rel=0.35)


def test_every_quote_is_an_exact_slice_of_its_document(generated):
    for quote, start, end, text in Attribution.objects.values_list(
        "quote", "quote_start", "quote_end", "document__text"
    ):
        assert quote and text[start:end] == quote


def test_documents_are_two_to_eight_kilobytes(generated):
    lengths = [len(t) for t in Document.objects.values_list("text", flat=True)]
    assert min(lengths) >= 2_000 and max(lengths) <= 8_200


def test_aliases_are_unique_ignoring_case_and_actors_have_one_to_four(generated):
    names = list(ActorAlias.objects.annotate(n=Lower("name")).values_list("n", flat=True))
    assert len(names) == len(set(names))
    per_actor = Actor.objects.annotate(n=Count("aliases")).values_list("n", flat=True)
    assert set(per_actor) <= {1, 2, 3, 4}


def test_hot_claims_have_many_attributions(generated):
    busiest = Claim.objects.annotate(n=Count("attributions")).order_by("-n").first()
    assert busiest.n >= 55


def test_figure_bounds_come_from_the_interval_rules(generated):
    for figure in Figure.objects.all()[:200]:
        bounds = figure.interval()
        assert figure.low == bounds.low
        assert figure.high == (None if bounds.open_ended else bounds.high)


def test_statuses_match_what_refresh_status_derives(generated):
    stored = {pk: (s, r) for pk, s, r in Claim.objects.values_list("pk", "status", "status_reason")}
    assert len({s for s, _ in stored.values()}) >= 4  # a mix of statuses
    for claim in Claim.objects.all():
        refresh_status(claim)
    refreshed = Claim.objects.values_list("pk", "status", "status_reason")
    assert {pk: s for pk, s, _ in refreshed} == {pk: s for pk, (s, _) in stored.items()}
    # Reasons too, but for the order of diverging figure pairs (the database sorts by collation).
    same = sum(stored[pk][1] == r for pk, _, r in refreshed)
    assert same >= 0.9 * len(stored)


def test_a_second_run_is_refused_without_flush(generated):
    with pytest.raises(CommandError, match="already"):
        call_command("generate_corpus", scale=TINY)
