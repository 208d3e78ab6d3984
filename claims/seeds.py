"""Load the curated seed corpus (seeds/curation.yaml and the texts beside it).

One transaction: an entry whose quote is not in its text, or that names something undefined,
aborts the whole load with a SeedError naming the file, the entry and the problem. Loading twice
changes nothing: every record is looked up by its natural key (slug, file hash, quote span) and
updated only when a curated field differs.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from claims import feed, services
from claims.models import Attribution, Claim, Event, Figure, Tag
from sources.dates import DatePrecision
from sources.models import Actor, ActorAlias, Document, Outlet, content_hash

CURATION_FILE = "curation.yaml"

# Editors' shorthand that must not reach a public page ("seed 003", "seed 001's list").
INTERNAL_NOTE = re.compile(r"\bseeds? ?0\d\d\b", re.IGNORECASE)
# A placeholder for a number in a claim's words ("killed N people"): say "the death toll of".
PLACEHOLDER = re.compile(r"\bN\b")
# A quote that reports a claim of responsibility ("was claimed by IS-K"): its claimant speaks.
CLAIM_OF_RESPONSIBILITY = re.compile(
    r"\bclaim(?:ed|ing) (?:by|responsibility)\b|\bresponsibility\b.*\bclaimed\b", re.IGNORECASE
)
# Fields shown on public pages (attribution notes and document notes are for editors only).
PUBLIC_FIELDS = {
    "outlet": ("name", "notes"),
    "actor": ("name", "description"),
    "document": ("title", "date_note", "notes"),
    "event": ("name", "description", "place"),
    "claim": ("text", "verdict_note"),
}


class SeedError(Exception):
    """A curation entry cannot be loaded; the message names the file, entry and problem."""


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, model: str) -> None:
        bucket = self.created if kind == "created" else self.updated
        bucket[model] = bucket.get(model, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _messages(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
    return " ".join(error.messages)


class _Loader:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / CURATION_FILE
        self.report = LoadReport()
        self.outlets: dict[str, Outlet] = {}
        self.actors: dict[str, Actor] = {}
        self.events: dict[str, Event] = {}
        self.documents: dict[str, Document] = {}

    def fail(self, entry: str, problem: str):
        raise SeedError(f"{self.path}: {entry}: {problem}")

    def check_public(self, kind: str, item: dict, entry: str) -> None:
        """Refuse editors' internal shorthand in text that public pages show."""
        for name in PUBLIC_FIELDS[kind]:
            value = item.get(name) or ""
            if found := INTERNAL_NOTE.search(value):
                self.fail(
                    entry,
                    f"{name} mentions “{found.group()}”, an editors' note; "
                    "name the document as a reader knows it",
                )

    def precision(self, item: dict, key: str, entry: str) -> str:
        value = item.get(key) or DatePrecision.DAY
        if value not in DatePrecision.values:
            self.fail(entry, f"{key} must be one of {', '.join(DatePrecision.values)}")
        return value

    def upsert(self, model, entry: str, lookup: dict, values: dict):
        """Create the record, or update the fields that differ; validate either way."""
        obj = model.objects.filter(**lookup).first()
        kind = "created"
        if obj is None:
            obj = model(**lookup, **values)
        else:
            changed = {k: v for k, v in values.items() if getattr(obj, k) != v}
            if not changed:
                return obj
            kind = "updated"
            for k, v in changed.items():
                setattr(obj, k, v)
        try:
            obj.full_clean()
            self.save(obj)
        except ValidationError as error:
            self.fail(entry, _messages(error))
        self.report.count(kind, model.__name__)
        return obj

    @staticmethod
    def save(obj) -> None:
        """Evidence and documents through their write services, which refresh the claims."""
        if isinstance(obj, Attribution):
            services.save_attribution(attribution=obj)
        elif isinstance(obj, Figure):
            services.save_figure(figure=obj)
        elif isinstance(obj, Document):
            services.save_document(document=obj)
        else:
            obj.save()

    def ref(self, table: dict, slug, entry: str, what: str):
        if slug in (None, ""):
            return None
        if slug not in table:
            self.fail(entry, f"names {what} “{slug}”, which the file does not define")
        return table[slug]

    def load(self) -> LoadReport:
        if not self.path.exists():
            raise SeedError(f"{self.path}: no such file")
        try:
            data = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            raise SeedError(f"{self.path}: not valid YAML: {error}") from None
        self.load_outlets(data.get("outlets") or [])
        self.load_actors(data.get("actors") or [])
        self.load_documents(data.get("documents") or [])
        self.load_events(data.get("events") or [])
        # Claims the load publishes now come with their evidence approved, as the publish
        # transition approves a claim's evidence; changes to claims published before wait for
        # a reviewer like any editor's change (claims.services, review of evidence).
        published_before = set(Claim.objects.published().values_list("pk", flat=True))
        self.load_claims(data.get("claims") or [])
        loaded = set(Claim.objects.published().values_list("pk", flat=True)) - published_before
        services.approve_with_claims(claim_ids=loaded, by=None)
        return self.report

    def load_outlets(self, entries) -> None:
        for item in entries:
            entry = f"outlet “{item.get('slug')}”"
            self.check_public("outlet", item, entry)
            self.outlets[item["slug"]] = self.upsert(
                Outlet,
                entry,
                {"slug": item["slug"]},
                {
                    "name": item["name"],
                    "kind": item.get("kind") or Outlet.Kind.OTHER,
                    "country": item.get("country") or "",
                    "domain": item.get("domain") or "",
                    "notes": item.get("notes") or "",
                },
            )

    def load_actors(self, entries) -> None:
        for item in entries:  # first pass: the actors, so affiliations can point forward
            entry = f"actor “{item.get('slug')}”"
            self.check_public("actor", item, entry)
            self.actors[item["slug"]] = self.upsert(
                Actor,
                entry,
                {"slug": item["slug"]},
                {
                    "name": item["name"],
                    "kind": item.get("kind") or Actor.Kind.OTHER,
                    "description": item.get("description") or "",
                    "outlet": self.ref(self.outlets, item.get("outlet"), entry, "the outlet"),
                },
            )
        for item in entries:
            entry = f"actor “{item['slug']}”"
            actor = self.actors[item["slug"]]
            affiliation = self.ref(self.actors, item.get("affiliation"), entry, "the actor")
            if actor.affiliation_id != (affiliation.pk if affiliation else None):
                actor.affiliation = affiliation
                self.upsert(Actor, entry, {"slug": actor.slug}, {"affiliation": affiliation})
            for alias in item.get("aliases") or []:
                existing = ActorAlias.objects.filter(name__iexact=alias).first()
                if existing and existing.actor_id != actor.pk:
                    self.fail(entry, f"alias “{alias}” already names {existing.actor}")
                if existing is None:
                    self.upsert(
                        ActorAlias, f"{entry}, alias “{alias}”", {"actor": actor, "name": alias}, {}
                    )

    def load_documents(self, entries) -> None:
        for item in entries:
            name = item.get("file")
            entry = f"document “{name}”"
            self.check_public("document", item, entry)
            text_path = self.folder / (name or "")
            if not name or not text_path.is_file():
                self.fail(entry, "the text file does not exist")
            text = text_path.read_text(encoding="utf-8")
            digest = content_hash(text)
            published = item.get("published")
            if published is not None and not isinstance(published, date):
                self.fail(entry, f"published must be a date (YYYY-MM-DD), not “{published}”")
            self.documents[name] = self.upsert(
                Document,
                entry,
                {"content_hash": digest},
                {
                    "title": item["title"],
                    "text": text,
                    "outlet": self.ref(self.outlets, item.get("outlet"), entry, "the outlet"),
                    "origin_outlet": self.ref(
                        self.outlets, item.get("origin_outlet"), entry, "the outlet"
                    ),
                    "url": item.get("url") or "",
                    "published": published,
                    "published_precision": self.precision(item, "published_precision", entry),
                    "archive_url": item.get("archive_url") or "",
                    "archived_on": item.get("archived_on"),
                    "date_note": item.get("date_note") or "",
                    "byline": item.get("byline") or "",
                    "language": item.get("language") or "en",
                    "notes": item.get("notes") or "",
                },
            )
        for item in entries:
            derived = item.get("derived_from")
            if derived:
                entry = f"document “{item['file']}”"
                original = self.ref(self.documents, derived, entry, "the document")
                document = self.documents[item["file"]]
                self.documents[item["file"]] = self.upsert(
                    Document, entry, {"pk": document.pk}, {"derived_from": original}
                )

    def load_events(self, entries) -> None:
        for item in entries:
            entry = f"event “{item.get('slug')}”"
            self.check_public("event", item, entry)
            self.events[item["slug"]] = self.upsert(
                Event,
                entry,
                {"slug": item["slug"]},
                {
                    "name": item["name"],
                    "date": item.get("date"),
                    "date_precision": self.precision(item, "date_precision", entry),
                    "place": item.get("place") or "",
                    "description": item.get("description") or "",
                },
            )

    def load_claims(self, entries) -> None:
        for item in entries:
            entry = f"claim “{item.get('slug')}”"
            self.check_public("claim", item, entry)
            if PLACEHOLDER.search(item.get("text") or ""):
                self.fail(
                    entry,
                    "the claim's words hold an “N” placeholder; name the count "
                    "(“The death toll of …”) and put the numbers in figures",
                )
            claim = self.upsert(
                Claim,
                entry,
                {"slug": item["slug"]},
                {
                    "text": item["text"],
                    "event": self.ref(self.events, item.get("event"), entry, "the event"),
                    "verdict": item.get("verdict") or "",
                    "publication": Claim.Publication.PUBLISHED,
                },
            )
            if claim.published_at is None:
                Claim.objects.filter(pk=claim.pk).update(published_at=timezone.now())
            tags = [
                Tag.objects.get_or_create(slug=t, defaults={"name": t})[0]
                for t in item.get("tags") or []
            ]
            if {t.pk for t in tags} != set(claim.tags.values_list("pk", flat=True)):
                claim.tags.set(tags)
            for n, att in enumerate(item.get("attributions") or [], start=1):
                if (
                    "responsibility" in (item.get("tags") or [])
                    and CLAIM_OF_RESPONSIBILITY.search(att.get("quote") or "")
                    and not att.get("speaker")
                ):
                    self.fail(
                        f"{entry}, attribution {n}",
                        "it reports a claim of responsibility: record the claimant as speaker",
                    )
                self.load_attribution(claim, att, f"{entry}, attribution {n}")

    def load_attribution(self, claim: Claim, item: dict, entry: str) -> None:
        document = self.ref(self.documents, item.get("document"), entry, "the document")
        if document is None:
            self.fail(entry, "has no document")
        quote = item.get("quote") or ""
        count = document.text.count(quote) if quote else 0
        if count == 0:
            self.fail(
                entry,
                f"the quote “{quote[:60]}” is not, character for character, in {item['document']}",
            )
        occurrence = item.get("occurrence")
        if count > 1 and occurrence is None:
            self.fail(entry, f"the quote “{quote[:60]}” occurs {count} times: give occurrence")
        probe = Attribution(claim=claim, document=document, quote=quote, occurrence=occurrence)
        try:
            probe.anchor()
        except ValidationError as error:
            self.fail(entry, _messages(error))
        if probe.quote != quote:
            self.fail(
                entry, f"the quote “{quote[:60]}” matched only after folding quotes or dashes"
            )
        attribution = self.upsert(
            Attribution,
            entry,
            {
                "claim": claim,
                "document": document,
                "quote_start": probe.quote_start,
                "quote_end": probe.quote_end,
            },
            {
                "quote": quote,
                "occurrence": occurrence,
                "speaker": self.ref(self.actors, item.get("speaker"), entry, "the actor"),
                "speaker_description": item.get("speaker_description") or "",
                "via": self.ref(self.outlets, item.get("via"), entry, "the outlet"),
                "stated_on": item.get("stated_on"),
                "voice": item.get("voice"),
                "stance": item.get("stance"),
                "note": item.get("note") or "",
            },
        )
        for n, fig in enumerate(item.get("figures") or [], start=1):
            fentry = f"{entry}, figure {n}"
            event = self.ref(self.events, fig.get("event"), fentry, "the event") or claim.event
            self.upsert(
                Figure,
                fentry,
                {
                    "attribution": attribution,
                    "event": event,
                    "measure": fig.get("measure"),
                    "population": fig.get("population") or "total",
                },
                {
                    "qualifier": fig.get("qualifier"),
                    "value": fig.get("value"),
                    "value_high": fig.get("value_high"),
                    "as_of": fig.get("as_of"),
                    "as_of_precision": self.precision(fig, "as_of_precision", fentry),
                    "text": fig.get("text") or "",
                },
            )


# Key of the PostgreSQL advisory lock that lets one seed load run at a time.
SEED_LOAD_LOCK = 0x5EED5


def _one_load_at_a_time() -> None:
    """Wait for any other seed load to commit, for the rest of this transaction.

    Two loads at once would both find a record missing and both insert it; the second would fail
    on a unique constraint. Waiting, it finds everything the first loaded. SQLite needs nothing:
    its transactions take the write lock at BEGIN (IMMEDIATE, config/settings.py).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEED_LOAD_LOCK])


def load_seeds(folder: Path) -> LoadReport:
    """Load seeds/curation.yaml in one transaction; raise SeedError and roll back on any problem.

    Concurrent loads run one after the other; the later one changes nothing.
    """
    with transaction.atomic():
        _one_load_at_a_time()
        # Outlets, actors, documents and events are saved directly: the change feed is reconciled
        # with the public state once, at the end, rather than after each attribution.
        with feed.deferred(rebuild_after=True):
            report = _Loader(Path(folder)).load()
        return report
