import time
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from bench import corpus
from bench import runner as bench
from claims.models import Claim

DEFAULT_SCALE = 0.01


class Command(BaseCommand):
    help = (
        "Benchmark the product on the configured database: p50/p95 latency, SQL queries and the "
        "ratio to a raw-SQL floor per operation, then throughput under gunicorn + wrk. Generates "
        f"a synthetic corpus first (--scale, default {DEFAULT_SCALE}) when none is present."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=None)
        parser.add_argument(
            "--regenerate", action="store_true", help="Flush the database and generate again."
        )
        parser.add_argument("--warmup", type=int, default=5)
        parser.add_argument("--iterations", type=int, default=30)
        parser.add_argument(
            "--throughput-seconds",
            type=float,
            default=10,
            help="Per operation and per floor; 0 skips it.",
        )
        parser.add_argument(
            "--throughput-runs",
            type=int,
            default=3,
            help="Runs per operation and per floor, in turn; the figures are their medians.",
        )
        parser.add_argument("--suggestion-mb", type=float, default=5.0)
        parser.add_argument(
            "--budget-seconds",
            type=float,
            default=20,
            help="Time per operation; a slower one is repeated fewer times (at least once).",
        )
        parser.add_argument(
            "--output", default=str(Path(settings.BASE_DIR) / "bench" / "results" / "latest.json")
        )

    def handle(self, *args, scale, regenerate, **options):
        db = connection.settings_dict
        executor = MigrationExecutor(connection)
        unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if unapplied:
            # Measured on an older schema, the figures would describe code that is not running
            # (a missing index, a missing column read as an error).
            raise CommandError(
                f"{len(unapplied)} migration(s) are not applied to {db['NAME']} (the first: "
                f"{unapplied[0][0]}): run manage.py migrate with this DATABASE_URL first "
                "(make bench does)."
            )
        present = corpus.already_generated()
        if regenerate or not present:
            scale = scale or DEFAULT_SCALE
            call_command("generate_corpus", scale=scale, flush=regenerate, stdout=self.stdout)
        else:
            found = Claim.objects.count() / corpus.FULL["claims"]
            if scale is not None and abs(found - scale) > 0.2 * scale:
                raise CommandError(
                    f"This database holds a corpus of scale ~{found:.3g}, not {scale}: pass "
                    "--regenerate, or point DATABASE_URL at another database."
                )
            scale = round(found, 4)
        where = f"{connection.vendor} database {db['NAME']} on {db['HOST'] or 'local'}"
        self.stdout.write(f"Benchmarking scale {scale} on {where}")
        started = time.perf_counter()
        report = bench.run(
            warmup=options["warmup"],
            iterations=options["iterations"],
            throughput_seconds=options["throughput_seconds"],
            throughput_runs=options["throughput_runs"],
            suggestion_mb=options["suggestion_mb"],
            budget_s=options["budget_seconds"],
            out=self.stdout.write,
        )
        meta = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": {"vendor": connection.vendor, "name": str(db["NAME"])},
            "scale": scale,
            "warmup": options["warmup"],
            "iterations": options["iterations"],
            "seconds": round(time.perf_counter() - started, 1),
        }
        self.stdout.write("")
        self.stdout.write(
            f"scale {scale} on {where}; {options['iterations']} requests per operation after "
            f"{options['warmup']} warm-up; ratio = p50 / raw-SQL floor p50"
        )
        self.stdout.write(bench.table(report["results"]))
        if options["throughput_seconds"] > 0:
            self.stdout.write("")
            self.stdout.write(
                f"throughput: gunicorn serving the product and its raw-SQL floors (/__floor__/), "
                f"wrk at 16 connections, a new one per request, for "
                f"{options['throughput_seconds']:g} s each, {options['throughput_runs']} runs in "
                f"turn with the floor's, their medians"
            )
            self.stdout.write(bench.throughput_table(report["results"]))
        scans = report["audit"]["seq_scans"]
        if scans:
            self.stdout.write("Sequential scans on large tables:")
            for name, tables in scans.items():
                self.stdout.write(f"  {name}: {', '.join(tables)}")
        elif connection.vendor == "postgresql":
            self.stdout.write("No sequential scan on a large table in any measured query.")
        slowest = report["audit"]["slowest"]
        if slowest:
            self.stdout.write(f"EXPLAIN ANALYZE, slowest query of “{slowest['operation']}”:")
            self.stdout.write(slowest["sql"][:600])
            self.stdout.write(slowest["plan"])
        output = Path(options["output"])
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(bench.to_json(report, meta))
        self.stdout.write(f"Written to {output}")
