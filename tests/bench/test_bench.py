"""The bench runs end to end at a tiny scale; its figures are printed, never asserted as times."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from bench.runner import NA_MISSING, parse_wrk

WRK_OUTPUT = """Running 2s test @ http://127.0.0.1:8000/api/v1/claims/1/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.10ms    3.20ms  40.00ms   80.00%
  Latency Distribution
     50%   11.50ms
     75%   13.00ms
     90%   16.00ms
     99%    1.20s
  2400 requests in 2.00s, 1.20MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:   1200.50
Transfer/sec:    600.00KB
"""


def test_wrk_output_is_read_into_rate_p99_and_errors():
    assert parse_wrk(WRK_OUTPUT) == {
        "requests_per_s": 1200.5,
        "p50_ms": 11.5,
        "p99_ms": 1200.0,
        "errors": 7,
        "requests": 2400,
    }


@pytest.mark.django_db(transaction=True)
def test_bench_runs_end_to_end_at_a_tiny_scale(tmp_path):
    out = io.StringIO()
    output = tmp_path / "latest.json"
    # The server process reads committed rows: on PostgreSQL it benchmarks the test database.
    seconds = 1 if connection.vendor == "postgresql" else 0
    call_command(
        "bench",
        scale=0.002,
        warmup=1,
        iterations=3,
        throughput_seconds=seconds,
        throughput_runs=1,
        suggestion_mb=0.05,
        output=str(output),
        stdout=out,
    )
    printed = out.getvalue()
    print(printed)
    assert "p50 ms" in printed and "scale 0.002" in printed
    report = json.loads(output.read_text())
    names = [r["name"] for r in report["results"]]
    assert any(n.startswith("API claims list") for n in names)
    assert any(n.startswith("add attribution") for n in names)
    for row in report["results"]:
        # Each operation is measured, absent, or (throughput) summed up in its note.
        assert row["p50_ms"] is not None or row["note"], row
        assert not row["note"].startswith("error"), row
        if row["name"].startswith("throughput") and row["note"] != NA_MISSING:
            assert row["extra"].get("errors", 0) == 0, row


def test_latency_is_measured_without_the_rendered_response_cache():
    """Repeated anonymous reads would be answered from api.conditional's cache after the first:
    the latency part measures what a response costs to compute."""
    from django.core.cache.backends.dummy import DummyCache
    from django.test import override_settings

    from api.conditional import _cache
    from bench.runner import UNCACHED_RESPONSES

    assert not isinstance(_cache(), DummyCache)
    with override_settings(**UNCACHED_RESPONSES):
        assert isinstance(_cache(), DummyCache)


@pytest.mark.django_db
def test_the_bench_refuses_a_database_with_unapplied_migrations(monkeypatch):
    from django.core.management.base import CommandError
    from django.db.migrations.executor import MigrationExecutor

    from claims.models import Claim

    pending = [(type("Migration", (), {"__str__": lambda self: "claims.9999_next"})(), False)]
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: pending)
    with pytest.raises(CommandError, match=r"1 migration\(s\) are not applied .*claims.9999_next"):
        call_command("bench", iterations=1, warmup=0, stdout=io.StringIO())
    assert not Claim.objects.exists()  # refused before generating anything


def test_wrk_opens_a_connection_per_request(monkeypatch):
    """Kept-alive connections stay with the worker that accepted them, and how wrk's 16 fell on
    the workers decided a run's rate; a connection per request spreads them as a proxy would."""
    import subprocess

    from bench import runner

    seen = []

    def run(command, **kwargs):
        seen.append(command)
        return subprocess.CompletedProcess(command, 0, stdout=WRK_OUTPUT, stderr="")

    monkeypatch.setattr(runner.subprocess, "run", run)
    result = runner._wrk("wrk", "http://127.0.0.1:1/x", {"If-None-Match": '"v"'}, 2, 16)
    assert result["requests_per_s"] == 1200.5
    command = seen[0]
    headers = [command[i + 1] for i, part in enumerate(command) if part == "-H"]
    assert headers == ["Connection: close", 'If-None-Match: "v"']
    assert "-c16" in command


def test_several_runs_are_summed_up_by_their_medians():
    from bench.runner import median_run

    runs = [
        {"requests_per_s": 900.0, "p50_ms": 16.0, "p99_ms": 45.0, "errors": 0, "requests": 9000},
        {"requests_per_s": 700.0, "p50_ms": 19.0, "p99_ms": 250.0, "errors": 1, "requests": 7000},
        {"requests_per_s": 850.0, "p50_ms": 17.0, "p99_ms": 50.0, "errors": 0, "requests": 8500},
    ]
    assert median_run(runs) == {
        "requests_per_s": 850.0,
        "p50_ms": 17.0,
        "p99_ms": 50.0,
        "errors": 1,
        "requests": 24500,
    }
    empty = {"requests_per_s": None, "p50_ms": None, "p99_ms": None, "errors": 0, "requests": 0}
    assert median_run([empty])["requests_per_s"] is None
