import os
import subprocess
import sys

import pytest
from django.db import router, transaction
from django.test import override_settings

from claims.models import Claim
from config.routers import ReplicaRouter, replica_databases

TWO_REPLICAS = [ReplicaRouter(replicas=("replica_0", "replica_1"))]


@override_settings(DATABASE_ROUTERS=TWO_REPLICAS)
def test_reads_go_to_a_replica():
    assert router.db_for_read(Claim) in {"replica_0", "replica_1"}
    assert Claim.objects.all().db in {"replica_0", "replica_1"}


@override_settings(DATABASE_ROUTERS=TWO_REPLICAS)
def test_writes_go_to_the_primary():
    assert router.db_for_write(Claim) == "default"
    assert Claim.objects.select_for_update().db == "default"


@override_settings(DATABASE_ROUTERS=TWO_REPLICAS)
def test_migrations_run_only_on_the_primary():
    assert router.allow_migrate("default", "claims")
    assert not router.allow_migrate("replica_0", "claims")


@pytest.mark.django_db(transaction=True)
@override_settings(DATABASE_ROUTERS=TWO_REPLICAS)
def test_reads_inside_a_transaction_stay_on_the_primary():
    with transaction.atomic():
        assert Claim.objects.all().db == "default"


@override_settings(DATABASE_ROUTERS=[ReplicaRouter(replicas=())])
def test_without_replicas_reads_go_to_the_primary():
    assert router.db_for_read(Claim) == "default"


def test_replica_urls_become_database_entries_that_mirror_default_in_tests():
    entries = replica_databases(
        ["postgres://u@r1.internal:5432/ct", "postgres://u@r2.internal:5432/ct"]
    )
    assert list(entries) == ["replica_0", "replica_1"]
    assert entries["replica_1"]["HOST"] == "r2.internal"
    assert entries["replica_0"]["TEST"] == {"MIRROR": "default"}


@pytest.mark.parametrize(
    ("replicas", "expected"),
    [("", "[] []"), ("postgres://u@r1:5432/ct", "['replica_0'] ['config.routers.ReplicaRouter']")],
)
def test_settings_add_replicas_and_the_router_only_when_the_variable_is_set(replicas, expected):
    env = {**os.environ, "DEBUG": "true", "DATABASE_REPLICA_URLS": replicas}
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print([a for a in settings.DATABASES if a != 'default'], settings.DATABASE_ROUTERS)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == expected
