"""Import an article file (.txt or .html) as a Document.

A .txt file is stored as it is; from an .html file trafilatura extracts the main text and the
metadata (title, date, author, site name), offline. Files that cannot be read as text, or hold no
article, are refused with a message written for an editor, and nothing is stored. Re-importing the
same text or the same URL returns the document that already holds it.
"""

import codecs
import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.dispatch import Signal

from sources.models import Document, Outlet, content_hash

HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
TEXT_SUFFIXES = {".txt", ".text", ""}
MAX_BYTES = 5 * 1024 * 1024
# Fewer words than this is navigation or boilerplate, not an article.
MIN_ARTICLE_WORDS = 8

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


class ImportRefused(ValueError):
    """The file cannot be imported; the message says why, for an editor."""


@dataclass(frozen=True)
class ImportResult:
    document: Document
    created: bool
    message: str


@dataclass(frozen=True)
class Extracted:
    text: str
    title: str = ""
    published: datetime.date | None = None
    byline: str = ""
    sitename: str = ""
    url: str = ""


def declared_encoding(data: bytes, *, html: bool) -> str | None:
    """The encoding a file declares: a byte-order mark, or for HTML a meta/XML charset."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    if html:
        head = data[:4096]
        m = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
        if m:
            return m.group(1).decode("ascii")
    return None


def decode(data: bytes, *, name: str, html: bool) -> str:
    """The file's text; refuses binary files and non-UTF-8 files that declare no encoding."""
    if not data.strip():
        raise ImportRefused(f"{name}: the file is empty.")
    encoding = declared_encoding(data, html=html)
    if encoding is None and b"\x00" in data[:8192]:
        raise ImportRefused(f"{name}: this looks like a binary file, not text or HTML.")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ImportRefused(
                f"{name}: the file declares an unknown encoding “{encoding}”."
            ) from None
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as error:
            raise ImportRefused(
                f"{name}: the file declares {encoding} but is not valid {encoding} "
                f"(at byte {error.start})."
            ) from None
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ImportRefused(
                f"{name}: the file is not UTF-8 (at byte {error.start}) and declares no "
                "encoding. Save it as UTF-8, or for HTML add <meta charset=…>."
            ) from None
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > 8 or "\x00" in text:
        raise ImportRefused(f"{name}: this looks like a binary file, not text or HTML.")
    if not text.strip():
        raise ImportRefused(f"{name}: the file is empty.")
    return text


def _parse_date(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None


def extract_html(html: str, *, name: str) -> Extracted:
    """Main text and metadata of an HTML page, with trafilatura (no network)."""
    import trafilatura

    result = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
    )
    text = (getattr(result, "text", None) or "").strip() if result is not None else ""
    if len(text.split()) < MIN_ARTICLE_WORDS:
        raise ImportRefused(f"{name}: no article text was found in this HTML page.")
    return Extracted(
        text=text + "\n",
        title=(result.title or "").strip(),
        published=_parse_date(result.date),
        byline=(result.author or "").strip(),
        sitename=(result.sitename or "").strip(),
        url=(result.url or "").strip(),
    )


def is_html(name: str, text_head: str) -> bool:
    suffix = Path(name).suffix.lower()
    if suffix in HTML_SUFFIXES:
        return True
    if suffix in TEXT_SUFFIXES:
        return False
    head = text_head.lstrip()[:200].lower()
    return head.startswith(("<!doctype html", "<html"))


def resolve_outlet(name: str) -> Outlet:
    """The outlet called `name` (name or slug, any case), created when there is none."""
    name = " ".join(name.split())
    outlet = Outlet.objects.matching(name).first()
    if outlet is None:
        outlet = Outlet.objects.create(name=name)
    return outlet


def existing_document(*, text: str, url: str) -> Document | None:
    """The stored document with the same text (content hash) or the same URL, if any."""
    found = Document.objects.filter(content_hash=content_hash(text)).first()
    if found is None and url:
        found = Document.objects.filter(url=url).first()
    return found


