"""Unique values under concurrent and repeated creates: one 201, the rest 400 or 409, never 500."""

# ruff: noqa: F811  (pytest fixtures imported from tests.api_helpers)

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from sources.models import Actor, Outlet
from tests import factories
from tests.api_helpers import (  # noqa: F401  (fixtures)
    _generous_throttles,
    editor,
    token_client,
)

URL = "/api/v1/"
ROUNDS = 30
WRITERS = 4


def _bodies(n: int) -> dict[str, dict]:
    """One body per resource; every writer of round `n` sends the same unique value."""
    return {
        "outlets": {"name": f"Race outlet {n}", "slug": f"race-outlet-{n}"},
        "actors": {"name": f"Race actor {n}", "slug": f"race-actor-{n}"},
        "claims": {"text": f"Race claim {n}", "slug": f"race-claim-{n}"},
        "events": {"name": f"Race event {n}", "slug": f"race-event-{n}"},
        "documents": {
            "title": f"Race {n}",
            "url": f"https://example.org/race/{n}",
            "text": f"T {n}",
        },
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("resource", ["outlets", "actors", "claims", "events", "documents"])
def test_concurrent_creates_of_one_unique_value_give_one_201(editor, resource):
    token_client(editor)  # the token exists before the threads start
    for n in range(ROUNDS):
        body = _bodies(n)[resource]
        barrier = threading.Barrier(WRITERS)

        def create(_, body=body, barrier=barrier):
            try:
                client = token_client(editor)
                barrier.wait()
                return client.post(URL + f"{resource}/", body, format="json")
            finally:
                connections.close_all()

        with ThreadPoolExecutor(max_workers=WRITERS) as pool:
            responses = list(pool.map(create, range(WRITERS)))
        codes = sorted(r.status_code for r in responses)
        assert codes[0] == 201 and codes.count(201) == 1, (n, codes)
        assert set(codes[1:]) <= {400, 409}, (n, [r.content for r in responses])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_of_one_name_all_get_a_slug(editor):
    """Actor names need not be unique: racing creates of one name each get a free slug."""
    token_client(editor)
    for n in range(10):
        barrier = threading.Barrier(WRITERS)

        def create(_, name=f"Taliban {n}", barrier=barrier):
            try:
                client = token_client(editor)
                barrier.wait()
                return client.post(URL + "actors/", {"name": name}, format="json")
            finally:
                connections.close_all()

        with ThreadPoolExecutor(max_workers=WRITERS) as pool:
            codes = [r.status_code for r in pool.map(create, range(WRITERS))]
        assert codes == [201] * WRITERS, (n, codes)
        slugs = Actor.objects.filter(name=f"Taliban {n}").values_list("slug", flat=True)
        assert sorted(slugs) == sorted(
            [f"taliban-{n}", *(f"taliban-{n}-{k}" for k in range(2, WRITERS + 1))]
        )


@pytest.mark.django_db
def test_second_outlet_with_the_same_slug_is_409_naming_the_first(editor):
    client = token_client(editor)
    assert (
        client.post(URL + "outlets/", {"name": "A", "slug": "a"}, format="json").status_code == 201
    )
    response = client.post(URL + "outlets/", {"name": "B", "slug": "a"}, format="json")
    assert response.status_code == 409
    existing = Outlet.objects.get(slug="a")
    assert response.json() == {
        "detail": f"Another outlet already has this slug: id {existing.pk} (a)."
    }


@pytest.mark.django_db
@pytest.mark.parametrize("resource", ["actors", "events", "outlets"])
def test_names_with_one_slug_get_a_suffixed_slug(editor, resource):
    client = token_client(editor)
    first = client.post(URL + f"{resource}/", {"name": "Taliban"}, format="json")
    second = client.post(URL + f"{resource}/", {"name": "Taliban!"}, format="json")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["slug"] == f"{first.json()['slug']}-2"


@pytest.mark.django_db
def test_an_arabic_name_posted_gets_a_slug_and_its_page(editor, client):
    api = token_client(editor)
    response = api.post(URL + "actors/", {"name": "طالبان"}, format="json")
    assert response.status_code == 201
    slug = response.json()["slug"]
    assert slug == "tlbn"
    again = api.post(URL + "actors/", {"name": "طالبان"}, format="json")
    assert again.status_code == 201 and again.json()["slug"] == "tlbn-2"
    assert client.get(Actor.objects.get(slug=slug).get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_duplicate_document_text_or_url_is_refused_not_500(editor):
    client = token_client(editor)
    outlet = factories.OutletFactory()
    body = {"title": "One", "outlet": outlet.pk, "url": "https://example.org/a", "text": "Words."}
    assert client.post(URL + "documents/", body, format="json").status_code == 201
    same_url = client.post(URL + "documents/", {**body, "text": "Other words."}, format="json")
    same_text = client.post(
        URL + "documents/", {**body, "url": "https://example.org/b"}, format="json"
    )
    assert same_url.status_code == 409 and "this url" in same_url.json()["detail"]
    assert same_text.status_code == 409


@pytest.mark.django_db
def test_a_unique_value_taken_after_validation_is_a_409_naming_the_record(editor, monkeypatch):
    """The race window, made deterministic: validation passes, then another writer inserts."""
    client = token_client(editor)
    real_full_clean = Outlet.full_clean
    rival = []

    def full_clean_then_lose_the_race(self, *args, **kwargs):
        real_full_clean(self, *args, **kwargs)
        rival.append(Outlet.objects.create(name="Wire", slug="wire"))

    monkeypatch.setattr(Outlet, "full_clean", full_clean_then_lose_the_race)
    response = client.post(URL + "outlets/", {"name": "Wire", "slug": "wire"}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"Another outlet already has this name: id {rival[0].pk} (wire)."
    }
    # The refused write saved nothing. (The rival, simulated inside this request's transaction,
    # which the write shares with its change-feed entry, is rolled back with it.)
    assert not Outlet.objects.exclude(pk=rival[0].pk).exists()
