"""python manage.py import_batch PATH [--outlet NAME] [--background]"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sources.importing import MAX_BATCH_BYTES, ImportRefused, pack_folder
from suggestions.intake import run_batch
from suggestions.tasks import queue_suggestions, start_batch

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Import a folder, a .zip file, or an RSS/Atom feed file of articles (.txt or .html "
        "files; feed entries with their link, title and date). Texts or URLs already stored are "
        "skipped; a file that cannot be imported is reported by name and stores nothing. Runs "
        "here with a progress bar, or with --background queues the batch for the worker "
        "(manage.py db_worker). Prints the batch id on the last line."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A folder, a .zip file, or an RSS/Atom feed file.")
        parser.add_argument("--outlet", default="", help="Publisher of every article.")
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue the batch for the worker and return at once.",
        )

    def handle(self, *args, **options):
        path = Path(options["path"])
        try:
            if path.is_dir():
                data, name = pack_folder(path), f"{path.name or path.resolve().name}.zip"
            else:
                with path.open("rb") as file:
                    data, name = file.read(MAX_BATCH_BYTES + 1), path.name
        except ImportRefused as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"{path}: cannot read it ({error.strerror}).") from None
        background = options["background"]
        batch = start_batch(data=data, name=name, outlet=options["outlet"], run=background)
        if background:
            self.stdout.write(
                f"Queued batch #{batch.pk}; the worker (manage.py db_worker) runs it."
            )
        else:
            run_batch(batch, progress=self._bar, on_imported=queue_suggestions)
            self._report(batch)
        self.stdout.write(str(batch.pk))

    def _bar(self, batch, entry) -> None:
        done, total = batch.processed, batch.total or 1
        filled = BAR_WIDTH * done // total
        line = f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{batch.total} {entry.name[:40]:<40}"
        self.stderr.write(line, ending="")
        if done == batch.total:
            self.stderr.write("")
        self.stderr.flush()

    def _report(self, batch) -> None:
        if batch.status == batch.Status.FAILED:
            raise CommandError(batch.message)
        for entry in batch.entries.filter(outcome="failed"):
            self.stderr.write(self.style.ERROR(f"Not imported: {entry.message}"))
        summary = (
            f"Batch #{batch.pk}: {batch.imported} imported, {batch.duplicates} already stored, "
            f"{batch.failed} not imported."
        )
        style = self.style.SUCCESS if not batch.failed else self.style.WARNING
        self.stdout.write(style(summary))
        sys.stdout.flush()
