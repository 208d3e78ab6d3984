"""The change feed (claims.feed, /api/v1/changes/): a mirror built only from the feed equals the
public API after any sequence of writes, on SQLite and on PostgreSQL; cursors never skip an entry
committed late by a concurrent writer; the feed's queries do not grow with its page size."""

# ruff: noqa: F811  (pytest fixtures imported from tests.api_helpers)

import io
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims import feed, services
from claims.models import Attribution, Claim, PublicChange
from claims.seeds import load_seeds
from tests import factories
from tests.api_helpers import (  # noqa: F401  (fixtures)
    _generous_throttles,
    editor_permissions,
    grant,
    token_client,
    world,
)

API = "/api/v1/"
LISTS = {
    "outlet": "outlets/",
    "actor": "actors/",
    "document": "documents/",
    "event": "events/",
    "claim": "claims/",
    "attribution": "attributions/",
    "figure": "figures/",
}


def public_api() -> dict[tuple[str, int], dict]:
    """A full anonymous read of every list endpoint, all pages."""
    client, found = APIClient(), {}
    for name, path in LISTS.items():
        url = API + path + "?page_size=100"
        while url:
            page = client.get(url)
            assert page.status_code == 200, page.content
            body = page.json()
            for row in body["results"]:
                found[(name, row["id"])] = row
            url = body["next"]
    return found


def replay(after: int = 0, mirror: dict | None = None) -> tuple[dict, int]:
    """Follow /api/v1/changes/ from `after` into `mirror` (a new empty one by default)."""
    client = APIClient()
    mirror = {} if mirror is None else mirror
    url, last = API + f"changes/?after={after}&page_size=7", after
    while url:
        body = client.get(url).json()
        for change in body["results"]:
            assert change["seq"] > last
            last = change["seq"]
            key = (change["type"], change["id"])
            if change["action"] == "upsert":
                mirror[key] = change["record"]
            else:
                mirror.pop(key, None)
        url = body["next"]
    return mirror, last


def etag(client, path: str) -> str:
    return client.get(API + path).headers["ETag"]


