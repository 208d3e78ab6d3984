"""Bulk intake: folders, zips and feeds imported as batches, through the tasks framework."""

import io
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from sources.models import Document
from suggestions.intake import run_batch
from suggestions.models import ImportBatch, ImportBatchEntry
from suggestions.review import suggestions_for
from suggestions.tasks import start_batch
from tests.factories import DocumentFactory, UserFactory

pytestmark = pytest.mark.django_db

KABUL = (
    "Kabul blast\n\nAt least 12 people were killed in a blast in Kabul on Monday, police said.\n"
)
QUETTA = (
    "<html><head><title>Quetta attack</title></head><body><article><h1>Quetta attack</h1>"
    "<p>Officials said 20 people were wounded when a bomb exploded in a market in Quetta on "
    "Sunday evening.</p></article></body></html>"
)
BINARY = bytes(range(256)) * 2
FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Wire</title>
<item><title>Blast in Herat</title><link>https://example.org/herat</link>
<pubDate>Mon, 02 Mar 2026 10:00:00 GMT</pubDate>
<description>&lt;p&gt;At least nine people were killed and 14 wounded in a blast at a mosque in
Herat on Monday, provincial officials said.&lt;/p&gt;</description></item>
<item><title>Flood in Swat</title><link>https://example.org/swat</link>
<pubDate>Tue, 03 Mar 2026 10:00:00 GMT</pubDate>
<description>Rescue teams said dozens of families were evacuated after floods hit the Swat
valley on Tuesday morning.</description></item>
</channel></rss>"""
ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Regional desk</title>
<entry><title>Checkpoint attack</title><link href="https://example.org/checkpoint"/>
<updated>2026-01-05T08:00:00Z</updated>
<content type="html">&lt;p&gt;Five soldiers were killed when gunmen attacked a checkpoint near
Kandahar overnight, the army said in a statement.&lt;/p&gt;</content></entry>
</feed>"""


def make_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def outcomes(batch) -> list[tuple[str, str]]:
    return list(batch.entries.values_list("name", "outcome"))


@pytest.fixture
def folder(tmp_path) -> Path:
    (tmp_path / "a.txt").write_text(KABUL)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.html").write_text(QUETTA)
    (tmp_path / ".hidden.txt").write_text("not an article, hidden")
    return tmp_path


def test_a_folder_is_imported_with_a_progress_bar(folder, capsys, immediate_tasks):
    call_command("import_batch", str(folder), "--outlet", "Wire")
    out, err = capsys.readouterr()
    batch = ImportBatch.objects.get()
    assert out.splitlines()[-1] == str(batch.pk)
    assert "2 imported, 0 already stored, 0 not imported" in out
    assert "[###############...............] 1/2 a.txt" in err
    assert "[##############################] 2/2 sub/b.html" in err
    assert outcomes(batch) == [("a.txt", "imported"), ("sub/b.html", "imported")]
    assert (batch.status, batch.total, batch.processed, batch.percent) == ("done", 2, 2, 100)
    assert sorted(Document.objects.values_list("title", "outlet__name")) == [
        ("Kabul blast", "Wire"),
        ("Quetta attack", "Wire"),
    ]
    # The suggestion run went through the tasks framework for each new document.
    assert all(e.suggestions == len(suggestions_for(e.document)) > 0 for e in batch.entries.all())
    assert batch.payload == b""


def test_a_zip_skips_duplicates_and_reports_a_bad_file_by_name(immediate_tasks):
    DocumentFactory(text=KABUL)
    data = make_zip(
        {
            "one.txt": KABUL.encode(),
            "two.html": QUETTA.encode(),
            "copy.html": QUETTA.encode(),
            "broken.txt": BINARY,
            "__MACOSX/._two.html": b"resource fork",
        }
    )
    batch = start_batch(data=data, name="articles.zip")
    assert outcomes(batch) == [
        ("one.txt", "duplicate"),
        ("two.html", "imported"),
        ("copy.html", "duplicate"),
        ("broken.txt", "failed"),
    ]
    assert (batch.imported, batch.duplicates, batch.failed, batch.total) == (1, 2, 1, 4)
    failed = batch.entries.get(outcome="failed")
    assert failed.message == "broken.txt: this looks like a binary file, not text or HTML."
    assert failed.document is None
    assert Document.objects.count() == 2


