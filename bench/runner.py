"""The benchmark behind `manage.py bench`: latency against a raw-SQL floor, and throughput.

Every operation is requested by URL through Django's test Client in-process, so the bench measures
whatever the project serves today: an operation whose URL answers 404 (or whose module is missing)
is reported as "n/a (endpoint not present)" instead of failing. Each operation's floor is the same
rows fetched with one hand-written SQL query and encoded with json.dumps, measured in the same run.

Throughput runs the real stack: gunicorn (gthread) on 127.0.0.1 with DEBUG off, driven by wrk.
"""

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client, override_settings

from api import committed
from bench.floors import (
    ATTRIBUTION_ROWS,
    CLAIM_ATTRIBUTIONS,
    CLAIM_LIST,
    FIGURE_ROWS,
    rows_json,
)
from claims import services
from claims.models import Attribution, Claim, Event
from sources.models import ActorAlias, Document

NA_MISSING = "n/a (endpoint not present)"
LARGE_TABLES = ("claims_claim", "claims_attribution", "claims_figure", "sources_document")
PAGE = 50


@dataclass
class Result:
    name: str
    target: str = ""
    p50_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    floor_ms: float | None = None
    ratio: float | None = None
    note: str = ""
    url: str = ""
    extra: dict = field(default_factory=dict)
    sql: list = field(default_factory=list, repr=False)


class CapturedQueries:
    """The statements run on the default connection inside the block, with their parameters.

    An execute wrapper, not Django's CaptureQueriesContext: that one slices `queries_log`, which
    every request start clears (request_started -> reset_queries), so a capture around a request
    could come out short or empty depending on what the log held before.
    """

    def __enter__(self):
        self.captured_queries: list[dict] = []
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        return self._wrapper.__exit__(*exc)

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        with contextlib.suppress(Exception):  # a statement's text is informative only
            sql = connection.ops.last_executed_query(context["cursor"], sql, params)
        self.captured_queries.append({"sql": sql})
        return result

    def __len__(self) -> int:
        return len(self.captured_queries)


@dataclass
class Targets:
    """The rows the operations ask for, found in the database."""

    hot_event: Event
    busy_claim: Claim  # 50+ attributions
    big_claim: Claim  # the most attributions (1,000+ at scale >= 0.1)
    document: Document
    alias: str
    speaker_id: int
    name_query: str
    phrase_query: str
    date_after: date = date(2021, 1, 1)
    date_before: date = date(2021, 12, 31)


