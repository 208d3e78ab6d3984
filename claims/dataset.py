"""The public corpus as a Frictionless data package: one CSV table per kind of record, and a
datapackage.json that describes every column, the license and the build date.

What is public is what anonymous readers see: published claims, their attributions and figures,
and the reference records (events, documents, actors, outlets). `build_dataset` writes the zip;
the dataset page serves it and builds it first when it is missing.
"""

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from claims import intervals
from claims.models import Attribution, Claim, Event, Figure
from sources import dates
from sources.models import Actor, Document, Outlet

FILENAME = "claim-tracker-dataset.zip"
NAME = "claim-tracker-corpus"
LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 (the curation; quoted source texts remain their "
    "publishers')",
}


def dataset_path() -> Path:
    """Where the built zip lives (DATASET_DIR, else var/ in the project)."""
    folder = Path(getattr(settings, "DATASET_DIR", Path(settings.BASE_DIR) / "var"))
    return folder / FILENAME


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Table Schema type: string, integer, number, boolean, date
    description: str
    value: Callable


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: list[Column]
    rows: Callable[[], Iterable]
    foreign_keys: tuple[tuple[str, str], ...] = ()  # (column, referenced table), by id


def _ref(obj) -> int | None:
    return obj.pk if obj is not None else None


def public_claims() -> QuerySet:
    """The claims an anonymous reader may see (claims.visibility), as every public view."""
    return Claim.objects.visible_to(None)