def test_rss_and_atom_feeds_keep_link_title_and_date(tmp_path, immediate_tasks):
    rss, atom = tmp_path / "wire.rss", tmp_path / "desk.xml"
    rss.write_bytes(FEED)
    atom.write_bytes(ATOM)
    call_command("import_batch", str(rss))
    call_command("import_batch", str(atom))
    rows = sorted(Document.objects.values_list("title", "url", "published"))
    assert [(t, u, str(p)) for t, u, p in rows] == [
        ("Blast in Herat", "https://example.org/herat", "2026-03-02"),
        ("Checkpoint attack", "https://example.org/checkpoint", "2026-01-05"),
        ("Flood in Swat", "https://example.org/swat", "2026-03-03"),
    ]
    herat = Document.objects.get(url="https://example.org/herat")
    assert "<p>" not in herat.text and "At least nine people were killed" in herat.text
    # The same feed again: every entry already stored, by its text or its URL.
    again = start_batch(data=FEED, name="wire.rss")
    assert (again.imported, again.duplicates) == (0, 2)


def test_a_document_failing_half_way_leaves_nothing_stored(monkeypatch, immediate_tasks):
    real_create = ImportBatchEntry.objects.create

    def failing_create(**fields):
        if fields["name"] == "two.txt" and fields["outcome"] == "imported":
            raise RuntimeError("disk full")
        return real_create(**fields)

    monkeypatch.setattr(ImportBatchEntry.objects, "create", failing_create)
    quetta_text = "Quetta blast\n\nTwenty people were wounded in Quetta on Sunday, police said.\n"
    batch = start_batch(
        data=make_zip({"one.txt": KABUL.encode(), "two.txt": quetta_text.encode()}),
        name="b.zip",
    )
    assert outcomes(batch) == [("one.txt", "imported"), ("two.txt", "failed")]
    assert "two.txt: could not be imported (RuntimeError: disk full)" in (
        batch.entries.get(name="two.txt").message
    )
    assert list(Document.objects.values_list("title", flat=True)) == ["Kabul blast"]


def test_an_unreadable_batch_file_stops_with_its_reason(immediate_tasks):
    batch = start_batch(data=b"just some words, neither zip nor feed", name="notes.txt")
    assert (batch.status, batch.message) == (
        "failed",
        "notes.txt: not a zip file or an RSS/Atom feed.",
    )
    assert not batch.entries.exists()


def test_progress_is_counted_after_every_article():
    batch = start_batch(
        data=make_zip({"a.txt": KABUL.encode(), "b.txt": BINARY, "c.html": QUETTA.encode()}),
        name="b.zip",
        run=False,
    )
    seen = []
    run_batch(
        batch, progress=lambda b, e: seen.append((b.processed, b.total, b.percent, e.outcome))
    )
    assert seen == [(1, 3, 33, "imported"), (2, 3, 66, "failed"), (3, 3, 100, "imported")]


# --- the admin page -----------------------------------------------------------------------------------


@pytest.fixture
def editor_client():
    user = UserFactory(is_staff=True)
    for app, codename in [("sources", "view_document"), ("sources", "add_document")]:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=codename)
        )
    client = Client()
    client.force_login(user)
    return client