def find_targets() -> Targets:
    published = Claim.objects.published()
    hot_event = Event.objects.annotate(n=Count("figures")).order_by("-n", "pk").first()
    by_size = published.annotate(n=Count("attributions"))
    busy = by_size.filter(n__gte=50).order_by("n", "pk").first() or by_size.order_by("-n").first()
    big = by_size.order_by("-n", "pk").first()
    speaker = (
        Attribution.objects.filter(speaker__isnull=False, claim__publication="published")
        .values("speaker_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "speaker_id")
        .first()
    )
    alias = ActorAlias.objects.filter(actor_id=speaker["speaker_id"]).order_by("pk").first()
    document = Document.objects.annotate(n=Count("attributions")).order_by("-n", "pk").first()
    actor_name = alias.actor.name
    return Targets(
        hot_event=hot_event,
        busy_claim=busy,
        big_claim=big,
        document=document,
        alias=alias.name,
        speaker_id=speaker["speaker_id"],
        name_query=actor_name,
        phrase_query='"widely thought to be linked"',
    )


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def _time(fn: Callable[[], object], warmup: int, iterations: int) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


class Bench:
    def __init__(self, *, warmup: int = 5, iterations: int = 30, budget_s: float = 20, out=print):
        self.budget_s = budget_s
        self.warmup = warmup
        self.iterations = iterations
        self.out = out
        self.client = Client()
        self.results: list[Result] = []

    # -- measuring -------------------------------------------------------------------------
    def get(self, name: str, url: str, floor: Callable[[], object] | None, target: str = ""):
        result = Result(name=name, url=url, target=target)
        started = time.perf_counter()
        with CapturedQueries() as first_queries:
            first = self.client.get(url, secure=True)
        first_s = time.perf_counter() - started
        if first.status_code == 404:
            result.note = NA_MISSING
            return self._add(result)
        if first.status_code != 200:
            result.note = f"error: HTTP {first.status_code}"
            return self._add(result)
        warmup, iterations = self._budget(first_s, result)
        samples = _time(lambda: self.client.get(url, secure=True), warmup, iterations)
        captured = first_queries
        if not result.note:  # fast enough to count the queries of a warm request
            with CapturedQueries() as captured:
                self.client.get(url, secure=True)
        result.queries = len(captured.captured_queries)
        result.sql = [q["sql"] for q in captured.captured_queries]
        result.extra["bytes"] = len(first.content)
        return self._finish(result, samples, floor)

    def _budget(self, first_s: float, result: Result) -> tuple[int, int]:
        """Fewer repetitions for an operation so slow that the full count would take minutes."""
        affordable = int(self.budget_s / max(first_s, 1e-6))
        if affordable >= self.warmup + self.iterations:
            return self.warmup, self.iterations
        iterations = max(1 if first_s > self.budget_s else 3, min(self.iterations, affordable))
        result.extra["iterations"] = iterations
        result.note = f"slow: {iterations} runs, no warm-up"
        return 0, iterations

    def call(self, name: str, fn: Callable[[], object], floor, target: str = "", queries=True):
        result = Result(name=name, target=target)
        started = time.perf_counter()
        fn()
        warmup, iterations = self._budget(time.perf_counter() - started, result)
        samples = _time(fn, warmup, iterations)
        if queries:
            with CapturedQueries() as captured:
                fn()
            result.queries = len(captured.captured_queries)
            result.sql = [q["sql"] for q in captured.captured_queries]
        return self._finish(result, samples, floor)

    def _finish(self, result: Result, samples: list[float], floor) -> Result:
        result.p50_ms = round(statistics.median(samples), 2)
        result.p95_ms = round(_percentile(samples, 0.95), 2)
        if floor is not None:
            floor_samples = _time(floor, self.warmup, self.iterations)
            result.floor_ms = round(statistics.median(floor_samples), 3)
            result.ratio = round(result.p50_ms / max(result.floor_ms, 1e-3), 1)
        return self._add(result)

    def _add(self, result: Result) -> Result:
        self.results.append(result)
        shown = (
            f"p50 {result.p50_ms} ms, {result.queries} queries" if result.p50_ms else result.note
        )
        self.out(f"  {result.name}: {shown}")
        return result


# -- raw-SQL floors: one hand-written query each, rows encoded with json.dumps ---------------
def floor(sql: str, params: list) -> Callable[[], str]:
    return lambda: rows_json(sql, params)


def _first_read_after_a_change(bench, name: str, url: str, floor_call, target: str) -> None:
    """A read whose work is kept per version of what it reads (api.conditional.once_per_version,
    in the derived cache: an event's comparison, its page's rendered figures), measured as the
    first read after a change: that cache emptied before each request."""

    def first_read() -> None:
        caches[settings.DERIVED_CACHE].clear()
        bench.client.get(url, secure=True)

    bench.call(f"{name}, first read after a change", first_read, floor_call, target=target)


def run_latency(bench: Bench, t: Targets) -> None:
    """Every in-process operation of issue 7, in order."""
    claims = "/api/v1/claims/"
    filters = [
        ("status", "status=contested", "c.status = %s", ["contested"]),
        ("event", f"event={t.hot_event.pk}", "c.event_id = %s", [t.hot_event.pk]),
        (
            "speaker alias",
            urlencode({"speaker": t.alias}),  # an alias may hold # or &
            "c.id IN (SELECT claim_id FROM claims_attribution WHERE speaker_id = %s)",
            [t.speaker_id],
        ),
        (
            "date range",
            f"date_after={t.date_after}&date_before={t.date_before}",
            "c.id IN (SELECT a.claim_id FROM claims_attribution a JOIN sources_document d "
            "ON d.id = a.document_id WHERE COALESCE(a.stated_on, d.published) BETWEEN %s AND %s)",
            [t.date_after, t.date_before],
        ),
    ]
    for label, query, where, params in filters:
        bench.get(
            f"API claims list ?{label}",
            f"{claims}?{query}&page_size={PAGE}",
            floor(CLAIM_LIST.format(where=where), params),
            target="p50 ≤ 50 ms, ≤ 5× floor",
        )
    label, query, where, params = filters[-1]  # the public list page, by the same FilterSet
    bench.get(
        f"page /claims/ ?{label}",
        f"/claims/?{query}",
        floor(CLAIM_LIST.format(where=where), params),
        target="p50 ≤ 50 ms, ≤ 5× floor",
    )
    n_busy = t.busy_claim.attributions.count()
    bench.get(
        f"API claim detail ({n_busy} attributions)",
        f"{claims}{t.busy_claim.pk}/",
        floor(CLAIM_ATTRIBUTIONS, [t.busy_claim.pk]),
        target="p50 ≤ 50 ms, ≤ 5× floor",
    )
    n_figures = t.hot_event.figures.count()
    figures_floor = floor(FIGURE_ROWS, [t.hot_event.pk])
    bench.get(
        f"API event figures ({n_figures} figures)",
        f"/api/v1/events/{t.hot_event.pk}/figures/",
        figures_floor,
        target="p50 ≤ 50 ms, ≤ 5× floor",
    )
    _first_read_after_a_change(
        bench,
        f"API event figures ({n_figures} figures)",
        f"/api/v1/events/{t.hot_event.pk}/figures/",
        figures_floor,
        "(reported: the comparison recomputed)",
    )
    deep = deep_cursor_url(bench.client, depth=20)
    if deep is None:
        bench._add(Result(name="API attributions, deep cursor", note=NA_MISSING))
    else:
        url, after_id = deep
        bench.get(
            "API attributions, deep cursor",
            url,
            floor(f"{ATTRIBUTION_ROWS} WHERE a.id > %s ORDER BY a.id LIMIT {PAGE}", [after_id]),
            target="p50 ≤ 50 ms, ≤ 5× floor",
        )
    bench.get(
        f"page /events/ hot ({n_figures} figures)",
        f"/events/{t.hot_event.slug}/",
        figures_floor,
        target="p50 ≤ 50 ms, ≤ 5× floor",
    )
    _first_read_after_a_change(
        bench,
        f"page /events/ hot ({n_figures} figures)",
        f"/events/{t.hot_event.slug}/",
        figures_floor,
        "(reported: the comparison recomputed, the figures rendered)",
    )
    bench.get(
        f"page /claims/ detail ({n_busy} attributions)",
        f"/claims/{t.busy_claim.slug}/",
        floor(CLAIM_ATTRIBUTIONS, [t.busy_claim.pk]),
        target="p50 ≤ 50 ms, ≤ 5× floor",
    )
    bench.get(
        "page /documents/ detail",
        f"/documents/{t.document.pk}/",
        floor(
            "SELECT d.id, d.title, d.text, d.published, o.name AS outlet, a.id AS attribution_id,"
            " a.quote_start, a.quote_end, a.voice, a.stance, c.slug AS claim, s.name AS speaker"
            " FROM sources_document d LEFT JOIN sources_outlet o ON o.id = d.outlet_id"
            " LEFT JOIN claims_attribution a ON a.document_id = d.id"
            " LEFT JOIN claims_claim c ON c.id = a.claim_id AND c.publication = 'published'"
            " LEFT JOIN sources_actor s ON s.id = a.speaker_id"
            " WHERE d.id = %s ORDER BY a.quote_start",
            [t.document.pk],
        ),
        target="p50 ≤ 50 ms, ≤ 5× floor",
    )
    from urllib.parse import quote_plus

    bench.get(
        "search: a name",
        f"/search/?q={quote_plus(t.name_query)}",
        None,
        target="p50 ≤ 100 ms",
    )
    bench.get(
        "search: a phrase",
        f"/search/?q={quote_plus(t.phrase_query)}",
        None,
        target="p50 ≤ 100 ms",
    )
    add_attribution(bench, t)


def deep_cursor_url(client: Client, depth: int) -> tuple[str, int] | None:
    """Follow `next` links of the attributions list `depth` pages deep; (url, last id before)."""
    url = f"/api/v1/attributions/?page_size={PAGE}"
    last_id = 0
    for _ in range(depth):
        response = client.get(url, secure=True)
        if response.status_code != 200:
            return None
        body = response.json()
        rows = body.get("results", [])
        if not body.get("next") or not rows:
            break
        last_id = max(row["id"] for row in rows if "id" in row) if rows else last_id
        parts = urlsplit(body["next"])
        url = f"{parts.path}?{parts.query}"
    return url, last_id


def add_attribution(bench: Bench, t: Targets) -> None:
    """Save one more attribution on the biggest claim (quote anchoring and status refresh
    included) in a transaction rolled back afterwards, so the corpus is left as it was."""
    claim = t.big_claim
    n = claim.attributions.count()
    document = t.document
    text = document.text
    # The reference line the generator appends: no generated attribution quotes it.
    start = text.rfind("(Reference ")
    quote = text[start + 1 : -1] if start >= 0 else text[: text.find(".", 40) + 1]

    def add() -> None:
        with transaction.atomic():
            attribution = Attribution(
                claim=claim,
                document=document,
                voice="hearsay",
                stance="supports",
                quote=quote,
            )
            attribution.full_clean()
            services.save_attribution(attribution=attribution)
            transaction.set_rollback(True)

    def raw_insert() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO claims_attribution (claim_id, document_id, speaker_description,"
                " voice, stance, quote, quote_start, quote_end, quote_prefix, quote_suffix, note,"
                " version, review, created_at, updated_at) VALUES (%s, %s, '', 'hearsay', 'supports',"
                " %s, 0, %s, '', '', '', 1, 'pending', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                " RETURNING id",
                [claim.pk, document.pk, quote, len(quote)],
            )
            json.dumps(cursor.fetchone())
            transaction.set_rollback(True)

    # On a published claim the addition is a proposal (claims.services: review), which leaves the
    # public status as it was; the status is derived again when a reviewer approves it.
    published = claim.publication == Claim.Publication.PUBLISHED
    bench.call(
        f"add attribution to a {n}-attribution claim" + (" (a proposal)" if published else ""),
        add,
        raw_insert,
        target="≤ 30 ms",
    )
    if not published:
        return

    def add_and_approve() -> None:
        with transaction.atomic():
            reviewer = get_user_model().objects.create(username=f"bench-{secrets.token_hex(4)}")
            reviewer.is_superuser = True
            attribution = Attribution(
                claim=claim, document=document, voice="hearsay", stance="supports", quote=quote
            )
            attribution.full_clean()
            proposed = services.save_attribution(attribution=attribution)
            services.approve_evidence(items=[proposed], by=reviewer)
            transaction.set_rollback(True)

    bench.call(f"add and approve an attribution on a {n}-attribution claim", add_and_approve, None)


def suggestion_throughput(bench: Bench, megabytes: float) -> None:
    try:
        from suggestions.benchmark import measure_throughput
    except ImportError:
        bench._add(Result(name="suggestion throughput", note=NA_MISSING))
        return
    measured = measure_throughput(megabytes=megabytes)
    result = Result(name="suggestion throughput", note=f"{measured['mb_per_s']:.2f} MB/s")
    result.extra = dict(measured)
    bench._add(result)


# -- EXPLAIN audit ----------------------------------------------------------------------------
def seq_scans(sql: str) -> list[str]:
    """Large tables this statement reads with a sequential scan (PostgreSQL only)."""
    if connection.vendor != "postgresql" or not sql.lstrip().upper().startswith("SELECT"):
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    found = []

    def walk(node):
        if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in LARGE_TABLES:
            found.append(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return found


def explain_analyze(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def audit(results: list[Result]) -> dict:
    """Seq scans on large tables per operation, and EXPLAIN ANALYZE of the slowest query of the
    slowest operation."""
    report: dict = {"seq_scans": {}, "slowest": None}
    if connection.vendor != "postgresql":
        return report
    for r in results:
        tables = sorted({t for sql in r.sql for t in seq_scans(sql)})
        if tables:
            report["seq_scans"][r.name] = tables
    measured = [r for r in results if r.p50_ms is not None and r.sql]
    if measured:
        slowest = max(measured, key=lambda r: r.p50_ms)
        timings = []
        for sql in slowest.sql:
            if sql.lstrip().upper().startswith("SELECT"):
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                timings.append((time.perf_counter() - started, sql))
        if timings:
            _, sql = max(timings)
            report["slowest"] = {
                "operation": slowest.name,
                "sql": sql,
                "plan": explain_analyze(sql),
            }
    return report


# -- throughput -------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ms(value: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60000.0)):
        if value.endswith(unit):
            return float(value[: -len(unit)]) * factor
    return float(value)


def parse_wrk(output: str) -> dict:
    out = {"requests_per_s": None, "p50_ms": None, "p99_ms": None, "errors": 0, "requests": None}
    for line in output.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            out["requests_per_s"] = float(words[1])
        elif words[:1] == ["50%"]:
            out["p50_ms"] = round(_ms(words[1]), 2)
        elif words[:1] == ["99%"]:
            out["p99_ms"] = round(_ms(words[1]), 2)
        elif "requests in" in line:
            out["requests"] = int(words[0])
        elif line.strip().startswith("Non-2xx or 3xx responses:"):
            out["errors"] += int(words[-1])
        elif line.strip().startswith("Socket errors:"):
            # "Socket errors: connect 0, read 0, write 0, timeout 0"
            out["errors"] += sum(int(w.rstrip(",")) for w in words[3::2])
    return out


def database_url() -> str:
    """The URL of the database this process uses, for the server process."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@dataclass
class Load:
    """One throughput operation: the product's URL and its floor's, served by one gunicorn."""

    name: str
    path: str
    floor: str
    target: str = "≥ 25 % of the floor's req/s, p99 ≤ 100 ms"
    conditional: bool = False  # revalidate with If-None-Match: the response's own ETag
    # Commits per second made elsewhere during the run: each one ends what the server keeps
    # until a commit (api.conditional.once_per_state), as an editor's or a task's writes do.
    commits_per_second: float = 0


def throughput_loads(t: Targets) -> list[Load]:
    claim, event = t.busy_claim, t.hot_event
    listing = f"/api/v1/claims/?status=contested&page_size={PAGE}"
    attributions = f"/__floor__/claims/{claim.pk}/attributions/"
    figures = f"/__floor__/events/{event.pk}/figures/"
    return [
        Load("API claim detail", f"/api/v1/claims/{claim.pk}/", attributions),
        Load("API claims list", listing, "/__floor__/claims/"),
        Load(
            "API claims list, 10 commits a second elsewhere",
            listing,
            "/__floor__/claims/",
            commits_per_second=10,
        ),
        Load(
            "API claims list, attributions expanded",
            f"{listing}&expand=attributions",
            "/__floor__/claims-expanded/",
        ),
        Load("page /claims/ detail", f"/claims/{claim.slug}/", attributions),
        Load("page /events/ hot", f"/events/{event.slug}/", figures),
        Load("API event figures", f"/api/v1/events/{event.pk}/figures/", figures),
        Load(
            "304 revalidation, API claim detail",
            f"/api/v1/claims/{claim.pk}/",
            f"/__floor__/claims/{claim.pk}/revalidate/",
            target="≥ 80 % of the floor's req/s",
            conditional=True,
        ),
    ]


def _fetch(url: str, headers: dict | None = None) -> tuple[int, dict]:
    """(status, headers) of a GET; 3xx and 4xx included."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def _prepare(url: str, conditional: bool) -> tuple[dict | None, str]:
    """The headers to load `url` with, or None and why it cannot be measured."""
    status, headers = _fetch(url)
    if status == 404:
        return None, NA_MISSING
    if status != 200:
        return None, f"error: HTTP {status}"
    if not conditional:
        return {}, ""
    etag = headers.get("ETag")
    if not etag:
        return None, "n/a (the response carries no ETag)"
    status, _ = _fetch(url, {"If-None-Match": etag})
    if status != 304:
        return None, f"n/a (ETag sent but If-None-Match answered {status}, not 304)"
    return {"If-None-Match": etag}, ""


# One connection per request, as behind a proxy that keeps no upstream connection alive (nginx's
# default). With kept-alive connections each of wrk's 16 stayed with the worker that accepted it,
# and how they happened to fall (10 on one worker, 1 on another) halved or doubled a run's rate:
# the same load measured 1,129 and 2,298 req/s in two runs.
WRK_HEADERS = {"Connection": "close"}
# Seconds of load, not measured, before each measured run.
WARM_UP_SECONDS = 2


def _wrk(wrk: str, url: str, headers: dict, seconds: float, connections: int) -> dict:
    threads = min(os.cpu_count() or 2, connections)
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
               "--latency", "--timeout", "10s"]  # fmt: skip
    for name, value in {**WRK_HEADERS, **headers}.items():
        command += ["-H", f"{name}: {value}"]
    run = subprocess.run([*command, url], capture_output=True, text=True, check=False)
    return parse_wrk(run.stdout)


def _loaded(load: Load, url: str, tracker: dict, base: dict, seconds: float, conns: int):
    for run in (tracker, base):
        if not run["requests"]:  # every request outlived the run: wrk reports zeros
            run["requests_per_s"] = run["p50_ms"] = run["p99_ms"] = None
    rps, floor_rps = tracker["requests_per_s"], base["requests_per_s"]
    share = round(100 * rps / floor_rps, 1) if rps and floor_rps else None
    result = Result(
        name=f"throughput: {load.name}",
        url=url,
        target=load.target,
        ratio=round(floor_rps / rps, 1) if share else None,
        extra={
            "tracker": tracker,
            "floor": base,
            "percent_of_floor": share,
            "errors": tracker["errors"] + base["errors"],
            "seconds": seconds,
            "connections": conns,
        },
    )
    result.note = (
        f"{rps} req/s (p50 {tracker['p50_ms']}, p99 {tracker['p99_ms']} ms); floor {floor_rps} "
        f"req/s (p50 {base['p50_ms']}, p99 {base['p99_ms']} ms); {share} % of floor; "
        f"{result.extra['errors']} errors"
    )
    return result


def server_environment(port: int, threads: int) -> dict[str, str]:
    """The bench's gunicorn: DEBUG off, the floors mounted, the configured database."""
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url(),
        "BENCH_FLOOR": "true",
        # Throttles stay on (their cache work is part of the cost) but never refuse.
        "API_THROTTLE_ANON": "1000000000/second",
        "API_THROTTLE_USER": "1000000000/second",
        "AXES_ENABLED": "false",
    }
    if connection.vendor == "sqlite":
        env["CONN_MAX_AGE"] = "600"
    elif connection.settings_dict["OPTIONS"].get("pool"):
        # The production default (config/database.py), sized by its rule: one per thread.
        env.setdefault("DB_POOL_MIN", str(threads))
        env.setdefault("DB_POOL_MAX", str(threads))
    return env


def run_throughput(
    loads: list[Load], seconds: float, connections: int = 16, out=print, runs: int = 3
) -> list[Result]:
    """Serve the project and its floors from one gunicorn (gthread, DEBUG off) and drive each
    operation and its floor with wrk, `runs` times each in turn; each figure is the median of
    its runs. (On this shared two-core machine one run in three or four has a slow spell: the
    p99 of the same load measured 45 ms and 250 ms in consecutive runs, the floor's too.)"""
    wrk = shutil.which("wrk")
    names = [f"throughput: {load.name}" for load in loads]
    if wrk is None:
        return [
            Result(name=n, note="n/a (wrk not installed: make bench installs it)") for n in names
        ]
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"] in (":memory:", ""):
        return [Result(name=n, note="n/a (in-memory SQLite)") for n in names]
    port = free_port()
    cores = os.cpu_count() or 2
    workers, threads = 2 * cores, 4
    env = server_environment(port, threads)
    # As a deployment does: DEBUG off serves the hashed, compressed files of the manifest. Into a
    # directory of the bench's own: the project's staticfiles/ is left as it was.
    static_root = tempfile.mkdtemp(prefix="bench-static-")
    env["STATIC_ROOT"] = static_root
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
    )
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-gunicorn-", suffix=".log")  # noqa: SIM115
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--worker-class", "gthread",
         "--workers", str(workers), "--threads", str(threads), "--log-level", "warning"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,  # a file: a pipe nobody reads would block the server once full
        start_new_session=True,
    )  # fmt: skip
    out(f"  gunicorn: {workers} workers × {threads} threads, database {describe_pooling(env)}")
    results = []
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(_tail(log)) from None
                time.sleep(0.2)
        for load in loads:
            url, floor_url = base + load.path, base + load.floor
            headers, why = _prepare(url, load.conditional)
            floor_headers, floor_why = _prepare(floor_url, load.conditional)
            if headers is None or floor_headers is None:
                note = why or f"floor: {floor_why}"
                if "error" in note:
                    note += f" ({_tail(log, 300)})"
                results.append(Result(name=f"throughput: {load.name}", url=url, note=note))
                out(f"  throughput: {load.name}: {note}")
                continue
            trackers, floors, commits = [], [], 0
            for _ in range(runs):  # interleaved: a slow spell of the machine hits both sides
                # Each measured run follows a warm-up of its own: every worker has read its
                # first request (its connections opened, its caches filled, as in a deployment
                # that has been up), and the requests the previous run left in flight have
                # ended (a list's floor takes 400 ms each: measured from their end, the next
                # run's p99 was 250 ms instead of 50).
                _wrk(wrk, url, headers, WARM_UP_SECONDS, connections)
                with _committing(load.commits_per_second) as made:
                    trackers.append(_wrk(wrk, url, headers, seconds, connections))
                commits += made[0]
                _wrk(wrk, floor_url, floor_headers, WARM_UP_SECONDS, connections)
                floors.append(_wrk(wrk, floor_url, floor_headers, seconds, connections))
            result = _loaded(
                load, url, median_run(trackers), median_run(floors), seconds, connections
            )
            result.extra["server"] = {"workers": workers, "threads": threads}
            result.extra["runs"] = {"tracker": trackers, "floor": floors}
            if runs > 1:
                result.note += f"; medians of {runs} runs"
            if load.commits_per_second:
                result.extra["commits"] = commits
                result.note += f"; {commits} commits during the runs"
            results.append(result)
            out(f"  {result.name}: {result.note}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
        shutil.rmtree(static_root, ignore_errors=True)
    return results


def median_run(runs: list[dict]) -> dict:
    """One wrk run made of several: the median of each figure, the errors and requests summed."""

    def median(key):
        values = [run[key] for run in runs if run[key] is not None]
        return round(statistics.median(values), 2) if values else None

    return {
        "requests_per_s": median("requests_per_s"),
        "p50_ms": median("p50_ms"),
        "p99_ms": median("p99_ms"),
        "errors": sum(run["errors"] for run in runs),
        "requests": sum(run["requests"] or 0 for run in runs) or None,
    }


@contextlib.contextmanager
def _committing(per_second: float):
    """While the block runs, commit `per_second` times a second (a row into a temporary table
    of the bench's own connection: a commit like any other, touching nothing of the product's).
    Yields a one-item list: how many commits were made, once the block has ended."""
    made = [0]
    if not per_second:
        yield made
        return
    stop = threading.Event()
    failed: list[Exception] = []

    def commit() -> None:
        try:
            with connection.cursor() as cursor:
                # A pooled connection keeps its session, and so the table, between runs.
                cursor.execute("CREATE TEMPORARY TABLE IF NOT EXISTS bench_commits (n integer)")
                while not stop.wait(1 / per_second):
                    cursor.execute("INSERT INTO bench_commits VALUES (%s)", [made[0]])
                    made[0] += 1
        except Exception as error:
            failed.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=commit, daemon=True)
    thread.start()
    try:
        yield made
    finally:
        stop.set()
        thread.join()
    if failed:
        raise RuntimeError(f"the commits of the run failed: {failed[0]}") from failed[0]


