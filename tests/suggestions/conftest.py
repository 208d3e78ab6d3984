import pytest
from django.tasks import task_backends
from django.utils.connection import Local


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