def test_uploading_a_zip_returns_to_its_status_page(editor_client, immediate_tasks):
    upload = SimpleUploadedFile("batch.zip", make_zip({"a.txt": KABUL.encode(), "b.txt": BINARY}))
    response = editor_client.post(
        reverse("admin:sources_document_import_batch"), {"file": upload, "outlet": "Wire"}
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:sources_document_import_batch_status", args=[batch.pk]
    )
    body = editor_client.get(response["Location"]).content.decode()
    assert "1 imported, 0 already stored, 1 not imported" in body
    assert 'value="100"' in body
    assert "b.txt: this looks like a binary file" in body
    assert 'http-equiv="refresh"' not in body  # finished: no more refreshing
    assert "<script>" not in body


def test_a_queued_batch_page_refreshes_itself_without_a_script(editor_client, tasks_backend):
    tasks_backend("django_tasks_db.DatabaseBackend")
    upload = SimpleUploadedFile("wire.xml", FEED)
    response = editor_client.post(reverse("admin:sources_document_import_batch"), {"file": upload})
    body = editor_client.get(response["Location"]).content.decode()
    assert ImportBatch.objects.get().status == "queued"
    assert not Document.objects.exists()  # the request did not do the work
    assert '<meta http-equiv="refresh" content="2">' in body
    assert "Waiting for the worker" in body


def test_the_batch_page_needs_the_add_document_permission():
    user = UserFactory(is_staff=True)
    client = Client()
    client.force_login(user)
    assert client.get(reverse("admin:sources_document_import_batch")).status_code == 403


# --- the worker ----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_the_queued_batch(tmp_path, tasks_backend):
    from django_tasks_db.models import DBTaskResult

    tasks_backend("django_tasks_db.DatabaseBackend")
    (tmp_path / "a.txt").write_text(KABUL)
    (tmp_path / "b.html").write_text(QUETTA)
    call_command("import_batch", str(tmp_path), "--background", stdout=io.StringIO())
    batch = ImportBatch.objects.get()
    assert batch.status == "queued" and not Document.objects.exists()

    call_command(
        "db_worker", "--batch", "--no-startup-delay", "--no-reload", "--max-tasks", "10",
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    batch.refresh_from_db()
    assert (batch.status, batch.imported, batch.failed) == ("done", 2, 0)
    assert all(e.suggestions == len(suggestions_for(e.document)) > 0 for e in batch.entries.all())
    tasks = sorted(DBTaskResult.objects.values_list("task_path", "status"))
    assert tasks == [
        ("suggestions.tasks.run_batch_task", "SUCCESSFUL"),
        ("suggestions.tasks.suggest_document_task", "SUCCESSFUL"),
        ("suggestions.tasks.suggest_document_task", "SUCCESSFUL"),
    ]


def test_the_batch_page_reads_in_fixed_queries(
    editor_client, immediate_tasks, django_assert_num_queries
):
    files = {f"{n}.txt": f"Report {n}\n\n{KABUL}".encode() for n in range(5)}
    batch = start_batch(data=make_zip(files), name="five.zip")
    # session, user, permissions (user and group), the batch, its entries with their documents.
    with django_assert_num_queries(6):
        response = editor_client.get(
            reverse("admin:sources_document_import_batch_status", args=[batch.pk])
        )
    assert response.content.decode().count("<td>Imported</td>") == 5


def test_the_batch_list_links_each_batch_to_its_progress(immediate_tasks):
    batch = start_batch(data=make_zip({"a.txt": KABUL.encode()}), name="one.zip")
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    body = client.get(reverse("admin:suggestions_importbatch_changelist")).content.decode()
    status = reverse("admin:sources_document_import_batch_status", args=[batch.pk])
    assert f'<a href="{status}">100%</a>' in body


def test_a_batch_whose_worker_crashes_says_so(monkeypatch, immediate_tasks):
    import suggestions.tasks

    def crash(batch, **kwargs):
        raise MemoryError("out of memory")

    monkeypatch.setattr(suggestions.tasks, "run_batch", crash)
    batch = start_batch(data=make_zip({"a.txt": KABUL.encode()}), name="a.zip")
    assert (batch.status, batch.message) == (
        "failed",
        "The import stopped: MemoryError: out of memory",
    )
