# ruff: noqa: F811  (pytest fixtures imported from tests.api_helpers)
"""What the database has committed, as a token (api.committed), and the stamps kept under it
(api.conditional.once_per_state): reused until anything commits, never after."""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import caches
from django.db import connection, connections, router, transaction
from django.db.models import F
from django.test import Client, override_settings

from api import committed, conditional
from claims.models import Claim
from config.routers import ReplicaRouter
from sources.models import Outlet
from tests import factories
from tests.api_helpers import anon  # noqa: F401  (fixture)
from tests.claims.test_conditional import save_plainly


def in_another_connection(work) -> None:
    """Run `work` in a thread of its own: its own connection, committed when it returns."""
    failures = []

    def run():
        try:
            work()
        except Exception as error:  # pragma: no cover - reported below
            failures.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert not failures, failures


@pytest.mark.django_db
def test_no_token_where_it_could_not_be_relied_on():
    if connection.vendor != "postgresql":
        assert committed.state("default") is None  # the embedded SQLite computes every time
        return
    assert connection.in_atomic_block  # the test's transaction
    assert committed.state("default") is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_token_holds_until_something_commits_or_rolls_back():
    before = committed.state("default")
    assert before is not None and committed.state("default") == before
    with connection.cursor() as cursor:  # the server's start: a promoted standby differs
        cursor.execute("SELECT pg_postmaster_start_time()::text")
        assert f"@{cursor.fetchone()[0]}@" in before
    Claim.objects.count()  # reads move nothing
    assert committed.state("default") == before

    in_another_connection(lambda: factories.OutletFactory(name="Committed elsewhere"))
    after_commit = committed.state("default")
    assert after_commit != before

    with pytest.raises(RuntimeError), transaction.atomic():
        Outlet.objects.create(name="Rolled back", slug="rolled-back")
        assert committed.state("default") is None  # inside a transaction
        raise RuntimeError
    assert committed.state("default") not in (None, before, after_commit)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_read_is_kept_until_a_commit_and_never_after():
    claims = factories.ClaimFactory.create_batch(3)
    listed = Claim.objects.filter(pk__in=[c.pk for c in claims])
    computed = []

    def read():
        computed.append(1)
        return conditional.stamp(listed)

    first = conditional.once_per_state(("claims",), read)
    assert conditional.once_per_state(("claims",), read) == first
    assert len(computed) == 1
    conditional.once_per_state(("something else",), read)  # another read is computed
    assert len(computed) == 2

    def raise_version():
        Claim.objects.filter(pk=claims[0].pk).update(version=F("version") + 1)

    in_another_connection(raise_version)  # committed by another process, not through our code
    moved = conditional.once_per_state(("claims",), read)
    assert len(computed) == 3
    assert moved != first and moved == conditional.stamp(listed)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_every_read_is_computed():
    claim = factories.ClaimFactory()
    listed = Claim.objects.filter(pk=claim.pk)
    before = conditional.once_per_state(("claim",), lambda: conditional.stamp(listed))
    with transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(version=F("version") + 1)
        inside = conditional.once_per_state(("claim",), lambda: conditional.stamp(listed))
        assert inside != before  # its own write, not what was kept before it
        transaction.set_rollback(True)
    # Rolled back: the state moved on, and the read is the one before again, not `inside`.
    assert conditional.once_per_state(("claim",), lambda: conditional.stamp(listed)) == before