def _duplicate(document: Document, *, text: str) -> ImportResult:
    why = "the same text" if document.content_hash == content_hash(text) else "the same URL"
    return ImportResult(
        document,
        False,
        f"Not imported: document #{document.pk} “{document.title}” already holds {why}.",
    )


# Sent inside the import's transaction when a new document (and maybe its new outlet) is stored:
# claims logs both in the change feed (claims.apps), whichever way the file came in (the
# import_document command, the batch import, the admin's upload).
document_imported = Signal()


def import_document(
    data: bytes,
    *,
    name: str,
    outlet: str = "",
    url: str = "",
    published: datetime.date | None = None,
    title: str = "",
) -> ImportResult:
    """Store the file `name` (its bytes `data`) as a Document, or return the one that holds it.

    Raises ImportRefused, storing nothing, when the file is empty, binary, undecodable, has no
    article text, or would make an invalid document.
    """
    if len(data) > MAX_BYTES:
        raise ImportRefused(f"{name}: the file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    html = is_html(name, data[:512].decode("latin-1"))
    raw = decode(data, name=name, html=html)
    extracted = extract_html(raw, name=name) if html else Extracted(text=raw)
    text = extracted.text
    url = (url or extracted.url).strip()
    found = existing_document(text=text, url=url)
    if found is not None:
        return _duplicate(found, text=text)
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    document = Document(
        title=(title or extracted.title or first_line or Path(name).stem)[:500],
        url=url,
        published=published or extracted.published,
        byline=extracted.byline[:300],
        text=text,
    )
    if not published and extracted.published:
        document.date_note = "Read from the page's metadata at import."
    try:
        with transaction.atomic():
            outlet_name = outlet or extracted.sitename
            document.outlet = resolve_outlet(outlet_name) if outlet_name else None
            document.full_clean(exclude=["content_hash"])
            document.save()
            document_imported.send(sender=Document, document=document)
    except ValidationError as error:
        found = existing_document(text=text, url=url)
        if found is not None:
            return _duplicate(found, text=text)
        messages = "; ".join(
            f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items()
        )
        raise ImportRefused(f"{name}: {messages}") from None
    except IntegrityError:
        found = existing_document(text=text, url=url)
        if found is None:
            raise
        return _duplicate(found, text=text)
    return ImportResult(document, True, f"Imported document #{document.pk} “{document.title}”.")


def import_path(path: str | Path, **options) -> ImportResult:
    """Import the file at `path` (see import_document)."""
    path = Path(path)
    try:
        with path.open("rb") as file:  # never more than the limit: /dev/zero is refused at once
            data = file.read(MAX_BYTES + 1)
    except OSError as error:
        raise ImportRefused(f"{path}: cannot read the file ({error.strerror}).") from None
    return import_document(data, name=path.name, **options)


# --- batches: a folder, a zip or a feed file of articles -------------------------------------------

ZIP_SUFFIXES = {".zip"}
FEED_SUFFIXES = {".xml", ".rss", ".atom", ".feed"}
# A batch file (zip or feed) and its article count stay bounded, so one upload cannot fill the
# database or keep the worker busy for hours; larger sets are imported as several batches.
MAX_BATCH_BYTES = 100 * 1024 * 1024
MAX_BATCH_ITEMS = 2000


@dataclass(frozen=True)
class BatchItem:
    """One article of a batch: its name for the report, how to read its bytes, and what the feed
    said about it (empty for files)."""

    name: str
    read: Callable[[], bytes]
    file_name: str = ""  # what the importer reads the type from, when the name does not say
    url: str = ""
    title: str = ""
    published: datetime.date | None = None

    def import_(self, *, outlet: str = "") -> ImportResult:
        """Import this article (see import_document); raises ImportRefused."""
        return import_document(
            self.read(),
            name=self.file_name or self.name,
            outlet=outlet,
            url=self.url,
            published=self.published,
            title=self.title,
        )


def _skipped(name: str) -> bool:
    parts = Path(name).parts
    return any(part.startswith(".") or part == "__MACOSX" for part in parts)


def pack_folder(path: str | Path) -> bytes:
    """The files under `path` (hidden ones left out) as a zip, so a worker anywhere can read them."""
    import io
    import zipfile

    root = Path(path)
    if not root.is_dir():
        raise ImportRefused(f"{root}: not a folder.")
    buffer, size = io.BytesIO(), 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(p for p in root.rglob("*") if p.is_file()):
            relative = file.relative_to(root).as_posix()
            if _skipped(relative):
                continue
            size += file.stat().st_size
            if size > MAX_BATCH_BYTES:
                raise ImportRefused(
                    f"{root}: the folder holds more than {MAX_BATCH_BYTES // (1024 * 1024)} MB."
                )
            archive.write(file, relative)
    return buffer.getvalue()


def is_feed(name: str, head: bytes) -> bool:
    """Whether a batch file is an RSS or Atom feed (by its suffix, else by its first element)."""
    if Path(name).suffix.lower() in FEED_SUFFIXES:
        return True
    start = head[:1024].lstrip(codecs.BOM_UTF8).lstrip().lower()
    return start.startswith(b"<?xml") or start.startswith((b"<rss", b"<feed", b"<rdf"))


def batch_items(data: bytes, *, name: str) -> list[BatchItem]:
    """The articles of a zip or a feed file, in order; raises ImportRefused when it is neither."""
    if len(data) > MAX_BATCH_BYTES:
        raise ImportRefused(
            f"{name}: the file is larger than {MAX_BATCH_BYTES // (1024 * 1024)} MB."
        )
    if data[:4] == b"PK\x03\x04" or Path(name).suffix.lower() in ZIP_SUFFIXES:
        items = _zip_items(data, name=name)
    elif is_feed(name, data):
        items = _feed_items(data, name=name)
    else:
        raise ImportRefused(f"{name}: not a zip file or an RSS/Atom feed.")
    if not items:
        raise ImportRefused(f"{name}: no articles were found in it.")
    if len(items) > MAX_BATCH_ITEMS:
        raise ImportRefused(
            f"{name}: {len(items)} articles; a batch holds at most {MAX_BATCH_ITEMS}."
        )
    return items


def _zip_items(data: bytes, *, name: str) -> list[BatchItem]:
    import io
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir() and not _skipped(i.filename)]
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportRefused(f"{name}: this is not a readable zip file.") from None

    def reader(info):
        def read() -> bytes:
            # Bounded: a member that inflates past the limit is refused by import_document.
            try:
                with archive.open(info) as member:
                    return member.read(MAX_BYTES + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, ValueError) as error:
                raise ImportRefused(
                    f"{info.filename}: cannot be read from the zip ({error})."
                ) from None

        return read

    return [BatchItem(name=info.filename, read=reader(info)) for info in infos]