def _tail(log, chars: int = 2000) -> str:
    """The end of the server's log: the last error it wrote."""
    log.flush()
    log.seek(0)
    return " ".join(log.read()[-chars:].split())


def describe_pooling(env: dict) -> str:
    if connection.vendor != "postgresql":
        return f"{connection.vendor}, CONN_MAX_AGE {env.get('CONN_MAX_AGE', 0)}"
    if connection.settings_dict["OPTIONS"].get("pool"):
        return f"psycopg pool per worker ({env['DB_POOL_MIN']}-{env['DB_POOL_MAX']})"
    db = connection.settings_dict  # this process's settings: the server reads the same variables
    cursors = ", no server-side cursors" if db.get("DISABLE_SERVER_SIDE_CURSORS") else ""
    return f"DB_POOLER={env.get('DB_POOLER')}, CONN_MAX_AGE {db['CONN_MAX_AGE']}{cursors}"


# -- running it all ---------------------------------------------------------------------------
def relaxed_throttles():
    """Keep DRF's throttles (and their cache queries) but let repeated requests through."""
    from rest_framework.throttling import SimpleRateThrottle

    class _Patch:
        def __enter__(self):
            self.saved = SimpleRateThrottle.THROTTLE_RATES
            SimpleRateThrottle.THROTTLE_RATES = {
                k: ("1000000000/second" if v else v) for k, v in dict(self.saved).items()
            }

        def __exit__(self, *exc):
            SimpleRateThrottle.THROTTLE_RATES = self.saved

    return _Patch()


