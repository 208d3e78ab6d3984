"""Every write endpoint of every resource, end to end: POST, PUT, PATCH and DELETE with If-Match.

CI runs the suite on PostgreSQL and on SQLite, so each write is proven on both databases.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.api_helpers)

import pytest

from tests.api_helpers import _generous_throttles, reviewer, token_client, world  # noqa: F401

URL = "/api/v1/"

pytestmark = pytest.mark.django_db


def _bodies(world) -> dict[str, tuple[dict, dict]]:
    """Per resource: a full body to create (and PUT back), and a partial change for PATCH."""
    return {
        "outlets": ({"name": "New outlet", "kind": "newspaper"}, {"country": "Qatar"}),
        "documents": (
            {
                "title": "A new report",
                "outlet": world["outlet_a"].pk,
                "text": "Twelve people were killed on Monday, the police said.",
            },
            {"byline": "A reporter"},
        ),
        "actors": ({"name": "New speaker", "kind": "person"}, {"description": "A spokesman."}),
        "events": ({"name": "New bombing", "date": "2021-09-01"}, {"place": "Kabul"}),
        "claims": (
            {"text": "The new bombing killed N people", "event": world["event"].pk},
            {"text": "The new bombing killed N civilians"},
        ),
        "attributions": (
            {
                "claim": world["toll"].pk,
                "document": world["doc_a"].pk,
                "quote": "On Friday a bomb exploded near the gate",
                "voice": "own",
                "stance": "supports",
            },
            {"note": "Checked against the stored text."},
        ),
        "figures": (
            {
                "attribution": world["own"].pk,
                "measure": "wounded",
                "qualifier": "approximately",
                "value": 100,
                "text": "Around 100 people were wounded",
            },
            {"value": 120},
        ),
    }


@pytest.mark.parametrize(
    "resource",
    ["outlets", "documents", "actors", "events", "claims", "attributions", "figures"],
)
def test_every_write_of_a_resource_works(reviewer, world, resource):
    client = token_client(reviewer)
    body, change = _bodies(world)[resource]

    created = client.post(URL + f"{resource}/", body, format="json")
    assert created.status_code == 201, created.content
    record = created.json()
    detail = URL + f"{resource}/{record['id']}/"
    assert created["ETag"] == f'"{record["version"]}"'

    put = client.put(detail, body, format="json", HTTP_IF_MATCH=created["ETag"])
    assert put.status_code == 200, put.content
    assert put.json()["version"] == record["version"] + 1

    patched = client.patch(detail, change, format="json", HTTP_IF_MATCH=put["ETag"])
    assert patched.status_code == 200, patched.content
    for name, value in change.items():
        assert patched.json()[name] == value
    assert client.get(detail).json()["version"] == record["version"] + 2

    stale = client.delete(detail, HTTP_IF_MATCH=created["ETag"])
    assert stale.status_code == 412
    deleted = client.delete(detail, HTTP_IF_MATCH=patched["ETag"])
    assert deleted.status_code == 204, deleted.content
    assert client.get(detail).status_code == 404
