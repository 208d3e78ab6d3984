"""What an address key names (api.filters.lookup), read the same way by the pages, the API and
the versions of their ETags."""

import pytest

from api.filters import MAX_ID, lookup
from claims import versions
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("key", "slug_field", "expected"),
    [
        ("42", "slug", {"pk": 42}),
        (42, "slug", {"pk": 42}),
        (str(MAX_ID), "slug", {"pk": MAX_ID}),
        (str(MAX_ID + 1), "slug", None),  # digits past the largest id name nothing
        ("kabul-airport", "slug", {"slug": "kabul-airport"}),
        ("kabul-airport", None, None),  # a model without slugs
        ("١٢٣", "slug", {"slug": "١٢٣"}),  # Arabic-Indic digits are not an id
        ("42", None, {"pk": 42}),
    ],
)
def test_a_key_names_an_id_a_slug_or_nothing(key, slug_field, expected):
    assert lookup(key, slug_field) == expected


@pytest.mark.parametrize("key", ["١", str(MAX_ID + 1), "0", "no-such-claim"])
def test_pages_api_and_etags_agree_on_a_key_that_names_nothing(client, key):
    factories.ClaimFactory(slug="some-claim", pk=1)  # "١" must never read as id 1
    assert client.get(f"/claims/{key}/").status_code == 404
    assert client.get(f"/api/v1/claims/{key}/").status_code == 404
    assert versions.claim(None, key) is None


def test_pages_api_and_etags_agree_on_an_id_and_a_slug(client):
    claim = factories.ClaimFactory(slug="the-claim")
    for key in (str(claim.pk), claim.slug):
        page, api = client.get(f"/claims/{key}/"), client.get(f"/api/v1/claims/{key}/")
        assert page.status_code == api.status_code == 200
        version = versions.claim(None, key)
        assert version is not None and version.record_version == claim.version
