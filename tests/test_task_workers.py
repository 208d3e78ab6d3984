"""Task workers on several machines: `db_worker` processes sharing one PostgreSQL database each
claim a task with SELECT ... FOR UPDATE SKIP LOCKED, so every queued task runs exactly once."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.tasks import task

TASKS = 40
WORKERS = 3


@task
def mark(path: str, n: int) -> None:
    """Append which worker process ran task n (one short O_APPEND write: atomic)."""
    with open(path, "a") as f:
        f.write(f"{n} {os.getpid()}\n")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_several_database_workers_run_each_task_once(tmp_path, tasks_backend):
    from django_tasks_db.models import DBTaskResult

    tasks_backend("django_tasks_db.DatabaseBackend")
    log = tmp_path / "runs.txt"
    for n in range(TASKS):
        mark.enqueue(str(log), n)
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": url,
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }
    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay",
               "--no-reload", "--interval", "0.05"]  # fmt: skip
    workers = [
        subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stderr=subprocess.PIPE)
        for _ in range(WORKERS)
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err.decode()[-2000:]
    runs = [line.split() for line in Path(log).read_text().splitlines()]
    assert sorted(int(n) for n, _pid in runs) == list(range(TASKS))
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