def _tables() -> list[Table]:
    claims = public_claims()
    attributions = Attribution.objects.visible_to(None).select_related(
        "speaker", "via", "document__outlet"
    )
    figures = Figure.objects.visible_to(None)
    return [
        Table(
            "outlets",
            "Publishers: news agencies, newspapers, broadcasters, state media, government bodies.",
            [
                Column("id", "integer", "Identifier of the outlet.", lambda o: o.pk),
                Column("slug", "string", "Short name used in page addresses.", lambda o: o.slug),
                Column("name", "string", "The publisher's usual name.", lambda o: o.name),
                Column("kind", "string", "Kind of publisher.", lambda o: o.kind),
                Column("country", "string", "Where it is based, if known.", lambda o: o.country),
                Column("domain", "string", "Its web domain, if known.", lambda o: o.domain),
                Column("notes", "string", "Ownership or reliability notes.", lambda o: o.notes),
            ],
            lambda: Outlet.objects.order_by("pk"),
        ),
        Table(
            "actors",
            "People and organisations that speak or are spoken about.",
            [
                Column("id", "integer", "Identifier of the actor.", lambda a: a.pk),
                Column("slug", "string", "Short name used in page addresses.", lambda a: a.slug),
                Column("name", "string", "The actor's name.", lambda a: a.name),
                Column("kind", "string", "Person, government, armed group, ...", lambda a: a.kind),
                Column("description", "string", "Who they are.", lambda a: a.description),
                Column(
                    "affiliation_id",
                    "integer",
                    "The actor this one belongs to (actors.id), if any.",
                    lambda a: a.affiliation_id,
                ),
                Column(
                    "aliases",
                    "string",
                    "Other names, separated by “; ”.",
                    lambda a: "; ".join(sorted(x.name for x in a.aliases.all())),
                ),
            ],
            lambda: Actor.objects.prefetch_related("aliases").order_by("pk"),
            (("affiliation_id", "actors"),),
        ),
        Table(
            "documents",
            "Stored texts, each exactly as stored: the ground truth that quotes are checked against.",
            [
                Column("id", "integer", "Identifier of the document.", lambda d: d.pk),
                Column("title", "string", "Headline or neutral description.", lambda d: d.title),
                Column(
                    "outlet_id",
                    "integer",
                    "Publisher (outlets.id); empty when unknown.",
                    lambda d: d.outlet_id,
                ),
                Column("url", "string", "Where it was published, if known.", lambda d: d.url),
                Column(
                    "archive_url", "string", "An archived copy, if any.", lambda d: d.archive_url
                ),
                Column(
                    "archived_on",
                    "date",
                    "When the archived copy was captured.",
                    lambda d: d.archived_on,
                ),
                Column(
                    "published",
                    "string",
                    "Publication date, as precisely as known: YYYY-MM-DD, YYYY-MM or YYYY.",
                    lambda d: dates.iso(d.published, d.published_precision),
                ),
                Column(
                    "published_precision",
                    "string",
                    "day, month or year.",
                    lambda d: d.published_precision,
                ),
                Column(
                    "derived_from_id",
                    "integer",
                    "The stored document this one copies (documents.id), if any.",
                    lambda d: d.derived_from_id,
                ),
                Column(
                    "origin_outlet_id",
                    "integer",
                    "The outlet that first published it, when the original is not stored.",
                    lambda d: d.origin_outlet_id,
                ),
                Column("language", "string", "Language code.", lambda d: d.language),
                Column("text", "string", "The full stored text.", lambda d: d.text),
            ],
            lambda: Document.objects.order_by("pk"),
            (
                ("outlet_id", "outlets"),
                ("derived_from_id", "documents"),
                ("origin_outlet_id", "outlets"),
            ),
        ),
        Table(
            "events",
            "Things that happened, that claims and figures are about.",
            [
                Column("id", "integer", "Identifier of the event.", lambda e: e.pk),
                Column("slug", "string", "Short name used in page addresses.", lambda e: e.slug),
                Column("name", "string", "A short neutral name.", lambda e: e.name),
                Column(
                    "date",
                    "string",
                    "When it happened, as precisely as known: YYYY-MM-DD, YYYY-MM or YYYY.",
                    lambda e: dates.iso(e.date, e.date_precision),
                ),
                Column(
                    "date_precision", "string", "day, month or year.", lambda e: e.date_precision
                ),
                Column("place", "string", "Where it happened.", lambda e: e.place),
                Column("description", "string", "What happened.", lambda e: e.description),
            ],
            # The public events, and also those a public figure counts for, so that every
            # figures.event_id of the package resolves (a foreign key Frictionless checks).
            lambda: (
                Event.objects.filter(
                    Q(claims__in=claims) | Q(figures__attribution__claim__in=claims)
                )
                .distinct()
                .order_by("pk")
            ),
        ),
        Table(
            "claims",
            "Published claims: propositions in neutral words, with their derived status.",
            [
                Column("id", "integer", "Identifier of the claim.", lambda c: c.pk),
                Column("slug", "string", "Short name used in page addresses.", lambda c: c.slug),
                Column("text", "string", "The proposition in neutral words.", lambda c: c.text),
                Column(
                    "event_id", "integer", "The event (events.id), if any.", lambda c: c.event_id
                ),
                Column(
                    "status",
                    "string",
                    "Derived from the evidence: contested, corroborated, reported, attributed or "
                    "unsupported.",
                    lambda c: c.status,
                ),
                Column("status_reason", "string", "Why, in words.", lambda c: c.status_reason),
                Column(
                    "verdict", "string", "Editorial verdict, if any.", lambda c: c.verdict or None
                ),
                Column("version", "integer", "Version of the claim.", lambda c: c.version),
            ],
            lambda: claims.order_by("pk"),
            (("event_id", "events"),),
        ),
        Table(
            "attributions",
            "One appearance of a claim in one document: who said it, how, and which way it leans.",
            [
                Column("id", "integer", "Identifier of the attribution.", lambda a: a.pk),
                Column("claim_id", "integer", "The claim (claims.id).", lambda a: a.claim_id),
                Column(
                    "document_id",
                    "integer",
                    "The document (documents.id).",
                    lambda a: a.document_id,
                ),
                Column(
                    "speaker_id",
                    "integer",
                    "The speaker (actors.id); empty for the outlet's own voice or hearsay.",
                    lambda a: a.speaker_id,
                ),
                Column(
                    "speaker_description",
                    "string",
                    "How an unnamed source is described.",
                    lambda a: a.speaker_description,
                ),
                Column(
                    "via_id",
                    "integer",
                    "The outlet it was relayed through (outlets.id), if any.",
                    lambda a: a.via_id,
                ),
                Column(
                    "stated_on",
                    "date",
                    "When the speaker said it, if known.",
                    lambda a: a.stated_on,
                ),
                Column(
                    "voice",
                    "string",
                    "own, quoted, paraphrased, unnamed or hearsay.",
                    lambda a: a.voice,
                ),
                Column(
                    "stance",
                    "string",
                    "supports, refutes, questions or neutral.",
                    lambda a: a.stance,
                ),
                Column("quote", "string", "The document's exact words.", lambda a: a.quote),
                Column(
                    "quote_start",
                    "integer",
                    "Offset of the quote in the document's text.",
                    lambda a: a.quote_start,
                ),
                Column(
                    "quote_end",
                    "integer",
                    "End offset of the quote in the document's text.",
                    lambda a: a.quote_end,
                ),
            ],
            lambda: attributions.order_by("pk"),
            (
                ("claim_id", "claims"),
                ("document_id", "documents"),
                ("speaker_id", "actors"),
                ("via_id", "outlets"),
            ),
        ),
        Table(
            "figures",
            "Numbers inside attributions, one per row, with the interval of people they admit.",
            [
                Column("id", "integer", "Identifier of the figure.", lambda f: f.pk),
                Column(
                    "attribution_id",
                    "integer",
                    "The attribution (attributions.id).",
                    lambda f: f.attribution_id,
                ),
                Column("event_id", "integer", "The event (events.id).", lambda f: f.event_id),
                Column("measure", "string", "killed, wounded, missing, ...", lambda f: f.measure),
                Column("population", "string", "Whom it counts.", lambda f: f.population),
                Column(
                    "qualifier",
                    "string",
                    "exact, at_least, more_than, at_most, fewer_than, approximately, range or "
                    "unspecified.",
                    lambda f: f.qualifier,
                ),
                Column("value", "integer", "The number as written.", lambda f: f.value),
                Column(
                    "value_high", "integer", "The high end, for a range.", lambda f: f.value_high
                ),
                Column("text", "string", "The figure as written.", lambda f: f.text),
                Column(
                    "low",
                    "number",
                    "Lowest count the figure admits.",
                    lambda f: intervals.as_number(f.low),
                ),
                Column(
                    "high",
                    "number",
                    "Highest count the figure admits; empty when it has no upper bound.",
                    lambda f: intervals.as_number(f.high, upper=True),
                ),
                Column(
                    "as_of",
                    "string",
                    "The date the count refers to, as precisely as known.",
                    lambda f: dates.iso(f.as_of, f.as_of_precision),
                ),
                Column(
                    "superseded_by_id",
                    "integer",
                    "A later figure from the same origin that replaces it (figures.id).",
                    lambda f: f.superseded_by_id,
                ),
            ],
            lambda: figures.order_by("pk"),
            (
                ("attribution_id", "attributions"),
                ("event_id", "events"),
                ("superseded_by_id", "figures"),
            ),
        ),
    ]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.name for c in table.columns])
    for row in table.rows():
        writer.writerow([_cell(c.value(row)) for c in table.columns])
    return out.getvalue()


