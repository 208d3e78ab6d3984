import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench import corpus


class Command(BaseCommand):
    help = (
        "Fill the configured database with a deterministic synthetic corpus "
        "(--scale 1: 20,000 documents, 100,000 claims, 400,000 attributions, 150,000 figures)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=0.01, help="1 is newsroom scale.")
        parser.add_argument("--seed", type=int, default=corpus.SEED)
        parser.add_argument(
            "--flush", action="store_true", help="Empty the whole database first (manage.py flush)."
        )

    def handle(self, *args, scale, seed, flush, **options):
        if scale <= 0 or scale > 10:
            raise CommandError("--scale must be above 0 and at most 10.")
        if flush:
            call_command("flush", interactive=False, verbosity=0)
        elif corpus.already_generated():
            raise CommandError(
                "A synthetic corpus is already in this database; pass --flush to empty the "
                "database first, or use another DATABASE_URL."
            )
        db = connection.settings_dict
        self.stdout.write(
            f"Generating scale {scale} (seed {seed}) into {db['ENGINE'].rsplit('.', 1)[-1]} "
            f"database {db['NAME']}"
        )
        started = time.perf_counter()
        data = corpus.generate(scale, seed)
        generated = time.perf_counter() - started
        self.stdout.write(f"generated in memory in {generated:.1f} s")
        report = corpus.write(data, progress=lambda msg: self.stdout.write(f"  {msg}"))
        analyse = time.perf_counter()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        analysed = time.perf_counter() - analyse
        for label, rows in report.rows.items():
            seconds = report.seconds[label]
            self.stdout.write(
                f"{label:>14}: {rows:>9,} rows in {seconds:6.1f} s "
                f"({rows / max(seconds, 1e-9):,.0f} rows/s)"
            )
        total = time.perf_counter() - started
        self.stdout.write(
            f"total: {report.total_rows:,} rows inserted in {report.total_seconds:.1f} s "
            f"({report.total_rows / max(report.total_seconds, 1e-9):,.0f} rows/s); "
            f"{total:.1f} s overall including generation and ANALYZE ({analysed:.1f} s)"
        )
