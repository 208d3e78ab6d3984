"""The raw-SQL floors the throughput run serves beside the product: only in the bench's URLs."""

import json
import os
import subprocess
import sys

import pytest
from django.test import Client, override_settings
from django.urls import Resolver404, resolve

from bench import floors
from bench.runner import Load, Result, throughput_loads, throughput_table
from claims.models import Claim
from tests.factories import AttributionFactory, ClaimFactory, FigureFactory

FLOOR_PATHS = [
    "/__floor__/claims/",
    "/__floor__/claims-expanded/",
    "/__floor__/claims/1/attributions/",
    "/__floor__/events/1/figures/",
    "/__floor__/claims/1/revalidate/",
]


@pytest.mark.parametrize("path", FLOOR_PATHS)
def test_the_product_urls_have_no_floor(path):
    with pytest.raises(Resolver404):
        resolve(path, urlconf="config.urls")
    assert resolve(path, urlconf="bench.urls").func.__module__ == "bench.floors"


def _root_urlconf(**environ) -> str:
    env = {k: v for k, v in os.environ.items() if k != "BENCH_FLOOR"}
    code = "import django; from django.conf import settings; django.setup(); print(settings.ROOT_URLCONF)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "config.settings", **environ},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_only_the_bench_server_mounts_the_floors():
    assert _root_urlconf() == "config.urls"
    assert _root_urlconf(BENCH_FLOOR="false") == "config.urls"
    assert _root_urlconf(BENCH_FLOOR="true") == "bench.urls"


@pytest.fixture
def bench_urls():
    with override_settings(ROOT_URLCONF="bench.urls"):
        yield Client()


@pytest.mark.django_db
def test_floors_serve_the_rows_of_their_operation(bench_urls):
    attribution = AttributionFactory()
    claim = attribution.claim
    AttributionFactory(claim=claim, quote="killing at least 46")
    figure = FigureFactory(attribution=attribution)
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.CONTESTED)
    ClaimFactory(publication=Claim.Publication.DRAFT)

    rows = bench_urls.get(f"/__floor__/claims/{claim.pk}/attributions/").json()
    assert sorted(r["id"] for r in rows) == sorted(claim.attributions.values_list("pk", flat=True))
    figures = bench_urls.get(f"/__floor__/events/{claim.event_id}/figures/").json()
    assert [f["id"] for f in figures] == [figure.pk]
    assert [r["id"] for r in bench_urls.get("/__floor__/claims/").json()] == [claim.pk]
    expanded = bench_urls.get("/__floor__/claims-expanded/").json()
    assert {r["id"] for r in expanded} == {claim.pk}
    assert sorted(r["attribution_id"] for r in expanded) == sorted(r["id"] for r in rows)
    # The product is served by the same URLs.
    assert bench_urls.get(f"/api/v1/claims/{claim.pk}/", secure=True).status_code == 200


@pytest.mark.django_db
def test_the_revalidation_floor_answers_304_to_its_etag(bench_urls):
    claim = ClaimFactory()
    first = bench_urls.get(f"/__floor__/claims/{claim.pk}/revalidate/")
    assert first.status_code == 200 and json.loads(first.content)["id"] == claim.pk
    again = bench_urls.get(
        f"/__floor__/claims/{claim.pk}/revalidate/", headers={"if-none-match": first["ETag"]}
    )
    assert again.status_code == 304 and again.content == b""
    draft = ClaimFactory(publication=Claim.Publication.DRAFT)
    assert bench_urls.get(f"/__floor__/claims/{draft.pk}/revalidate/").status_code == 404


def test_floor_sql_is_one_statement_each():
    for sql in (floors.CLAIM_LIST, floors.CLAIMS_EXPANDED, floors.FIGURE_ROWS, floors.VERSION):
        assert ";" not in sql


@pytest.mark.django_db
def test_every_measured_operation_has_a_floor_url_of_the_bench():
    claim = AttributionFactory().claim
    figure = FigureFactory(attribution=claim.attributions.first())

    class T:
        busy_claim, hot_event = claim, figure.event

    loads = throughput_loads(T)
    assert len(loads) == 8 and sum(load.conditional for load in loads) == 1
    assert sum(bool(load.commits_per_second) for load in loads) == 1
    for load in loads:
        assert resolve(load.floor.split("?")[0], urlconf="bench.urls").func.__module__ == (
            "bench.floors"
        )
        resolve(load.path.split("?")[0], urlconf="config.urls")


def test_the_throughput_table_sets_each_operation_beside_its_floor():
    run = {"requests_per_s": 50.0, "p50_ms": 300.0, "p99_ms": 900.0, "errors": 0}
    floor = {"requests_per_s": 200.0, "p50_ms": 70.0, "p99_ms": 150.0, "errors": 0}
    results = [
        Result(
            name="throughput: API claim detail",
            target=Load("x", "/", "/").target,
            extra={"tracker": run, "floor": floor, "percent_of_floor": 25.0, "errors": 0},
        ),
        Result(name="throughput: 304 revalidation", note="n/a (the response carries no ETag)"),
        Result(name="API claim detail", p50_ms=3.0),
    ]
    lines = throughput_table(results).splitlines()
    assert len(lines) == 4
    assert lines[2].split()[3:10] == ["50.0", "300.0", "900.0", "200.0", "70.0", "150.0", "25.0"]
    assert lines[3].endswith("n/a (the response carries no ETag)")


@pytest.mark.django_db
def test_the_bench_counts_a_requests_queries_whatever_the_query_log_held():
    from django.db import connection

    from bench.runner import CapturedQueries

    claim = AttributionFactory().claim
    client = Client()
    url = f"/api/v1/claims/{claim.pk}/"
    client.get(url, secure=True)
    connection.force_debug_cursor = True
    try:
        for _ in range(30):  # a log longer than the request's: a slice of it came out empty
            Claim.objects.exists()
        with CapturedQueries() as first:
            client.get(url, secure=True)
    finally:
        connection.force_debug_cursor = False
    with CapturedQueries() as second:
        client.get(url, secure=True)
    assert len(first) == len(second) > 0
    assert any(str(claim.pk) in q["sql"] for q in first.captured_queries)


def test_a_run_in_which_no_request_completed_is_no_rate():
    from bench.runner import _loaded, parse_wrk

    none = parse_wrk("  0 requests in 10.00s, 0.00B read\nRequests/sec:      0.00\n")
    floor = parse_wrk("  20 requests in 10.00s, 1.00MB read\nRequests/sec:      2.00\n")
    result = _loaded(Load("event page", "/", "/"), "/", none, floor, 10, 16)
    assert result.extra["tracker"]["requests_per_s"] is None
    assert result.extra["percent_of_floor"] is None
    assert "no request completed in 10 s" in throughput_table([result])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_commits_made_during_a_run_end_what_the_server_keeps():
    import time

    from api import committed
    from bench.runner import _committing

    before = committed.state("default")
    with _committing(50) as commits:
        time.sleep(0.3)
    assert commits[0] >= 3
    assert committed.state("default") != before
    with _committing(0) as none:
        pass
    assert none == [0]
