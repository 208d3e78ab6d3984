"""Where each claim first appeared: on the seed corpus, on the claim page, in the API and in
ClaimReview. The page and the API call the same function (claims.appearance)."""

import datetime
import json

import pytest
from rest_framework.test import APIClient

from claims.models import Claim
from tests.factories import (
    ActorFactory,
    AttributionFactory,
    ClaimFactory,
    DocumentFactory,
    OutletFactory,
)

pytestmark = pytest.mark.django_db

SEED_000 = " date 2021-08-27"


@pytest.fixture
def seeded(seeded_module):
    """The seed corpus, loaded once for this module (see tests/conftest.py)."""


def api_first(slug: str) -> dict:
    claim = Claim.objects.get(slug=slug)
    return APIClient().get(f"/api/v1/claims/{claim.pk}/").json()["first_appearance"]


def test_isk_taliban_links_claim_is_first_reported_on_2021_08_27_in_seed_000(seeded):
    first = api_first("isk-linked-to-taliban-and-haqqani")
    assert first["date"] == "2021-08-27"
    claim = Claim.objects.get(slug="isk-linked-to-taliban-and-haqqani")
    document = claim.attributions.get(pk=first["attribution"]).document
    assert document.text.startswith(SEED_000)
    assert first["document"]["id"] == document.pk


def test_kabul_airport_toll_first_appears_in_seed_000(seeded):
    first = api_first("kabul-airport-bombing-death-toll")
    claim = Claim.objects.get(slug="kabul-airport-bombing-death-toll")
    assert claim.attributions.get(pk=first["attribution"]).document.text.startswith(SEED_000)
    assert first["date"] == "2021-08-27"
    assert (first["outlets"], first["origins"]) == (2, 2)


@pytest.fixture
def repeated():
    """A claim first said by a speaker before any document, then repeated by three outlets, two
    of which copy the same original."""
    claim = ClaimFactory(text="The group carried out the bombing")
    wire = OutletFactory(name="Wire")
    original = DocumentFactory(outlet=wire, published=datetime.date(2021, 8, 28))
    copy = DocumentFactory(derived_from=original, published=datetime.date(2021, 8, 29))
    other = DocumentFactory(published=datetime.date(2021, 8, 27))
    speaker = ActorFactory(name="A spokesman")
    AttributionFactory(claim=claim, document=other)
    first = AttributionFactory(
        claim=claim,
        document=original,
        speaker=speaker,
        voice="quoted",
        stated_on=datetime.date(2021, 8, 26),
    )
    AttributionFactory(claim=claim, document=copy)
    return claim, first


def test_first_appearance_prefers_the_speakers_date_to_the_documents(repeated):
    claim, first = repeated
    data = APIClient().get(f"/api/v1/claims/{claim.pk}/").json()["first_appearance"]
    assert data == {
        "attribution": first.pk,
        "date": "2021-08-26",
        "origin": "Wire",
        "speaker": "A spokesman",
        "document": {
            "id": first.document.pk,
            "title": first.document.title,
            "published": "2021-08-28",
            "outlet": {"id": first.document.outlet.pk, "name": "Wire"},
        },
        "outlets": 3,
        "origins": 2,
    }


def test_claim_page_says_who_first_reported_it_and_how_widely(client, repeated):
    claim, _ = repeated
    html = " ".join(client.get(claim.get_absolute_url()).content.decode().split())
    assert (
        "First reported by <strong>Wire</strong> on 2021-08-26 (A spokesman), in" in html
    ) and "repeated by 3 outlets from 2 origins." in html


def test_claimreview_has_the_first_appearance(repeated):
    claim, first = repeated
    body = json.loads(APIClient().get(f"/api/v1/claims/{claim.pk}/claimreview/").content)
    assert body["itemReviewed"]["firstAppearance"] == {
        "@type": "CreativeWork",
        "url": f"http://testserver{first.document.get_absolute_url()}",
        "headline": first.document.title,
        "publisher": {"@type": "Organization", "name": "Wire"},
        "datePublished": "2021-08-26",
        "author": {"@type": "Thing", "name": "A spokesman"},
    }


def test_a_claim_without_attributions_has_no_first_appearance():
    claim = ClaimFactory()
    assert APIClient().get(f"/api/v1/claims/{claim.pk}/").json()["first_appearance"] is None
