import datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.urls import reverse

from claims.models import Attribution, Figure
from sources.models import Document
from suggestions.models import SuggestionDecision
from suggestions.review import suggestions_for
from tests.factories import ClaimFactory, DocumentFactory, EventFactory, UserFactory

pytestmark = pytest.mark.django_db

# The bombing and the article about it, a day apart: their dates match.
BOMBING_DAY = datetime.date(2021, 10, 8)

ARTICLE = Path(__file__).resolve().parent / "articles" / "darra_market.txt"
KUNDUZ = (
    "Kunduz mosque bombing\n\n"
    "According to the state-run Bakhtar News Agency, the explosion killed at least 46 people and "
    "wounded more than 140.\n\n"
    "The Taliban denied any role in the attack in Kunduz.\n"
)


def staff(*perms: str):
    user = UserFactory(is_staff=True)
    for perm in perms:
        app, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=codename)
        )
    return user


def client_for(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


@pytest.fixture
def editor():
    return staff("sources.view_document", "claims.add_attribution", "sources.add_document")


@pytest.fixture
def document():
    return DocumentFactory(text=KUNDUZ, published=BOMBING_DAY + datetime.timedelta(days=1))


def url(name: str, *args) -> str:
    return reverse(f"admin:sources_document_{name}", args=args)


def killed(document):
    return next(c for c in suggestions_for(document) if c.measure == "killed")


def test_suggestions_page_lists_candidates_in_fixed_queries(
    editor, document, django_assert_num_queries
):
    event = EventFactory(name="Kunduz mosque bombing", place="Kunduz", date=BOMBING_DAY)
    ClaimFactory(text="The Kunduz mosque bombing killed N people", event=event)
    client = client_for(editor)
    # session, user, permissions (x2: user and group), document, actors, aliases, decisions,
    # events for hints, likely-claim pool, figure measures, cited claims, events for the select;
    # on PostgreSQL one more: the wording similarity (pg_trgm) of the pool's claims.
    with django_assert_num_queries(13 + (connection.vendor == "postgresql")):
        response = client.get(url("suggestions", document.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "at least 46 people" in body
    assert "The Kunduz mosque bombing killed N people" in body
    assert 'name="csrfmiddlewaretoken"' in body


def test_suggestions_page_needs_view_permission(document):
    response = client_for(staff()).get(url("suggestions", document.pk))
    assert response.status_code == 403


def test_unknown_document_is_404(editor):
    assert client_for(editor).get(url("suggestions", 999999)).status_code == 404


def test_accept_creates_the_attribution_and_figure_once(editor, document):
    event = EventFactory(name="Kunduz mosque bombing", place="Kunduz", date=BOMBING_DAY)
    claim = ClaimFactory(text="The Kunduz mosque bombing killed N people", event=event)
    candidate = killed(document)
    client = client_for(editor)
    data = {"fingerprint": candidate.fingerprint, "claim": claim.pk}
    for _ in range(2):
        response = client.post(url("suggestion_accept", document.pk), data)
        assert response.status_code == 302
    attribution = Attribution.objects.get()
    assert (attribution.claim, attribution.quote_start, attribution.quote_end) == (
        claim,
        candidate.start,
        candidate.end,
    )
    assert Figure.objects.get().value == 46
    decision = SuggestionDecision.objects.get(fingerprint=candidate.fingerprint)
    assert (decision.decision, decision.decided_by) == ("accepted", editor)
    page = client.get(url("suggestions", document.pk)).content.decode()
    assert candidate.fingerprint not in page


def test_accept_onto_a_new_claim_with_an_event(editor, document):
    event = EventFactory(name="Mosque attack", place="Northern Afghanistan", date=BOMBING_DAY)
    candidate = killed(document)
    response = client_for(editor).post(
        url("suggestion_accept", document.pk),
        {
            "fingerprint": candidate.fingerprint,
            "new_claim_text": "The bombing killed 46",
            "event": event.pk,
        },
    )
    assert response.status_code == 302
    attribution = Attribution.objects.select_related("claim").get()
    assert attribution.claim.text == "The bombing killed 46"
    assert attribution.claim.event == event


def test_accept_without_claim_shows_the_reason_and_stores_nothing(editor, document):
    candidate = killed(document)
    client = client_for(editor)
    response = client.post(
        url("suggestion_accept", document.pk), {"fingerprint": candidate.fingerprint}, follow=True
    )
    assert "Choose an existing claim" in response.content.decode()
    assert Attribution.objects.count() == 0
    assert SuggestionDecision.objects.count() == 0


def test_accept_needs_add_attribution_permission(document):
    viewer = staff("sources.view_document")
    candidate = killed(document)
    claim = ClaimFactory()
    response = client_for(viewer).post(
        url("suggestion_accept", document.pk),
        {"fingerprint": candidate.fingerprint, "claim": claim.pk},
    )
    assert response.status_code == 403
    assert Attribution.objects.count() == 0


def test_accept_is_protected_by_csrf(editor, document):
    candidate = killed(document)
    client = client_for(editor, enforce_csrf_checks=True)
    response = client.post(
        url("suggestion_accept", document.pk),
        {"fingerprint": candidate.fingerprint, "new_claim_text": "A claim"},
    )
    assert response.status_code == 403
    assert Attribution.objects.count() == 0


def test_accept_by_get_is_not_allowed(editor, document):
    assert client_for(editor).get(url("suggestion_accept", document.pk)).status_code == 405


def test_reject_records_it_and_it_is_not_suggested_again(editor, document):
    candidate = killed(document)
    client = client_for(editor)
    response = client.post(
        url("suggestion_reject", document.pk), {"fingerprint": candidate.fingerprint}
    )
    assert response.status_code == 302
    decision = SuggestionDecision.objects.get()
    assert (decision.decision, decision.fingerprint) == ("rejected", candidate.fingerprint)
    assert candidate.fingerprint not in {c.fingerprint for c in suggestions_for(document)}
    assert candidate.fingerprint not in client.get(url("suggestions", document.pk)).content.decode()


def test_reject_of_an_unknown_suggestion_stores_nothing(editor, document):
    response = client_for(editor).post(
        url("suggestion_reject", document.pk), {"fingerprint": "f" * 64}, follow=True
    )
    assert "no longer matches" in response.content.decode()
    assert SuggestionDecision.objects.count() == 0


def test_import_page_uploads_a_file_with_the_same_function(editor):
    client = client_for(editor)
    assert client.get(url("import")).status_code == 200
    with ARTICLE.open("rb") as upload:
        response = client.post(url("import"), {"file": upload, "outlet": "AFP"})
    document = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("suggestions", document.pk)
    assert document.text == ARTICLE.read_text(encoding="utf-8")
    assert document.outlet.name == "AFP"
    with ARTICLE.open("rb") as upload:
        again = client.post(url("import"), {"file": upload}, follow=True)
    assert f"document #{document.pk}" in again.content.decode()
    assert Document.objects.count() == 1


def test_import_refuses_bad_files_with_400(editor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(editor).post(
        url("import"), {"file": SimpleUploadedFile("latin.txt", "caf\u00e9".encode("latin-1"))}
    )
    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode()
    assert Document.objects.count() == 0


def test_import_needs_add_document_permission():
    viewer = staff("sources.view_document")
    assert client_for(viewer).get(url("import")).status_code == 403
