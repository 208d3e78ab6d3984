"""Reading a batch (folder, zip, feed) into articles; importing each is import_document's job."""

import io
import zipfile

import pytest

from sources.importing import (
    MAX_BYTES,
    ImportRefused,
    batch_items,
    is_feed,
    pack_folder,
)


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_folder_is_packed_in_order_without_hidden_files(tmp_path):
    (tmp_path / "b.txt").write_text("second")
    (tmp_path / "a.txt").write_text("first")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("hidden")
    items = batch_items(pack_folder(tmp_path), name="folder.zip")
    assert [(i.name, i.read()) for i in items] == [("a.txt", b"first"), ("b.txt", b"second")]


def test_packing_something_that_is_not_a_folder_is_refused(tmp_path):
    with pytest.raises(ImportRefused, match="not a folder"):
        pack_folder(tmp_path / "missing")


def test_a_zip_member_is_read_only_up_to_the_file_limit():
    (item,) = batch_items(zipped({"huge.txt": b"a" * (MAX_BYTES + 100)}), name="big.zip")
    assert len(item.read()) == MAX_BYTES + 1  # one byte over: import_document refuses it


def test_a_damaged_zip_is_refused():
    with pytest.raises(ImportRefused, match="not a readable zip file"):
        batch_items(b"PK\x03\x04 then garbage", name="broken.zip")


def test_an_empty_zip_is_refused():
    with pytest.raises(ImportRefused, match="no articles"):
        batch_items(zipped({"__MACOSX/._a.txt": b"x"}), name="empty.zip")


def test_feeds_are_recognised_by_suffix_or_first_element():
    assert is_feed("news.atom", b"")
    assert is_feed("download", b'  <?xml version="1.0"?><rss>')
    assert is_feed("download", b"<feed xmlns='http://www.w3.org/2005/Atom'>")
    assert not is_feed("notes.txt", b"Plain words")


def test_a_broken_feed_is_refused():
    with pytest.raises(ImportRefused, match="not a readable RSS or Atom feed"):
        batch_items(b"<?xml version='1.0'?><rss><<<", name="feed.xml")


def test_a_feed_entry_becomes_an_html_page_with_its_metadata():
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>W</title>
    <item><title>Plain &amp; simple</title><link>https://example.org/a</link>
    <pubDate>Wed, 04 Mar 2026 09:00:00 GMT</pubDate><description>Text &lt;b&gt;bold&lt;/b&gt;</description>
    </item></channel></rss>"""
    (item,) = batch_items(feed, name="w.rss")
    assert (item.name, item.url, str(item.published), item.title) == (
        "Plain & simple (entry 1)",
        "https://example.org/a",
        "2026-03-04",
        "Plain & simple",
    )
    assert item.file_name.endswith(".html")
    assert b"<h1>Plain &amp; simple</h1>Text <b>bold</b>" in item.read()
