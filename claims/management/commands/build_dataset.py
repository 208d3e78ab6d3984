from pathlib import Path

from django.core.management.base import BaseCommand

from claims.dataset import build_dataset, dataset_path


class Command(BaseCommand):
    help = (
        "Rebuild the downloadable data package of the public corpus (CSV tables and "
        "datapackage.json, zipped) that every page footer links to."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", default=None, help=f"Where to write the zip (default {dataset_path()})."
        )

    def handle(self, *args, output, **options):
        path = build_dataset(Path(output) if output else None)
        self.stdout.write(f"Data package written to {path}")
