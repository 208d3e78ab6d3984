"""CSV and JSON-LD renderers for the API.

CSV flattens each row (nested objects become `parent.child` columns, lists are joined with "; ")
and escapes spreadsheet formulas: a cell starting with = + - @ (or a tab or carriage return) is
prefixed with an apostrophe so a spreadsheet shows it as text instead of running it.

A list asked for as CSV is not paginated: `stream_csv` writes every matching row, chunk by chunk
(see CuratedViewSet.list), with the columns of the first chunk.
"""

import csv
import io
from collections.abc import Iterable, Iterator

from rest_framework.renderers import BaseRenderer, JSONRenderer

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def flatten(row: dict, prefix: str = "") -> dict:
    flat: dict = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, list):
            flat[name] = "; ".join(
                str(v.get("name") or v.get("id") or v) if isinstance(v, dict) else str(v)
                for v in value
            )
        else:
            flat[name] = value
    return flat


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            rows = data["results"]
        elif isinstance(data, list):
            rows = data
        else:
            rows = [data]
        return b"".join(stream_csv([rows]))


def _flat(rows: Iterable) -> list[dict]:
    return [flatten(r) if isinstance(r, dict) else {"value": r} for r in rows]


def stream_csv(chunks: Iterable[Iterable]) -> Iterator[bytes]:
    """CSV text (UTF-8), one piece per chunk of rows: the header, from the columns of the first
    chunk in order of appearance, then each row with formulas escaped.

    Rows are serialized by one serializer, so every chunk has the first chunk's columns (a nested
    object that is null in a whole first chunk gives one column, its name, with an empty cell).
    """
    out = io.StringIO()
    writer = csv.writer(out)
    columns: list[str] | None = None
    for chunk in chunks:
        flat_rows = _flat(chunk)
        if columns is None:
            columns = []
            for r in flat_rows:
                columns.extend(k for k in r if k not in columns)
            writer.writerow([escape_cell(c) for c in columns])
        for r in flat_rows:
            writer.writerow([escape_cell(r.get(c)) for c in columns])
        yield out.getvalue().encode("utf-8")
        out.seek(0)
        out.truncate()
    if columns is None:
        writer.writerow([])
        yield out.getvalue().encode("utf-8")


class JSONLDRenderer(JSONRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


class TurtleRenderer(BaseRenderer):
    """RDF Turtle, for views that build the text themselves (a str in the Response)."""

    media_type = "text/turtle"
    format = "ttl"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str):
            return data.encode("utf-8")
        # Errors (404, 406, throttling) are dicts: show them as a Turtle comment.
        return "".join(f"# {line}\n" for line in str(data).splitlines()).encode("utf-8")
