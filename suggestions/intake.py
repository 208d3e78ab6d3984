"""Bulk intake: a batch of articles imported one by one, each in its own transaction.

`start_batch` stores the uploaded zip or feed file as an ImportBatch and hands it to the worker
(`suggestions.tasks.run_batch_task`); `run_batch` does the work, wherever it runs: it reads the
articles, imports each (a failure is recorded by name and stores nothing of that article), counts
progress on the batch row as it goes, and queues the suggestion run for every new document.
"""

import logging
from collections.abc import Callable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sources.importing import ImportRefused, batch_items
from suggestions.models import ImportBatch, ImportBatchEntry

log = logging.getLogger(__name__)

Progress = Callable[[ImportBatch, ImportBatchEntry], None]
PROGRESS_FIELDS = ["status", "message", "total", "imported", "duplicates", "failed", "finished_at"]


def run_batch(
    batch: ImportBatch,
    *,
    progress: Progress | None = None,
    on_imported: Callable[[ImportBatchEntry], None] | None = None,
) -> ImportBatch:
    """Import every article of the batch, recording each outcome and counting progress.

    An article that cannot be imported (unreadable, empty, no article text, invalid) is recorded
    as failed with its name and the reason, in the same transaction that would have stored it, so
    nothing of it remains; the batch goes on with the next. A batch file that cannot be read at
    all stops the batch with its reason. `on_imported` is called with each newly imported entry
    (suggestions.tasks queues the suggestion task there).
    """

    if batch.finished:
        return batch
    try:
        items = batch_items(bytes(batch.payload), name=batch.name)
    except ImportRefused as error:
        _finish(batch, ImportBatch.Status.FAILED, str(error))
        return batch
    done = batch.entries.count()  # a worker restarted mid-batch goes on where it stopped
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.RUNNING, total=len(items)
    )
    batch.status, batch.total = ImportBatch.Status.RUNNING, len(items)
    for position, item in enumerate(items[done:], start=done + 1):
        entry = _import_one(batch, position, item)
        batch.refresh_from_db(fields=["imported", "duplicates", "failed"])
        if entry.outcome == ImportBatchEntry.Outcome.IMPORTED and on_imported is not None:
            on_imported(entry)
        if progress is not None:
            progress(batch, entry)
    _finish(batch, ImportBatch.Status.DONE, "")
    return batch


_COUNTER = {
    ImportBatchEntry.Outcome.IMPORTED: "imported",
    ImportBatchEntry.Outcome.DUPLICATE: "duplicates",
    ImportBatchEntry.Outcome.FAILED: "failed",
}


def _import_one(batch: ImportBatch, position: int, item) -> ImportBatchEntry:
    def record(outcome, message, document=None) -> ImportBatchEntry:
        entry = ImportBatchEntry.objects.create(
            batch=batch,
            position=position,
            name=item.name[:500],
            outcome=outcome,
            message=message,
            document=document,
        )
        ImportBatch.objects.filter(pk=batch.pk).update(
            **{_COUNTER[outcome]: F(_COUNTER[outcome]) + 1}
        )
        return entry

    try:
        with transaction.atomic():
            result = item.import_(outlet=batch.outlet)
            outcome = (
                ImportBatchEntry.Outcome.IMPORTED
                if result.created
                else ImportBatchEntry.Outcome.DUPLICATE
            )
            return record(outcome, result.message, result.document)
    except ImportRefused as error:
        message = str(error)
    except Exception as error:  # one bad article must not stop the batch: report it by name
        log.exception("Importing %s from batch %s failed", item.name, batch.pk)
        message = f"{item.name}: could not be imported ({type(error).__name__}: {error})."
    with transaction.atomic():
        return record(ImportBatchEntry.Outcome.FAILED, message)


def _finish(batch: ImportBatch, status: str, message: str) -> None:
    now = timezone.now()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=status, message=message, finished_at=now, payload=b""
    )
    batch.status, batch.message, batch.finished_at, batch.payload = status, message, now, b""


def stop_batch(batch: ImportBatch, message: str) -> None:
    """Mark a batch as stopped, with the reason shown on its page."""
    _finish(batch, ImportBatch.Status.FAILED, message)


def count_suggestions(entry: ImportBatchEntry) -> int:
    """Run the suggestion engine on the entry's document and record how many it proposes."""
    from suggestions.review import suggestions_for

    count = len(suggestions_for(entry.document)) if entry.document_id else 0
    ImportBatchEntry.objects.filter(pk=entry.pk).update(suggestions=count)
    entry.suggestions = count
    return count