# The latency part measures what a response costs to compute: the rendered-response cache of
# api.conditional would otherwise answer every repetition after the first from memory (the
# throughput part keeps it, as a deployment does, and measures it).
UNCACHED_RESPONSES = {
    "CACHES": {
        **settings.CACHES,
        "bench-uncached": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    },
    "CONDITIONAL_CACHE": "bench-uncached",
}


def run(
    *,
    warmup: int,
    iterations: int,
    throughput_seconds: float,
    suggestion_mb: float,
    throughput_runs: int = 3,
    budget_s: float = 20,
    out=print,
) -> dict:
    targets = find_targets()
    bench = Bench(warmup=warmup, iterations=iterations, budget_s=budget_s, out=out)
    with (
        override_settings(
            DEBUG=False,
            ALLOWED_HOSTS=["testserver"],
            SECURE_SSL_REDIRECT=False,
            AXES_ENABLED=False,
            **UNCACHED_RESPONSES,
        ),
        relaxed_throttles(),
        committed.nothing_kept(),  # what a response costs to compute, as after a commit
    ):
        run_latency(bench, targets)
    suggestion_throughput(bench, suggestion_mb)
    findings = audit(bench.results)
    if throughput_seconds > 0:
        out("  throughput under gunicorn + wrk…")
        bench.results += run_throughput(
            throughput_loads(targets), throughput_seconds, out=out, runs=throughput_runs
        )
    return {
        "results": bench.results,
        "audit": findings,
        "targets": {
            "hot_event": targets.hot_event.slug,
            "busy_claim": targets.busy_claim.slug,
            "big_claim": targets.big_claim.slug,
            "document": targets.document.pk,
            "speaker_alias": targets.alias,
            "name_query": targets.name_query,
            "phrase_query": targets.phrase_query,
        },
    }


