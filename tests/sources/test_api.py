"""The sources API: outlets, documents and actors, read by anyone, written with permissions."""

# ruff: noqa: F811  (pytest fixtures imported from tests.api_helpers)

import datetime

import pytest

from sources.models import Document, Outlet
from tests import factories
from tests.api_helpers import (  # noqa: F401  (fixtures)
    _generous_throttles,
    anon,
    editor,
    ids,
    token_client,
    world,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/"


def test_outlet_by_id_and_slug(anon, world):
    outlet = world["outlet_a"]
    by_id = anon.get(URL + f"outlets/{outlet.pk}/")
    assert by_id.status_code == 200
    assert by_id.json() == anon.get(URL + "outlets/daily-a/").json()
    assert by_id["ETag"].startswith(f'"{outlet.version}-')
    body = by_id.json()
    assert body == {
        "id": outlet.pk,
        "slug": "daily-a",
        "name": "Daily A",
        "kind": "newspaper",
        "country": "",
        "domain": "",
        "notes": "",
        "version": outlet.version,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }


def test_outlet_filters(anon, world):
    assert ids(anon.get(URL + "outlets/?q=wire")) == [world["outlet_b"].pk]
    response = anon.get(URL + "outlets/?kind=tabloid")
    assert response.status_code == 400
    assert "kind" in response.json()


def test_document_list_is_compact_and_detail_has_text_and_origin(anon, world):
    doc = world["doc_b"]
    row = next(r for r in anon.get(URL + "documents/").json()["results"] if r["id"] == doc.pk)
    assert "text" not in row
    assert row["outlet"] == {"id": world["outlet_b"].pk, "name": "Wire B"}
    detail = anon.get(URL + f"documents/{doc.pk}/").json()
    assert detail["text"] == doc.text
    assert detail["origin"] == {"kind": "outlet", "id": world["outlet_b"].pk, "label": "Wire B"}


def test_document_origin_follows_the_copy_chain(anon, world):
    copy = factories.DocumentFactory(outlet=None, derived_from=world["doc_a"])
    detail = anon.get(URL + f"documents/{copy.pk}/").json()
    assert detail["origin"]["label"] == "Daily A"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("outlet=daily-a", {"doc_a"}),
        ("published_after=2021-08-28", {"doc_b"}),
        ("published_before=2021-08-28", {"doc_a"}),
        ("derived=false", {"doc_a", "doc_b"}),
        ("derived=true", set()),
    ],
)
def test_document_filters(anon, world, query, expected):
    response = anon.get(URL + f"documents/?{query}")
    assert response.status_code == 200
    assert set(ids(response)) == {world[name].pk for name in expected}


def test_document_filter_by_outlet_id_and_derived(anon, world):
    copy = factories.DocumentFactory(outlet=None, origin_outlet=world["outlet_b"])
    assert ids(anon.get(URL + "documents/?derived=true")) == [copy.pk]
    assert ids(anon.get(URL + f"documents/?outlet={world['outlet_a'].pk}")) == [world["doc_a"].pk]


@pytest.mark.parametrize("query", ["published_after=soon", "derived=perhaps"])
def test_invalid_document_filters_are_400(anon, world, query):
    response = anon.get(URL + f"documents/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


def test_actor_by_alias_and_detail(anon, world):
    group = world["group"]
    assert ids(anon.get(URL + "actors/?name=iskp")) == [group.pk]
    body = anon.get(URL + "actors/is-k/").json()
    assert body["aliases"] == ["ISKP"]
    assert body["affiliation"] is None


def test_editor_creates_an_outlet_with_a_token(editor, db):
    response = token_client(editor).post(
        URL + "outlets/", {"name": "Bakhtar News Agency", "kind": "state_media"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["slug"] == "bakhtar-news-agency"
    assert response["ETag"] == '"1"'


def test_duplicate_outlet_name_is_409_naming_the_outlet(editor, world):
    response = token_client(editor).post(URL + "outlets/", {"name": "Daily A"}, format="json")
    assert response.status_code == 409
    outlet = world["outlet_a"]
    assert response.json() == {
        "detail": f"Another outlet already has this name: id {outlet.pk} (daily-a)."
    }


def test_editor_creates_a_document_and_a_duplicate_text_is_refused(editor, world):
    client = token_client(editor)
    payload = {
        "title": "New report",
        "outlet": world["outlet_a"].pk,
        "published": "2021-09-01",
        "text": "An entirely new text about the attack.",
    }
    assert client.post(URL + "documents/", payload, format="json").status_code == 201
    again = client.post(URL + "documents/", payload, format="json")
    assert again.status_code == 409
    first = Document.objects.get(title="New report")
    assert again.json()["detail"].startswith("Another document already has this ")
    assert f"id {first.pk} " in again.json()["detail"]
    assert Document.objects.filter(title="New report").count() == 1


def test_document_date_before_an_attribution_date_is_400(editor, world):
    doc = world["doc_b"]  # holds an attribution stated on 2021-08-28
    response = token_client(editor).patch(
        URL + f"documents/{doc.pk}/",
        {"published": "2021-08-01"},
        format="json",
        HTTP_IF_MATCH=f'"{doc.version}"',
    )
    assert response.status_code == 400
    assert "published" in response.json()
    doc.refresh_from_db()
    assert doc.published == datetime.date(2021, 8, 29)


def test_actor_unknown_affiliation_is_400(editor, world):
    response = token_client(editor).post(
        URL + "actors/", {"name": "Someone", "affiliation": 999999}, format="json"
    )
    assert response.status_code == 400
    assert "affiliation" in response.json()


def test_outlet_update_needs_if_match(editor, world):
    outlet = world["outlet_a"]
    client = token_client(editor)
    url = URL + f"outlets/{outlet.slug}/"
    assert client.patch(url, {"country": "UK"}, format="json").status_code == 428
    assert (
        client.patch(url, {"country": "UK"}, format="json", HTTP_IF_MATCH='"99"').status_code == 412
    )
    ok = client.patch(url, {"country": "UK"}, format="json", HTTP_IF_MATCH=f'"{outlet.version}"')
    assert ok.status_code == 200
    assert Outlet.objects.get(pk=outlet.pk).country == "UK"


def test_csv_escapes_formula_cells(anon, db):
    factories.OutletFactory(name="+cmd|' /C calc'!A0", slug="evil", notes="@SUM(1+1)")
    text = b"".join(anon.get(URL + "outlets/?format=csv").streaming_content).decode()
    assert "'+cmd" in text
    assert "'@SUM" in text


@pytest.mark.parametrize("resource", ["outlets", "documents", "actors"])
def test_list_query_counts_are_pinned(anon, world, django_assert_num_queries, resource):
    # The ETag (api.viewsets.page_version): 1 count, 1 the page's ids, 1 aggregate over those
    # rows, and for actors 1 over their aliases; then 1 page (the count is not read again), and
    # for actors 1 for their aliases. The throttles count in the cache.
    with django_assert_num_queries(6 if resource == "actors" else 4):
        assert anon.get(URL + f"{resource}/").status_code == 200
