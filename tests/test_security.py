import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from claims.models import Attribution, Claim, Figure
from sources.models import Document, Outlet
from tests.admin_forms import form_data, staff_in
from tests.factories import ClaimFactory, DocumentFactory, FigureFactory, UserFactory

BASE_DIR = Path(django_settings.BASE_DIR)


def test_deploy_check_passes_with_debug_off_and_a_strong_secret():
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(60)[:60],
        "ALLOWED_HOSTS": "example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_a_weak_secret_key():
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DEBUG": "false",
        "SECRET_KEY": "short",
        "ALLOWED_HOSTS": "example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


ADMIN_PAGES = [
    ("admin:index", None),
    ("admin:claims_claim_changelist", None),
    ("admin:claims_claim_add", None),
    ("admin:claims_claim_change", "claim"),
    ("admin:claims_claim_history", "claim"),
    ("admin:claims_attribution_change", "attribution"),
    ("admin:sources_document_change", "document"),
    ("admin:claims_claim_deleted", None),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "arg"), ADMIN_PAGES)
def test_admin_pages_send_a_strict_csp_and_have_no_inline_script_or_style(client, name, arg):
    figure = FigureFactory()
    objects = {
        "claim": figure.attribution.claim,
        "attribution": figure.attribution,
        "document": figure.attribution.document,
    }
    client.force_login(staff_in("Reviewers"))
    url = reverse(name, args=[objects[arg].pk] if arg else [])
    response = client.get(url)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "style-src 'self'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    html = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag
        assert f'nonce="{nonce}"' in tag, tag
    assert not re.search(r"\sstyle=\"", html)
    assert not re.search(r"\son[a-z]+=\"", html)  # no inline event handlers


@pytest.mark.django_db
def test_login_page_has_csp_and_frame_headers(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    assert "Content-Security-Policy" in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_admin_login_locks_out_after_repeated_failures_and_logs_it(client, settings, caplog):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    user = UserFactory(username="target", is_staff=True)
    user.set_password("the-right-password-2026")
    user.save()
    axes_logger = logging.getLogger("axes")
    axes_logger.addHandler(caplog.handler)
    try:
        url = reverse("admin:login")
        for _ in range(3):
            response = client.post(url, {"username": "target", "password": "wrong"})
            assert response.status_code in (200, 429)
        locked = client.post(url, {"username": "target", "password": "the-right-password-2026"})
    finally:
        axes_logger.removeHandler(caplog.handler)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert any("AXES: Locking out" in r.getMessage() for r in caplog.records)


# --- bad input through the admin ---------------------------------------------------------------


@pytest.fixture
def editor_client(client, db):
    client.force_login(staff_in("Editors"))
    return client


def _post(client, url, changes):
    data = form_data(client.get(url))
    data.update(changes)
    return client.post(url, data)


SCRIPT = "<script>alert('x')</script>"
SQL = "'; DROP TABLE claims_claim; -- \" OR 1=1"
HUGE = "x" * 100_000


@pytest.mark.django_db
@pytest.mark.parametrize("text", [SCRIPT, SQL])
def test_markup_and_sql_in_text_are_stored_verbatim_and_shown_escaped(editor_client, text):
    response = _post(
        editor_client,
        reverse("admin:sources_outlet_add"),
        {"name": text, "slug": "odd-outlet", "notes": text},
    )
    assert response.status_code == 302
    outlet = Outlet.objects.get(slug="odd-outlet")
    assert outlet.name == text
    listing = editor_client.get(reverse("admin:sources_outlet_changelist"), {"q": text})
    assert listing.status_code == 200
    assert "<script>alert" not in listing.content.decode()
    assert Claim.objects.count() == 0  # the table is still there


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("admin_url", "field"),
    [
        ("admin:sources_outlet_add", "name"),
        ("admin:claims_claim_add", "text"),
        ("admin:claims_event_add", "name"),
        ("admin:sources_document_add", "title"),
    ],
)
def test_a_100kb_string_in_a_short_field_is_a_form_error(editor_client, admin_url, field):
    model_count = {
        "admin:sources_outlet_add": Outlet,
        "admin:claims_claim_add": Claim,
        "admin:sources_document_add": Document,
    }
    response = _post(
        editor_client,
        reverse(admin_url),
        {field: HUGE, "slug": "huge", "text": HUGE},
    )
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    model = model_count.get(admin_url)
    if model is not None:
        assert not model.objects.exists()