def _feed_items(data: bytes, *, name: str) -> list[BatchItem]:
    """One item per feed entry: its content (or summary) as a small HTML page, with its link,
    title and date."""
    import feedparser
    from django.utils.html import escape

    feed = feedparser.parse(data)
    if not feed.entries:
        if feed.bozo:
            raise ImportRefused(f"{name}: this is not a readable RSS or Atom feed.")
        return []
    items = []
    for number, entry in enumerate(feed.entries, start=1):
        title = " ".join((entry.get("title") or "").split())
        contents = entry.get("content") or []
        body = contents[0].get("value", "") if contents else entry.get("summary", "")
        kind = contents[0].get("type", "text/html") if contents else "text/html"
        if "html" not in kind:
            body = "".join(f"<p>{escape(p)}</p>" for p in body.split("\n\n"))
        page = (
            f"<html><head><title>{escape(title)}</title></head>"
            f"<body><article><h1>{escape(title)}</h1>{body}</article></body></html>"
        ).encode()
        parsed = entry.get("published_parsed") or entry.get("updated_parsed")
        published = datetime.date(*parsed[:3]) if parsed else None
        items.append(
            BatchItem(
                name=f"{title or 'Untitled'} (entry {number})",
                read=lambda page=page: page,
                file_name=f"feed entry {number}.html",
                url=(entry.get("link") or "").strip(),
                title=title,
                published=published,
            )
        )
    return items
