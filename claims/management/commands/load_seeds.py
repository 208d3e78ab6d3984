from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from claims.seeds import SeedError, load_seeds


class Command(BaseCommand):
    help = "Load the curated seed corpus (seeds/curation.yaml) in one transaction; idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--folder",
            default=str(Path(settings.BASE_DIR) / "seeds"),
            help="Folder holding curation.yaml and the texts it names.",
        )

    def handle(self, *args, folder, **options):
        try:
            report = load_seeds(Path(folder))
        except SeedError as error:
            raise CommandError(f"Nothing was loaded. {error}") from None
        if not report.changed:
            self.stdout.write("Seed corpus already loaded; nothing changed.")
            return
        for label, counts in (("created", report.created), ("updated", report.updated)):
            if counts:
                summary = ", ".join(f"{n} {model}" for model, n in sorted(counts.items()))
                self.stdout.write(f"{label}: {summary}")