@pytest.mark.django_db
def test_a_100kb_document_text_is_accepted(editor_client):
    response = _post(
        editor_client,
        reverse("admin:sources_document_add"),
        {"title": "Long", "text": "words" * 20_000, "published": "2021-08-27"},
    )
    assert response.status_code == 302
    assert len(Document.objects.get(title="Long").text) == 100_000


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("admin_url", "field", "value", "expected"),
    [
        ("admin:sources_document_add", "published", "9999-12-31", "error"),
        ("admin:sources_document_add", "published", "0001-01-01", "saved"),
        ("admin:claims_event_add", "date", "9999-12-31", "error"),
        ("admin:claims_event_add", "date", "0001-01-01", "saved"),
        ("admin:claims_event_add", "date", "10000-01-01", "error"),
        ("admin:claims_event_add", "date", "2021-02-30", "error"),
    ],
)
def test_extreme_dates_are_form_errors_or_stored_exactly(
    editor_client, admin_url, field, value, expected
):
    changes = {
        field: value,
        "title": "Dated",
        "text": f"Text {value}",
        "name": "Dated",
        "slug": "dated",
    }
    response = _post(editor_client, reverse(admin_url), changes)
    if expected == "error":
        assert response.status_code == 200
        assert field in response.context["adminform"].form.errors
    else:
        assert response.status_code == 302
        model = Document if "document" in admin_url else __import__("claims.models").models.Event
        assert str(getattr(model.objects.get(), field)) == value


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"figures-0-value": "-5"}, "value"),
        ({"figures-0-value": str(10**12)}, "value"),
        ({"figures-0-value": "1e400"}, "value"),
        ({"figures-0-qualifier": "range", "figures-0-value_high": "3"}, "value_high"),
        ({"figures-0-as_of": "9999-01-01"}, "as_of"),
        ({"figures-0-event": "999999999"}, "event"),
    ],
)
def test_bad_figures_are_form_errors_and_nothing_is_half_saved(editor_client, changes, field):
    figure = FigureFactory()
    attribution = figure.attribution
    url = reverse("admin:claims_attribution_change", args=[attribution.pk])
    response = _post(editor_client, url, {"note": "should not be saved", **changes})
    assert response.status_code == 200
    figure_form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert field in figure_form.errors, figure_form.errors
    attribution.refresh_from_db()
    figure.refresh_from_db()
    assert attribution.note == "" and attribution.version == 1
    assert (figure.value, figure.version) == (46, 1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("admin_url", "changes", "field"),
    [
        ("admin:claims_claim_add", {"text": "A claim", "slug": "a", "event": "987654321"}, "event"),
        (
            "admin:claims_attribution_add",
            {"claim": "987654321", "voice": "own", "stance": "supports", "quote": "x"},
            "claim",
        ),
        (
            "admin:claims_attribution_add",
            {"document": "987654321", "voice": "own", "stance": "supports", "quote": "x"},
            "document",
        ),
        ("admin:sources_document_add", {"title": "T", "text": "t", "outlet": "-1"}, "outlet"),
        ("admin:sources_document_add", {"title": "T", "text": "t", "outlet": "abc"}, "outlet"),
        ("admin:sources_document_add", {"title": "T", "text": "t", "outlet": "9" * 30}, "outlet"),
        ("admin:claims_claim_add", {"text": "C", "slug": "c", "tags": ["x", "-3"]}, "tags"),
    ],
)
def test_forged_foreign_keys_are_form_errors(editor_client, admin_url, changes, field):
    ClaimFactory()
    DocumentFactory()
    before = (Claim.objects.count(), Attribution.objects.count(), Document.objects.count())
    response = _post(editor_client, reverse(admin_url), changes)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    after = (Claim.objects.count(), Attribution.objects.count(), Document.objects.count())
    assert after == before


@pytest.mark.django_db
def test_missing_object_and_bad_ids_in_admin_urls_are_not_500(editor_client):
    for url in [
        "/admin/claims/claim/987654321/change/",
        "/admin/claims/claim/not-a-number/change/",
        "/admin/claims/claim/987654321/history/",
        "/admin/claims/claim/987654321/history-diff/",
        "/admin/claims/claim/1/history-diff/?older=x&newer=y",
    ]:
        response = editor_client.get(url, follow=True)
        assert response.status_code in (200, 404), url


@pytest.mark.django_db
def test_non_utf8_bytes_in_a_form_post_are_not_a_500(editor_client):
    url = reverse("admin:sources_outlet_add")
    editor_client.get(url)
    body = b"name=\xff\xfe\xfa&slug=bytes&kind=other"
    response = editor_client.generic(
        "POST", url, body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (200, 302, 400, 403)
    assert Figure.objects.count() == 0


def test_a_forged_total_forms_is_refused_without_building_thousands_of_forms(editor_client):
    claim = ClaimFactory()
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    response = _post(editor_client, url, {"attributions-TOTAL_FORMS": "2000"})
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert len(formset.forms) <= 100
    assert "Please submit at most 100 forms." in formset.non_form_errors()
    # (2,000 forms took 27 s; the work is now bounded by the number of forms built.)
    claim.refresh_from_db()
    assert claim.version == 1


def test_import_reads_no_more_than_the_size_limit(tmp_path, db):
    import time

    from sources.importing import ImportRefused, import_path

    started = time.monotonic()
    with pytest.raises(ImportRefused, match="larger than 5 MB"):
        import_path("/dev/zero")
    assert time.monotonic() - started < 5
    assert not Document.objects.exists()


def test_suggestions_page_of_a_huge_document_says_so_quickly(client, db):
    import time

    from suggestions.admin import SUGGESTIONS_MAX_CHARS

    document = DocumentFactory(text="At least 46 people were killed, officials said. " * 50_000)
    assert len(document.text) > SUGGESTIONS_MAX_CHARS
    client.force_login(staff_in("Editors"))
    started = time.monotonic()
    response = client.get(reverse("admin:sources_document_suggestions", args=[document.pk]))
    assert response.status_code == 200
    assert time.monotonic() - started < 10
    assert "suggestions are made for documents of up to 100,000" in response.content.decode()