def scripted_writes(world, editor, reviewer) -> None:
    """Creates, edits, deletions, publications, unpublications, approvals and rejections through
    the API."""
    doc_a, event = world["doc_a"], world["event"]
    # A new outlet, document and actor: public at once.
    outlet = editor.post(API + "outlets/", {"name": "Mirror Times"}, format="json").json()
    document = editor.post(
        API + "documents/",
        {
            "title": "Mirror report",
            "outlet": outlet["id"],
            "text": "The spokesman said eight people were hurt near the gate.",
        },
        format="json",
    )
    assert document.status_code == 201, document.content
    document = document.json()
    speaker = editor.post(API + "actors/", {"name": "Gate spokesman"}, format="json").json()
    # A draft claim with evidence: nothing public yet.
    claim = editor.post(
        API + "claims/",
        {"text": "Eight people were hurt at the gate", "event": event.pk},
        format="json",
    ).json()
    attribution = editor.post(
        API + "attributions/",
        {
            "claim": claim["id"],
            "document": document["id"],
            "speaker": speaker["id"],
            "voice": "quoted",
            "stance": "supports",
            "quote": "eight people were hurt near the gate",
        },
        format="json",
    )
    assert attribution.status_code == 201, attribution.content
    attribution = attribution.json()
    figure = editor.post(
        API + "figures/",
        {
            "attribution": attribution["id"],
            "measure": "wounded",
            "qualifier": "exact",
            "value": 8,
        },
        format="json",
    )
    assert figure.status_code == 201, figure.content
    figure = figure.json()
    # Published: the claim and the evidence drafted before appear together.
    for step in ("submit", "publish"):
        response = reviewer.post(API + f"claims/{claim['id']}/{step}/")
        assert response.status_code == 200, response.content
    # Edits of public records and of the names other records show.
    path = f"attributions/{attribution['id']}/"
    response = editor.patch(
        API + path, {"stance": "questions"}, format="json", HTTP_IF_MATCH=etag(editor, path)
    )
    assert response.status_code == 200, response.content
    for path, change in (
        (f"outlets/{doc_a.outlet_id}/", {"name": "Daily A (renamed)"}),
        (f"actors/{speaker['id']}/", {"name": "The gate spokesman"}),
        (f"events/{event.pk}/", {"name": "Airport bombing (renamed)"}),
        (f"claims/{claim['id']}/", {"text": "Eight people were wounded at the gate"}),
        (f"documents/{doc_a.pk}/", {"title": "Report A, corrected"}),
    ):
        response = editor.patch(API + path, change, format="json", HTTP_IF_MATCH=etag(editor, path))
        assert response.status_code == 200, (path, response.content)
    # Deletions: a figure, then a whole published claim with its evidence.
    path = f"figures/{world['fig_quoted'].pk}/"
    assert editor.delete(API + path, HTTP_IF_MATCH=etag(editor, path)).status_code == 204
    path = f"claims/{world['toll'].pk}/"
    assert editor.delete(API + path, HTTP_IF_MATCH=etag(editor, path)).status_code == 204
    # Unpublication withdraws the claim and its evidence; the old draft is published.
    response = reviewer.post(
        API + f"claims/{world['denial_claim'].pk}/unpublish/", {"reason": "Recheck"}, format="json"
    )
    assert response.status_code == 200, response.content
    for step in ("submit", "publish"):
        assert reviewer.post(API + f"claims/{world['draft'].pk}/{step}/").status_code == 200
    # Evidence added to a published claim; an unused actor deleted.
    response = editor.post(
        API + "attributions/",
        {
            "claim": world["draft"].pk,
            "document": document["id"],
            "voice": "hearsay",
            "stance": "neutral",
            "quote": "near the gate",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    added = response.json()["id"]
    # The spokesman quoted only on the deleted claim: no longer cited, deleted.
    path = f"actors/{world['official'].pk}/"
    assert editor.delete(API + path, HTTP_IF_MATCH=etag(editor, path)).status_code == 204
    # The gate figure's deletion proposed (its claim is published).
    path = f"figures/{figure['id']}/"
    assert editor.delete(API + path, HTTP_IF_MATCH=etag(editor, path)).status_code == 204
    # Evidence changes on published claims wait for review: nothing of them is public yet.
    assert replay()[0] == public_api()
    assert replay()[0][("attribution", attribution["id"])]["stance"] == "supports"
    assert ("attribution", added) not in replay()[0]
    # Review: the stance edit and the new quote approved, the figure's deletion rejected.
    edit = Attribution.objects.get(replaces_id=attribution["id"]).pk
    response = reviewer.post(
        API + "attributions/approve-many/", {"ids": [edit, added]}, format="json"
    )
    assert response.status_code == 200, response.content
    response = reviewer.post(
        API + f"figures/{figure['id']}/reject/",
        {"reason": "Still reported"},
        format="json",
    )
    assert response.status_code == 200, response.content


@pytest.fixture
def clients():
    editor = grant(factories.UserFactory(is_staff=True), *editor_permissions())
    reviewer = grant(factories.UserFactory(is_staff=True), *editor_permissions(), "publish_claim")
    return token_client(editor), token_client(reviewer)


def check_mirror(world, clients) -> None:
    before, last = replay()
    assert before == public_api()
    scripted_writes(world, *clients)
    mirror, _ = replay()
    assert mirror == public_api()
    # A mirror that followed from the earlier cursor ends in the same state.
    assert replay(last, before)[0] == mirror
    assert ("claim", world["toll"].pk) not in mirror
    assert ("claim", world["denial_claim"].pk) not in mirror
    assert ("attribution", world["hidden"].pk) in mirror
    # Approved changes reached the mirror; the rejected deletion left the figure public.
    assert any(k[0] == "figure" and r["value"] == 8 for k, r in mirror.items())
    assert any(
        key[0] == "attribution" and record["quote"] == "near the gate"
        for key, record in mirror.items()
    )
    assert "questions" in {r["stance"] for k, r in mirror.items() if k[0] == "attribution"}
    # Nothing left to reconcile: the writes logged every public change.
    assert feed.rebuild() == 0


@pytest.mark.django_db
def test_a_mirror_replayed_from_the_feed_equals_the_public_api(world, clients):
    check_mirror(world, clients)


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_mirror_replayed_from_the_feed_equals_the_public_api_on_postgresql(world, clients):
    assert connection.vendor == "postgresql"
    check_mirror(world, clients)


@pytest.mark.django_db
def test_loading_the_seeds_gives_a_feed_equal_to_the_public_api(settings):
    from pathlib import Path

    load_seeds(Path(settings.BASE_DIR) / "seeds")
    mirror, _ = replay()
    assert mirror == public_api()
    assert {name for name, _ in mirror} == set(LISTS)
    count = PublicChange.objects.count()
    load_seeds(Path(settings.BASE_DIR) / "seeds")
    assert PublicChange.objects.count() == count  # loading twice logs nothing


@pytest.mark.django_db
def test_rebuild_logs_only_differences(world):
    assert feed.rebuild() == 0
    Claim.objects.filter(pk=world["toll"].pk).update(text="Changed by raw SQL")
    assert feed.rebuild() == 3  # the claim and the two attributions that quote its wording
    [change] = PublicChange.objects.filter(type="claim").order_by("-pk")[:1]
    assert change.data["text"] == "Changed by raw SQL"


@pytest.mark.django_db
def test_the_feed_queries_do_not_grow_with_the_page_size(world):
    client = APIClient()
    counts = []
    for size in (1, 5, 100):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(API + f"changes/?page_size={size}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[-1]
    assert counts[-1] <= 3


@pytest.mark.django_db
def test_admin_writes_log_their_changes(world, client):
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    claim = world["denial_claim"]
    last = PublicChange.objects.order_by("-pk").values_list("pk", flat=True).first()
    response = client.post(f"/admin/claims/claim/{claim.pk}/delete/", {"post": "yes"}, follow=False)
    assert response.status_code == 302
    logged = {(c.type, c.object_id, c.action) for c in PublicChange.objects.filter(pk__gt=last)}
    assert ("claim", claim.pk, "delete") in logged
    assert ("attribution", world["denial"].pk, "delete") in logged
    mirror, _ = replay()
    assert mirror == public_api()


def waiting_for_the_feed_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND objid = %s",
            [feed.LOCK_KEY & 0xFFFFFFFF],
        )
        return cursor.fetchone()[0] == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_cursor_never_skips_an_entry_committed_late():
    """Two writers: the first appends and waits before committing while the second tries to
    append. The second waits for the first (one appender at a time), so a reader that saw the
    second's entry has already seen the first's: sequence numbers follow commit order."""
    from django.db import transaction

    event = factories.EventFactory()
    claims = [factories.ClaimFactory(event=event) for _ in range(2)]
    first_logged = threading.Event()
    release, errors = threading.Event(), []

    def writer(claim, before_commit):
        try:
            with transaction.atomic():
                services.refresh_claims([claim.pk])
                before_commit()
        except BaseException as error:  # reported to the test
            errors.append(error)
        finally:
            connection.close()

    def hold():
        first_logged.set()
        release.wait(timeout=30)

    first = threading.Thread(target=writer, args=(claims[0], hold))
    second = threading.Thread(target=writer, args=(claims[1], lambda: None))
    first.start()
    assert first_logged.wait(timeout=30)
    second.start()
    # The second writer waits for the feed's lock, which the first holds until it commits.
    while not waiting_for_the_feed_lock():
        assert second.is_alive() and not errors
    assert list(PublicChange.objects.all()) == []  # nothing committed yet
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert errors == []
    rows = list(PublicChange.objects.order_by("pk").values_list("type", "object_id"))
    claim_rows = [pk for name, pk in rows if name == "claim"]
    assert claim_rows == [claims[0].pk, claims[1].pk]
    mirror, _ = replay()
    assert mirror == public_api()


@pytest.mark.django_db
def test_the_import_command_logs_the_document_and_its_new_outlet(tmp_path):
    """Every way a document comes in (the command, the batch import, the admin's upload) goes
    through sources.importing.import_document, whose signal claims logs in the feed."""
    from django.core.management import call_command

    path = tmp_path / "report.txt"
    path.write_text("Officials said the gate was closed on Thursday.", encoding="utf-8")
    last = PublicChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
    call_command("import_document", str(path), "--outlet", "Gate Gazette", stdout=io.StringIO())
    logged = set(PublicChange.objects.filter(id__gt=last).values_list("type", "action"))
    assert logged == {("document", "upsert"), ("outlet", "upsert")}
    assert feed.rebuild() == 0