@override_settings(DATABASE_ROUTERS=[ReplicaRouter(replicas=("replica_0", "replica_1"))])
def test_the_reads_of_one_state_stay_on_the_database_it_was_read_from(monkeypatch):
    asked = []
    monkeypatch.setattr(committed, "state", lambda alias: asked.append(alias) or "token")
    with committed.reading() as token:
        assert token == "token"
        aliases = {router.db_for_read(Claim) for _ in range(50)}
        with committed.reading() as inner:  # nested: the same state, not read again
            assert inner == "token"
            aliases |= {Claim.objects.all().db for _ in range(50)}
    assert aliases == set(asked) and len(asked) == 1
    assert committed.pinned() is None
    assert len({router.db_for_read(Claim) for _ in range(100)}) == 2  # unpinned again


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_public_list_revalidated_reads_one_token(anon, django_assert_num_queries):
    """On a live site (autocommit) a list's ETag, which aggregates over every matching row,
    costs one query until something commits; then it is read again, and moves."""
    claims = factories.ClaimFactory.create_batch(3)
    url = "/api/v1/claims/?ordering=-id"
    first = anon.get(url)
    assert first.status_code == 200
    with django_assert_num_queries(1):
        again = anon.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    with django_assert_num_queries(1):
        cached = anon.get(url)
    assert cached.content == first.content and cached["ETag"] == first["ETag"]

    def edit():
        claim = Claim.objects.get(pk=claims[0].pk)
        claim.text = "Edited elsewhere"
        save_plainly(claim)

    in_another_connection(edit)
    moved = anon.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert moved.status_code == 200 and moved["ETag"] != first["ETag"]
    assert b"Edited elsewhere" in moved.content


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_nothing_is_kept_where_the_bench_measures_the_work():
    computed = []
    with committed.nothing_kept():
        for _ in range(3):
            conditional.once_per_state(("work",), lambda: computed.append(1) or len(computed))
    assert len(computed) == 3
    for _ in range(3):
        conditional.once_per_state(("work",), lambda: computed.append(1) or len(computed))
    assert len(computed) == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_what_is_kept_is_shared_through_redis_when_configured(settings):
    """With CACHE_URL set, the derived cache is Redis: a version one worker computed serves the
    others until something commits (the key names the database's state, never a worker)."""
    settings.CACHES = {
        **settings.CACHES,
        "derived": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": f"test-kept-{uuid.uuid4().hex}",  # never clear(): a shared database
        },
    }
    settings.CONDITIONAL_CACHE_TIMEOUT = 30
    claim = factories.ClaimFactory()
    listed = Claim.objects.filter(pk=claim.pk)
    computed = []

    def read():
        computed.append(1)
        return conditional.stamp(listed)

    first = conditional.once_per_state(("shared",), read)
    caches["derived"].close()  # another worker: a connection of its own to Redis
    assert conditional.once_per_state(("shared",), read) == first and len(computed) == 1
    in_another_connection(lambda: factories.OutletFactory(name="Committed elsewhere"))
    conditional.once_per_state(("shared",), read)
    assert len(computed) == 2


def test_threads_that_miss_one_key_together_compute_it_once():
    """After a commit every request in flight misses at once: one thread of the process
    computes, the others wait for its result."""
    computed = []
    barrier = threading.Barrier(8)

    def compute():
        computed.append(1)
        time.sleep(0.2)
        return "result"

    def read(_):
        barrier.wait()
        return conditional.once_per_version(("one key",), compute)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(read, range(8)))
    assert results == ["result"] * 8 and len(computed) == 1
    assert conditional._computing == {}


def test_a_failed_computation_leaves_nothing_behind():
    def fail():
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        conditional.once_per_version(("failing",), fail)
    assert conditional._computing == {}
    assert conditional.once_per_version(("failing",), lambda: "then it worked") == "then it worked"
    # A computation that reads another kept one in the same thread does not wait for itself.
    nested = conditional.once_per_version(
        ("outer",), lambda: conditional.once_per_version(("outer",), lambda: "inner")
    )
    assert nested == "inner"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_search_page_is_kept_until_anything_commits(django_assert_num_queries):
    """The search page reads too many tables to stamp: its version is the committed state
    (claims.versions.search). While nothing commits a revalidation or a repeat costs one query;
    any commit, whatever it touched, moves it."""
    factories.ActorFactory(name="Kestrel Brigade")
    client = Client()
    url = "/search/?q=Kestrel"
    first = client.get(url)
    assert first.status_code == 200 and b"Kestrel</mark> Brigade" in first.content
    assert first["ETag"].startswith('W/"') and first["Cache-Control"].startswith("public")
    with django_assert_num_queries(1):
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    with django_assert_num_queries(1):
        cached = client.get(url)
    assert cached.status_code == 200 and cached["ETag"] == first["ETag"]
    assert b"Kestrel</mark> Brigade" in cached.content
    other = client.get("/search/?q=Brigade")  # another address: its own version and body
    assert other["ETag"] != first["ETag"]

    in_another_connection(lambda: factories.ActorFactory(name="Kestrel Column"))
    moved = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert moved.status_code == 200 and moved["ETag"] != first["ETag"]
    assert b"Kestrel</mark> Column" in moved.content


@pytest.mark.django_db
def test_the_search_page_has_no_etag_where_no_state_is_named():
    # The embedded SQLite, or (on PostgreSQL) inside the test's transaction: no state can be
    # named, so the page is computed every time and promises nothing.
    factories.ActorFactory(name="Kestrel Brigade")
    response = Client().get("/search/?q=Kestrel")
    assert response.status_code == 200 and b"Kestrel</mark> Brigade" in response.content
    assert not response.has_header("ETag")
