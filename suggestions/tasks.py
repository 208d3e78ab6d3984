"""Background work, through Django's tasks framework (settings.TASKS names the backend).

By default tasks wait in the database and `manage.py db_worker` runs them; no request waits for
an import. Task arguments are primary keys: the rows hold the data, so any worker can run them.
"""

from django.tasks import task

from suggestions.intake import count_suggestions, run_batch, stop_batch
from suggestions.models import ImportBatch, ImportBatchEntry


@task
def run_batch_task(batch_id: int) -> dict:
    """Import the articles of a stored batch (see suggestions.intake.run_batch)."""
    batch = ImportBatch.objects.get(pk=batch_id)
    try:
        run_batch(batch)
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