def descriptor(tables: list[Table], built: datetime) -> dict:
    """datapackage.json: every table's path, schema (field types and descriptions) and keys."""
    return {
        "name": NAME,
        "title": "Claim tracker: claims, attributions and figures",
        "description": "Who said what, where it was reported, when, and which way it leans: the "
        "published claims of the claim-and-attribution tracker with their evidence.",
        "created": built.isoformat(timespec="seconds"),
        "version": built.strftime("%Y.%m.%d"),
        "licenses": [LICENSE],
        "resources": [
            {
                "name": t.name,
                "path": f"data/{t.name}.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "description": t.description,
                "schema": {
                    "fields": [
                        {"name": c.name, "type": c.type, "description": c.description}
                        for c in t.columns
                    ],
                    "primaryKey": ["id"],
                    "foreignKeys": [
                        {
                            "fields": [column],
                            "reference": {
                                "resource": "" if ref == t.name else ref,
                                "fields": ["id"],
                            },
                        }
                        for column, ref in t.foreign_keys
                    ],
                },
            }
            for t in tables
        ],
    }


def build_dataset(path: Path | None = None) -> Path:
    """Write the public corpus as a zipped data package and return its path."""
    path = path or dataset_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tables = _tables()
    built = timezone.now()
    partial = path.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            archive.writestr(f"data/{table.name}.csv", _csv(table))
        archive.writestr(
            "datapackage.json", json.dumps(descriptor(tables, built), indent=2, ensure_ascii=False)
        )
    partial.replace(path)  # readers never see a half-written zip
    return path