def table(results: list[Result]) -> str:
    head = f"{'operation':<46} {'p50 ms':>8} {'p95 ms':>8} {'queries':>7} {'floor ms':>9} {'ratio':>6}  note"
    lines = [head, "-" * len(head)]
    for r in results:
        if r.name.startswith("throughput: "):
            continue  # throughput_table

        def f(v, spec):
            return format(v, spec) if v is not None else "-"

        lines.append(
            f"{r.name[:46]:<46} {f(r.p50_ms, '8.2f'):>8} {f(r.p95_ms, '8.2f'):>8} "
            f"{f(r.queries, 'd'):>7} {f(r.floor_ms, '9.3f'):>9} {f(r.ratio, '6.1f'):>6}  "
            f"{'; '.join(x for x in (r.target, r.note) if x)}"
        )
    return "\n".join(lines)


def throughput_table(results: list[Result]) -> str:
    """Each operation beside its floor, served by the same gunicorn: req/s, p50, p99, share."""
    head = (
        f"{'throughput (wrk)':<40} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'floor/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'% floor':>7}  note"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        if not r.name.startswith("throughput: "):
            continue
        name = r.name.removeprefix("throughput: ")[:40]
        tracker, base = r.extra.get("tracker"), r.extra.get("floor")
        if tracker is None:
            lines.append(f"{name:<40} {r.note}")
            continue

        def f(v):
            return "-" if v is None else f"{v:.1f}" if isinstance(v, float) else str(v)

        if tracker["requests_per_s"] is None:
            lines.append(f"{name:<40} no request completed in {r.extra['seconds']:g} s; {r.note}")
            continue
        lines.append(
            f"{name:<40} {f(tracker['requests_per_s']):>8} {f(tracker['p50_ms']):>7} "
            f"{f(tracker['p99_ms']):>7} {f(base['requests_per_s']):>8} {f(base['p50_ms']):>7} "
            f"{f(base['p99_ms']):>7} {f(r.extra['percent_of_floor']):>7}  "
            f"{r.target}; {r.extra['errors']} errors"
        )
    return "\n".join(lines)


def to_json(report: dict, meta: dict) -> str:
    results = []
    for r in report["results"]:
        row = asdict(r)
        row["queries_sql"] = row.pop("sql")[:20]
        results.append(row)
    return json.dumps(
        {**meta, "results": results, "audit": report["audit"], "targets": report["targets"]},
        indent=2,
        default=str,
    )
