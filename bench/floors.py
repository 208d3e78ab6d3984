"""Raw-SQL floors: what an operation would cost if it were one hand-written query and json.dumps.

The latency part of the bench calls `rows_json` in-process; the throughput part serves the same
queries as views under /__floor__/ (bench/urls.py) from the gunicorn that serves the product, so
both pass the same middleware stack. Only the bench's server mounts them (BENCH_FLOOR=true selects
bench.urls); the product's URLs (config.urls) never do.
"""

import json

from django.db import connection
from django.http import HttpResponse, HttpResponseNotModified
from django.views.decorators.http import require_GET

CLAIM_COLUMNS = (
    "c.id, c.text, c.slug, c.status, c.status_reason, c.verdict, c.publication, c.updated_at, "
    "c.event_id, e.name AS event_name, e.slug AS event_slug"
)
CLAIM_LIST = (
    f"SELECT {CLAIM_COLUMNS}, count(*) OVER () AS total FROM claims_claim c "
    "LEFT JOIN claims_event e ON e.id = c.event_id WHERE c.publication = 'published' AND {where} "
    "ORDER BY c.updated_at DESC, c.id DESC LIMIT 50"
)
ATTRIBUTION_COLUMNS = (
    "a.id, a.claim_id, a.voice, a.stance, a.quote, a.quote_start, a.quote_end, a.stated_on,"
    " a.speaker_description, s.id AS speaker_id, s.name AS speaker, d.id AS document_id, d.title,"
    " d.published, o.name AS outlet, v.name AS via"
)
ATTRIBUTION_JOINS = (
    " JOIN sources_document d ON d.id = a.document_id"
    " LEFT JOIN sources_actor s ON s.id = a.speaker_id"
    " LEFT JOIN sources_outlet o ON o.id = d.outlet_id"
    " LEFT JOIN sources_outlet v ON v.id = a.via_id"
)
ATTRIBUTION_ROWS = f"SELECT {ATTRIBUTION_COLUMNS} FROM claims_attribution a{ATTRIBUTION_JOINS}"
CLAIM_ATTRIBUTIONS = f"{ATTRIBUTION_ROWS} WHERE a.claim_id = %s ORDER BY a.id"
FIGURE_ROWS = (
    "SELECT f.id, f.measure, f.population, f.qualifier, f.value, f.value_high, f.low, f.high,"
    " f.text, f.as_of, a.id AS attribution_id, a.voice, a.stance, c.slug AS claim,"
    " s.name AS speaker, d.title, o.name AS outlet FROM claims_figure f"
    " JOIN claims_attribution a ON a.id = f.attribution_id"
    " JOIN claims_claim c ON c.id = a.claim_id AND c.publication = 'published'"
    " JOIN sources_document d ON d.id = a.document_id"
    " LEFT JOIN sources_actor s ON s.id = a.speaker_id"
    " LEFT JOIN sources_outlet o ON o.id = d.outlet_id"
    " WHERE f.event_id = %s ORDER BY f.measure, f.population, f.low"
)
# The throughput run's claims list: published contested claims, newest first, a page of 50.
CONTESTED = ("c.status = %s", ["contested"])
# The same page with each claim's attributions (?expand=attributions), one query.
CLAIMS_EXPANDED = (
    f"WITH page AS ({CLAIM_LIST.format(where=CONTESTED[0])}) "
    f"SELECT page.*, {ATTRIBUTION_COLUMNS.replace('a.id,', 'a.id AS attribution_id,', 1)}"
    " FROM page"
    " LEFT JOIN claims_attribution a ON a.claim_id = page.id"
    f"{ATTRIBUTION_JOINS.replace(' JOIN sources_document', ' LEFT JOIN sources_document')}"
    " ORDER BY page.updated_at DESC, page.id DESC, a.id"
)
VERSION = "SELECT version FROM claims_claim WHERE id = %s AND publication = 'published'"


def rows_json(sql: str, params: list) -> str:
    """The rows of one query as a JSON list of objects."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c[0] for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return json.dumps(rows, default=str)


def _json(sql: str, params: list) -> HttpResponse:
    return HttpResponse(rows_json(sql, params), content_type="application/json")


@require_GET
def claims_list(request):
    return _json(CLAIM_LIST.format(where=CONTESTED[0]), CONTESTED[1])


@require_GET
def claims_expanded(request):
    return _json(CLAIMS_EXPANDED, CONTESTED[1])


@require_GET
def claim_attributions(request, pk: int):
    """The floor of the API claim detail and of the claim page: the claim's attributions."""
    return _json(CLAIM_ATTRIBUTIONS, [pk])


@require_GET
def event_figures(request, pk: int):
    """The floor of the event figures API and of the event page: the event's figures."""
    return _json(FIGURE_ROWS, [pk])


@require_GET
def revalidate(request, pk: int):
    """A conditional GET at its cheapest: one version look-up, then 304 when it matches."""
    with connection.cursor() as cursor:
        cursor.execute(VERSION, [pk])
        row = cursor.fetchone()
    if row is None:
        return HttpResponse(status=404)
    etag = f'"{row[0]}"'
    if request.headers.get("If-None-Match") == etag:
        return HttpResponseNotModified(headers={"ETag": etag})
    return HttpResponse(json.dumps({"id": pk, "version": row[0]}), headers={"ETag": etag})
