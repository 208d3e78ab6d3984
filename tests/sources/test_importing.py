import datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sources.importing import ImportRefused, import_document, import_path
from sources.models import Document, Outlet
from tests.factories import DocumentFactory, OutletFactory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
HTML = FIXTURES / "import" / "kunduz_market.html"
ARTICLE = Path(__file__).resolve().parent.parent / "suggestions" / "articles" / "darra_market.txt"

pytestmark = pytest.mark.django_db


def run_import(*args) -> list[str]:
    from io import StringIO

    out = StringIO()
    call_command("import_document", *map(str, args), stdout=out)
    return out.getvalue().strip().splitlines()


def test_txt_is_stored_exactly_as_it_is():
    raw = ARTICLE.read_bytes()
    result = import_path(ARTICLE, outlet="AFP", published=datetime.date(2011, 5, 1))
    assert result.created
    document = result.document
    assert document.text == raw.decode("utf-8")
    assert document.title == "Car bomb kills 16 at market in Pakistani tribal town"
    assert document.outlet.name == "AFP"
    assert document.published == datetime.date(2011, 5, 1)


def test_outlet_is_matched_by_name_or_slug_ignoring_case():
    outlet = OutletFactory(name="Agence France-Presse", slug="afp")
    result = import_path(ARTICLE, outlet="AFP")
    assert result.document.outlet == outlet
    assert Outlet.objects.count() == 1


def test_html_main_text_and_metadata_are_extracted():
    result = import_path(HTML, url="https://example.com/kunduz")
    document = result.document
    assert document.title == "Blast kills 12 at Kunduz market"
    assert document.published == datetime.date(2021, 10, 9)
    assert document.byline == "Jane Reporter"
    assert document.outlet.name == "Example Daily"
    assert document.url == "https://example.com/kunduz"
    assert "At least 12 people were killed" in document.text
    assert "Home" not in document.text and "rights reserved" not in document.text
    assert document.date_note


def test_html_with_declared_legacy_encoding_is_decoded():
    page = (
        "<html><head><meta charset='windows-1252'><title>Caf\u00e9 attack</title></head><body>"
        "<article><p>At least five people were killed in an attack on a caf\u00e9 in the city "
        "centre on Monday evening, police said, and the toll may rise.</p></article></body></html>"
    ).encode("cp1252")
    result = import_document(page, name="cafe.html")
    assert "caf\u00e9 in the city" in result.document.text


def test_command_prints_the_new_document_id_on_the_last_line():
    lines = run_import(ARTICLE, "--outlet", "AFP", "--published", "2011-05-01")
    document = Document.objects.get()
    assert lines[-1] == str(document.pk)


def test_same_text_is_not_stored_twice_and_the_existing_id_is_printed():
    first = run_import(ARTICLE)
    second = run_import(ARTICLE, "--title", "Another title")
    assert Document.objects.count() == 1
    assert second[-1] == first[-1]
    assert "already holds the same text" in second[0]


def test_same_url_is_not_stored_twice():
    existing = DocumentFactory(url="https://example.com/kunduz")
    result = import_path(HTML, url="https://example.com/kunduz")
    assert not result.created
    assert result.document == existing
    assert f"#{existing.pk}" in result.message and "same URL" in result.message
    assert Document.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "the file is empty"),
        ("blank.txt", b" \n\t\n", "the file is empty"),
        ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file"),
        ("latin.txt", "Caf\u00e9 bombing kills 3".encode("latin-1"), "not UTF-8"),
        ("legacy.html", "<p>Caf\u00e9 bombing</p>".encode("latin-1"), "not UTF-8"),
        (
            "nav.html",
            b"<html><body><nav><a href='/'>Home</a></nav><script>var a=1;</script></body></html>",
            "no article text",
        ),
        ("odd.html", b"<meta charset='klingon'><p>Text</p>", "unknown encoding"),
    ],
)
def test_bad_files_are_refused_with_a_message_and_nothing_is_stored(name, data, message):
    with pytest.raises(ImportRefused, match=message):
        import_document(data, name=name, outlet="Brand New Outlet")
    assert Document.objects.count() == 0
    assert Outlet.objects.count() == 0


def test_command_refuses_bad_files_with_an_error(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        run_import(empty)
    with pytest.raises(CommandError, match="cannot read"):
        run_import(tmp_path / "missing.txt")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run_import(ARTICLE, "--published", "yesterday")
    assert Document.objects.count() == 0


def test_invalid_url_is_refused_and_nothing_is_stored():
    with pytest.raises(ImportRefused, match="url"):
        import_path(ARTICLE, url="not a url", outlet="New Outlet")
    assert Document.objects.count() == 0
    assert Outlet.objects.count() == 0
