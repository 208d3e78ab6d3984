"""Background work, through Django's tasks framework (settings.TASKS names the backend).

By default tasks wait in the database and `manage.py db_worker` runs them; no request waits for
an import. Task arguments are primary keys: the rows hold the data, so any worker can run them.
"""

from django.tasks import task

from suggestions.intake import PROGRESS_FIELDS, count_suggestions, run_batch, stop_batch
from suggestions.models import ImportBatch, ImportBatchEntry


@task
def run_batch_task(batch_id: int) -> dict:
    """Import the articles of a stored batch (see suggestions.intake.run_batch)."""
    batch = ImportBatch.objects.get(pk=batch_id)
    try:
        run_batch(batch, on_imported=queue_suggestions)
    except Exception as error:
        # Whatever stopped the worker, the batch page must not say "Importing" for ever.
        stop_batch(batch, f"The import stopped: {type(error).__name__}: {error}")
        raise
    return {"imported": batch.imported, "duplicates": batch.duplicates, "failed": batch.failed}


@task
def suggest_document_task(entry_id: int) -> int:
    """Run the suggestion engine on one imported document and record its number of suggestions."""
    entry = ImportBatchEntry.objects.select_related("document").filter(pk=entry_id).first()
    return count_suggestions(entry) if entry is not None else 0


def queue_suggestions(entry: ImportBatchEntry) -> None:
    """Run the suggestion engine on a newly imported document in the background."""
    suggest_document_task.enqueue(entry.pk)


def start_batch(*, data: bytes, name: str, outlet: str = "", by=None, run: bool = True):
    """Store a batch file and queue its import; returns the batch (queued, or already finished
    when the tasks backend runs tasks at once). With run=False, only store it (the caller runs
    it in its own process with `run_batch`)."""
    batch = ImportBatch.objects.create(
        name=name[:300], outlet=(outlet or "")[:200], payload=data, created_by=by
    )
    if run:
        run_batch_task.enqueue(batch.pk)
        batch.refresh_from_db(fields=PROGRESS_FIELDS)
    return batch
