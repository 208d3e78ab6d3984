import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.tasks import task_backends
from django.utils.connection import Local

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_configure(config):
    # Hashing demo and factory passwords with PBKDF2 cost most of the suite's time; tests prove
    # nothing about the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # On PostgreSQL the default is a connection pool sized for gunicorn's 4 threads (config/
    # database.py); the race tests run 20 threads in this one process, each holding a connection.
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    if isinstance(pool, dict):
        pool["max_size"] = max(pool["max_size"], 32)


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL's search features.

    On another database they are skipped on a newcomer's machine; under CI=true they are
    deselected explicitly (CI runs them in its PostgreSQL pass) and the count is printed.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    needs_pg = [item for item in items if item.get_closest_marker("postgres")]
    if not needs_pg:
        return
    if IN_CI:
        items[:] = [item for item in items if item not in needs_pg]
        config.hook.pytest_deselected(items=needs_pg)
        print(
            f"\nDeselected {len(needs_pg)} PostgreSQL-only test(s): CI runs them against PostgreSQL."
        )
    else:
        for item in needs_pg:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true a skipped test is a failure: CI must run everything."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"Skipped under CI=true, which must run every test: {report.longrepr}"


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Lock-outs are tested on purpose where they matter; elsewhere they would leak between tests.
    settings.AXES_ENABLED = False
    # The throttles count in the local-memory cache, which outlives a test's transaction.
    from django.core.cache import caches

    caches["default"].clear()
    caches["conditional"].clear()  # rendered bodies kept by api.conditional
    caches["derived"].clear()  # work kept per version (api.conditional.once_per_version)


@pytest.fixture(scope="module")
def seeded_module(django_db_setup, django_db_blocker):
    """Load the seed corpus once for a whole test module, and roll it back afterwards.

    Each test still runs in its own savepoint inside this transaction, so tests stay isolated.
    """
    from claims.seeds import load_seeds

    with django_db_blocker.unblock(), transaction.atomic():
        load_seeds(Path(settings.BASE_DIR) / "seeds")
        yield
        transaction.set_rollback(True)


def _forget_task_backends():
    # Django caches the TASKS setting and its backends (no setting_changed receiver): drop both.
    task_backends._settings = None
    task_backends.__dict__.pop("settings", None)
    task_backends._connections = Local(task_backends.thread_critical)


@pytest.fixture
def tasks_backend(settings):
    """Call with a backend path to run this test's tasks through it."""

    def use(backend: str) -> None:
        settings.TASKS = {"default": {"BACKEND": backend}}
        _forget_task_backends()

    yield use
    _forget_task_backends()


@pytest.fixture
def immediate_tasks(tasks_backend):
    """Tasks run at once, in the caller's process (the request or the command)."""
    tasks_backend("django.tasks.backends.immediate.ImmediateBackend")
