"""Production connection handling (config/database.py) and request state kept off the database."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from psycopg_pool import ConnectionPool
from rest_framework.test import APIClient

from api.viewsets import CSV_CHUNK
from claims.models import Claim
from config.database import configure, database
from tests.factories import AttributionFactory, EventFactory

PG = "postgres://tracker@db.internal:5432/claims"


def test_postgresql_gets_the_psycopg_pool_with_health_checks_by_default():
    entry = database(PG, {})
    assert entry["OPTIONS"]["pool"] == {
        "min_size": 2,
        "max_size": 4,
        "timeout": 10.0,
        "check": ConnectionPool.check_connection,
    }
    # The pool and persistent connections are exclusive.
    assert entry["CONN_MAX_AGE"] == 0
    assert entry["CONN_HEALTH_CHECKS"] is True
    assert not entry.get("DISABLE_SERVER_SIDE_CURSORS")


def test_the_pool_is_sized_by_the_environment():
    entry = database(PG, {"DB_POOL_MIN": "1", "DB_POOL_MAX": "8", "DB_POOL_TIMEOUT": "2.5"})
    pool = entry["OPTIONS"]["pool"]
    assert (pool["min_size"], pool["max_size"], pool["timeout"]) == (1, 8, 2.5)
    # A minimum above the default maximum raises the maximum with it.
    assert database(PG, {"DB_POOL_MIN": "6"})["OPTIONS"]["pool"]["max_size"] == 6


@pytest.mark.parametrize(
    "environ",
    [
        {"DB_POOL_MIN": "5", "DB_POOL_MAX": "3"},
        {"DB_POOL_MAX": "0"},
        {"DB_POOL_MAX": "many"},
        {"DB_POOL_TIMEOUT": "0"},
        {"DB_POOLER": "pgbouncer"},
        # Django refuses a pool with persistent connections: say so at start-up.
        {"CONN_MAX_AGE": "600"},
    ],
)
def test_impossible_connection_settings_fail_at_start_up(environ):
    with pytest.raises(ImproperlyConfigured):
        database(PG, environ)


def test_an_external_pooler_in_transaction_mode_gets_no_pool_and_no_server_side_cursors():
    entry = database(PG + "?pool=true", {"DB_POOLER": "transaction"})
    assert "pool" not in entry["OPTIONS"]
    assert entry["DISABLE_SERVER_SIDE_CURSORS"] is True
    # The connection to the pooler is kept and checked before reuse.
    assert entry["CONN_MAX_AGE"] == 600
    assert entry["CONN_HEALTH_CHECKS"] is True
    assert database(PG, {"DB_POOLER": "transaction", "CONN_MAX_AGE": "0"})["CONN_MAX_AGE"] == 0


def test_without_a_pool_each_thread_keeps_a_checked_connection():
    entry = database(PG, {"DB_POOLER": "none", "CONN_MAX_AGE": "60"})
    assert "pool" not in entry["OPTIONS"]
    assert (entry["CONN_MAX_AGE"], entry["CONN_HEALTH_CHECKS"]) == (60, True)
    assert not entry["DISABLE_SERVER_SIDE_CURSORS"]


@pytest.mark.parametrize("mode", ["pool", "none", "transaction"])
def test_connections_to_postgresql_itself_start_without_jit_or_parallel_workers(mode):
    """JIT compilation took 446 of the 483 ms of a name search at scale 1; parallel workers
    cost a short query more than they save. A pooler in transaction mode refuses start-up
    options (set them on the server's role instead)."""
    options = database(PG, {"DB_POOLER": mode})["OPTIONS"].get("options", "")
    wanted = "-c jit=off -c max_parallel_workers_per_gather=0"
    assert (wanted in options) is (mode != "transaction")
    kept = database(PG + "?options=-c%20statement_timeout%3D5000", {})["OPTIONS"]["options"]
    assert kept == f"-c statement_timeout=5000 {wanted}"


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_site_s_postgresql_sessions_run_without_jit_or_parallel_workers():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"


def test_sqlite_is_left_as_parsed():
    entry = database("sqlite:////tmp/x.sqlite3", {"DB_POOLER": "transaction"})
    assert "pool" not in entry.get("OPTIONS", {})
    assert entry["CONN_MAX_AGE"] == 0
    assert configure({"ENGINE": "django.db.backends.sqlite3"}, {"CONN_MAX_AGE": "5"}) == {
        "ENGINE": "django.db.backends.sqlite3",
        "CONN_MAX_AGE": 5,
    }


def _settings(**environ) -> dict:
    """DATABASES as config.settings builds them from this environment (a fresh process)."""
    code = (
        "import django, json; from django.conf import settings; django.setup(); "
        "print(json.dumps({a: {k: d[k] for k in ('CONN_MAX_AGE', 'CONN_HEALTH_CHECKS', "
        "'DISABLE_SERVER_SIDE_CURSORS', 'OPTIONS')} for a, d in settings.DATABASES.items()}, "
        "default=lambda o: o.__qualname__))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "CONN_"))}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "config.settings", **environ},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_settings_pool_the_primary_and_every_replica():
    databases = _settings(
        DATABASE_URL=PG,
        DATABASE_REPLICA_URLS="postgres://tracker@r1.internal:5432/claims",
        DB_POOL_MAX="6",
    )
    assert sorted(databases) == ["default", "replica_0"]
    for entry in databases.values():
        assert entry["OPTIONS"]["pool"]["max_size"] == 6
        assert entry["OPTIONS"]["pool"]["check"] == "ConnectionPool.check_connection"
        assert (entry["CONN_MAX_AGE"], entry["CONN_HEALTH_CHECKS"]) == (0, True)


def test_settings_behind_a_transaction_pooler():
    databases = _settings(
        DATABASE_URL=PG,
        DATABASE_REPLICA_URLS="postgres://tracker@r1.internal:5432/claims",
        DB_POOLER="transaction",
    )
    for entry in databases.values():
        assert "pool" not in entry["OPTIONS"]
        assert entry["DISABLE_SERVER_SIDE_CURSORS"] is True
        assert entry["CONN_MAX_AGE"] == 600


@pytest.mark.django_db
def test_an_anonymous_api_read_asks_the_database_nothing_for_throttles_or_lock_outs(settings):
    """Throttle counters live in the cache (local memory, or Redis with CACHE_URL) and axes only
    reads its tables when someone logs in: a reader's request costs only the evidence queries."""
    settings.AXES_ENABLED = True
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    claim = AttributionFactory().claim
    AttributionFactory(claim=claim, quote="killing at least 46")
    client = APIClient()
    client.get(f"/api/v1/claims/{claim.pk}/")  # warm per-process caches (content types...)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/claims/{claim.pk}/")
    assert response.status_code == 200
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "axes_" not in tables and "django_cache" not in tables
    assert "django_session" not in tables and "authtoken" not in tables
    # 6 today (the claim, its attributions, figures, relations...); the point is the tables above.
    assert len(queries.captured_queries) <= 8


@pytest.mark.django_db
def test_the_csv_export_streams_without_server_side_cursors(monkeypatch):
    """Behind a transaction pooler (DB_POOLER=transaction) `iterator()` may not hold a cursor
    open across chunks: with DISABLE_SERVER_SIDE_CURSORS the export still streams every row."""
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    rows = CSV_CHUNK * 2 + 1
    event = EventFactory()
    Claim.objects.bulk_create(
        Claim(text=f"Claim {n}", slug=f"pooled-{n}", event=event, publication="published")
        for n in range(rows)
    )
    response = APIClient().get("/api/v1/claims/?format=csv")
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    assert len(list(csv.reader(io.StringIO(body)))) == rows + 1
