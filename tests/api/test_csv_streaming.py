"""`?format=csv` on a list: every matching row, streamed in chunks, not one page."""

# ruff: noqa: F811  (pytest fixtures imported from tests.api_helpers)

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.viewsets import CSV_CHUNK
from claims.models import Claim
from tests import factories
from tests.api_helpers import anon  # noqa: F401  (fixture)

URL = "/api/v1/"
ROWS = 10_000


def _csv(response) -> list[list[str]]:
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def many_claims(db):
    event = factories.EventFactory()
    Claim.objects.bulk_create(
        Claim(
            text=f"=SUM(A{n}) claimed {n}" if n == 0 else f"Claim number {n}",
            slug=f"many-{n}",
            event=event,
            publication=Claim.Publication.PUBLISHED,
        )
        for n in range(ROWS)
    )
    return event


def test_csv_list_streams_every_matching_row_not_one_page(anon, many_claims):
    with CaptureQueriesContext(connection) as queries:
        response = anon.get(URL + "claims/?format=csv&page_size=10")
        rows = _csv(response)
    header, body = rows[0], rows[1:]
    assert response["Content-Type"].startswith("text/csv")
    assert len(body) == ROWS
    assert len({row[header.index("slug")] for row in body}) == ROWS
    # The formula cell is still escaped.
    texts = {row[header.index("text")] for row in body}
    assert "'=SUM(A0) claimed 0" in texts
    # Queries grow with the chunks, not with the rows.
    chunks = -(-ROWS // CSV_CHUNK)
    assert len(queries) <= 5 + 4 * chunks


def test_csv_list_keeps_filters_and_the_json_columns(anon, many_claims):
    other = factories.ClaimFactory(text="Someone else's claim")
    rows = _csv(anon.get(URL + f"claims/?format=csv&event={other.event.slug}"))
    header, body = rows[0], rows[1:]
    assert [row[header.index("id")] for row in body] == [str(other.pk)]
    json_row = anon.get(URL + f"claims/?event={other.event.slug}").json()["results"][0]
    assert header[: len(json_row)][0] == "id"
    assert {column.split(".")[0] for column in header} == set(json_row)


def test_csv_of_an_empty_list_is_an_empty_document(anon, db):
    rows = _csv(anon.get(URL + "claims/?format=csv"))
    assert rows == [[]]
