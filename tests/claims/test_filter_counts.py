"""A claim list's count (ClaimFilter.count) is how many claims it lists, whoever reads it.

Narrowed by evidence alone, the list is counted from the matching attributions, less those of
claims hidden from the reader (Claim.objects.hidden_from): these tests pin that count to the rows
the list holds for every kind of reader, through unpublished claims, pending attributions and
pending deletions, and claims matched by several attributions.
"""

from datetime import date

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims.filters import ClaimFilter
from claims.models import Attribution, Claim
from tests import factories
from tests.api_helpers import _generous_throttles  # noqa: F401  (fixture)
from tests.claims.test_visibility import READERS, make_reader

pytestmark = pytest.mark.django_db

IN_RANGE, OUT_OF_RANGE = date(2021, 8, 27), date(2019, 3, 1)


def _attribution(claim, on: date, review: str = "approved", **kwargs):
    return factories.AttributionFactory(
        claim=claim, document=factories.DocumentFactory(published=on), review=review, **kwargs
    )


@pytest.fixture
def evidence():
    """Claims told apart by who may see them and by the dates of their attributions."""
    speaker = factories.ActorFactory(name="Zabihullah Mujahid")
    published = [factories.ClaimFactory() for _ in range(4)]
    _attribution(published[0], IN_RANGE)
    _attribution(published[0], IN_RANGE, voice="quoted", speaker=speaker)  # counted once
    _attribution(published[1], OUT_OF_RANGE, voice="quoted", speaker=speaker)
    _attribution(published[2], IN_RANGE, review="pending")  # the public does not see it
    _attribution(published[3], IN_RANGE, review="pending_deletion")  # public until approved
    for publication in ("draft", "in_review"):
        hidden = factories.ClaimFactory(publication=publication)
        _attribution(hidden, IN_RANGE, voice="quoted", speaker=speaker)
    return speaker


def _filter(params: dict, user) -> ClaimFilter:
    request = RequestFactory().get("/claims/", params)
    request.user = user
    return ClaimFilter(request.GET, queryset=Claim.objects.visible_to(user), request=request)


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize(
    "params",
    [
        {"date_after": "2021-01-01", "date_before": "2021-12-31"},
        {"date_after": "2021-08-27"},
        {"date_before": "2020-01-01"},
        {"speaker": "Zabihullah Mujahid"},
        {"speaker": "Zabihullah Mujahid", "date_after": "2021-01-01"},
        {"voice": "own", "stance": "supports"},
        {"speaker": "Zabihullah Mujahid", "status": "reported"},  # on the claims too
        {},
    ],
)
def test_the_count_is_how_many_claims_the_list_holds(evidence, reader, params):
    user = make_reader(reader)
    filterset = _filter(params, user)
    assert filterset.is_valid(), filterset.errors
    assert filterset.count() == filterset.qs.count() == len(set(filterset.qs))


def test_hidden_claims_and_unapproved_evidence_are_not_counted(evidence):
    year = {"date_after": "2021-01-01", "date_before": "2021-12-31"}
    # The public: the published claim with two approved attributions in range (once), and the
    # one whose attribution waits for its deletion to be approved.
    assert _filter(year, make_reader("anonymous")).count() == 2
    # A reader who sees drafts: also the pending attribution's claim and both hidden claims.
    assert _filter(year, make_reader("view-claim permission")).count() == 5
    assert Attribution.objects.filter(review="pending").exists()


def test_the_api_and_the_page_say_the_same_count_from_the_evidence(client, evidence):
    url = "?date_after=2021-01-01&date_before=2021-12-31"
    for path in ("/api/v1/claims/", "/claims/"):
        with CaptureQueriesContext(connection) as queries:
            response = (APIClient() if path.startswith("/api") else client).get(path + url)
        count = response.json()["count"] if path.startswith("/api") else None
        count = count if count is not None else response.context["page"].paginator.count
        assert count == 2, path
        # Counted from the attributions (ClaimFilter.count), not by joining the claims.
        counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
        assert any('COUNT(DISTINCT "claims_attribution"."claim_id")' in q for q in counts), path


@pytest.mark.parametrize("reader", READERS)
def test_hidden_from_is_every_claim_visible_to_does_not_show(reader):
    for publication in Claim.Publication.values:
        factories.ClaimFactory(publication=publication)
    user = make_reader(reader)
    visible = set(Claim.objects.visible_to(user).values_list("pk", flat=True))
    hidden = set(Claim.objects.hidden_from(user).values_list("pk", flat=True))
    assert not visible & hidden
    assert visible | hidden == set(Claim.objects.values_list("pk", flat=True))
    assert bool(hidden) == (not READERS[reader])
