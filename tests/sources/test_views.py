"""Document, actor and outlet pages: highlighted quotes, contradictions, relays, drafts hidden,
and query counts that do not grow with the rows shown."""

from datetime import date

import pytest

from claims.models import Attribution, Claim
from tests.api_helpers import grant
from tests.factories import (
    ActorAliasFactory,
    ActorFactory,
    AttributionFactory,
    ClaimFactory,
    DocumentFactory,
    OutletFactory,
    UserFactory,
)
from tests.site_data import build_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return build_site()


def test_document_page_marks_every_quote_with_its_claim_and_stance(client, site):
    response = client.get(site.doc_000.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    quote = site.saleh_quote
    assert f'<mark id="a-{quote.pk}"' in body
    assert f'href="{site.links.get_absolute_url()}#att-{quote.pk}"' in body
    assert "Every evidence we have in hand" in body
    assert 'class="stance-word">Refutes</span>' in body  # the Taliban's denial
    assert body.count("<mark id=") == 3
    assert f'href="/api/v1/documents/{site.doc_000.pk}/"' in body


def test_document_page_shows_unknown_publisher_and_origin_of_a_copy(client, site):
    copy = DocumentFactory(outlet=None, derived_from=site.doc_001, title="A spun copy")
    body = client.get(copy.get_absolute_url()).content.decode()
    assert "Unknown publisher" in body
    assert "Derived from" in body and site.doc_001.title in body
    assert "Asian Lite News" in body  # the origin: the original's publisher


def test_editors_notes_on_a_document_are_shown_to_staff_only(client):
    document = DocumentFactory(notes="Checked against seed 003 by the desk")
    assert "seed 003" not in client.get(document.get_absolute_url()).content.decode()
    client.force_login(UserFactory(is_staff=True))
    assert "seed 003" in client.get(document.get_absolute_url()).content.decode()


def test_overlapping_quotes_are_both_highlighted(client):
    document = DocumentFactory(text="Officials said the blast killed at least 46 people in Kunduz.")
    first = AttributionFactory(document=document, quote="the blast killed at least 46")
    second = AttributionFactory(document=document, quote="at least 46 people in Kunduz")
    body = client.get(document.get_absolute_url()).content.decode()
    assert f'<mark id="a-{first.pk}"' in body
    assert f'<mark id="a-{second.pk}"' in body
    assert 'class="quote overlap' in body


def test_document_hides_quotes_of_unpublished_claims_from_the_public(client, site):
    body = client.get(site.doc_002.get_absolute_url()).content.decode()
    assert site.draft.text not in body
    assert body.count("<mark id=") == 1  # only Bakhtar's figures
    client.force_login(UserFactory(is_staff=True))  # staff, but no view-claim permission
    body = client.get(site.doc_002.get_absolute_url()).content.decode()
    assert body.count("<mark id=") == 1
    client.force_login(grant(UserFactory(is_staff=True), "view_claim"))
    body = client.get(site.doc_002.get_absolute_url()).content.decode()
    assert body.count("<mark id=") == 2


def test_actor_page_groups_statements_and_shows_contradictions(client, site):
    response = client.get(site.saleh.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert site.links.text in body
    assert "Where Amrullah Saleh and others disagree" in body
    assert f'href="{site.taliban.get_absolute_url()}">Taliban</a> <strong>refutes</strong>' in body
    assert f'href="/api/v1/actors/{site.saleh.pk}/"' in body


def test_actor_page_lists_aliases_and_affiliation(client, site):
    body = client.get(site.isk.get_absolute_url()).content.decode()
    for alias in ("IS-K", "ISIS-K", "ISKP", "Daesh"):
        assert alias in body
    assert site.links.text in body  # a claim about IS-K, naming it by alias
    shaheen = client.get("/actors/suhail-shaheen/").content.decode()
    assert f'href="{site.taliban.get_absolute_url()}">Taliban</a>' in shaheen


def test_outlet_page_shows_whom_it_relayed(client, site):
    body = client.get(site.rferl.get_absolute_url()).content.decode()
    assert "United States government" in body
    assert "killed some 170 Afghans" in body
    assert f'href="/api/v1/outlets/{site.rferl.pk}/"' in body


def test_outlet_page_shows_its_own_voice(client, site):
    body = client.get("/outlets/socialist-worker/").content.decode()
    assert "Kabul bombing" in body  # its document
    own = ClaimFactory(text="A claim in its own voice")
    AttributionFactory(claim=own, document=site.doc_004, quote="Haqqani network")
    body = client.get("/outlets/socialist-worker/").content.decode()
    assert own.text in body.split("Reported in its own voice")[1]


@pytest.mark.parametrize(
    "path",
    [
        "/documents/999999/",
        "/documents/99999999999999999999999/",
        "/actors/nobody/",
        "/outlets/nobody/",
        "/events/nothing/",
        "/events/99999999999999999999999/",
    ],
)
def test_missing_records_are_404(client, path):
    assert client.get(path).status_code == 404


# --- query counts --------------------------------------------------------------------------------


def _sentences(n: int) -> str:
    return " ".join(f"Speaker number {i} said the toll was {i + 10}." for i in range(n))


@pytest.mark.parametrize("rows", [2, 10])
def test_document_page_query_count_is_constant(client, django_assert_num_queries, rows):
    document = DocumentFactory(text=_sentences(rows))
    for i in range(rows):
        AttributionFactory(
            document=document,
            speaker=ActorFactory(),
            voice=Attribution.Voice.QUOTED,
            quote=f"said the toll was {i + 10}",
        )
    DocumentFactory.create_batch(rows, derived_from=document, outlet=None)
    # document with outlets, origins (one level), attributions with claim/speaker/via, copies
    # +3: the ETag (claims.versions.document_page): document, its attributions, copies
    with django_assert_num_queries(7):
        assert client.get(document.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("rows", [2, 10])
def test_actor_page_query_count_is_constant(client, django_assert_num_queries, rows):
    actor = ActorFactory()
    ActorAliasFactory.create_batch(rows, actor=actor)
    ActorFactory.create_batch(rows, affiliation=actor)
    ClaimFactory.create_batch(rows, text=f"{actor.name} carried out the attack")  # names it
    for _ in range(rows):
        claim = ClaimFactory()
        AttributionFactory(claim=claim, speaker=actor, voice="quoted")
        AttributionFactory(
            claim=claim, speaker=ActorFactory(), voice="quoted", stance=Attribution.Stance.REFUTES
        )
    # actor with affiliation/outlet, aliases, members, statements, other speakers' statements,
    # claims naming the actor
    # +6: the ETag (claims.versions.actor_page): actor, members, statements, other speakers', names, claims naming it
    with django_assert_num_queries(12):
        assert client.get(actor.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("rows", [2, 10])
def test_outlet_page_query_count_is_constant(client, django_assert_num_queries, rows):
    outlet = OutletFactory()
    for _ in range(rows):
        document = DocumentFactory(outlet=outlet)
        AttributionFactory(document=document)
        AttributionFactory(
            document=document,
            speaker=ActorFactory(),
            voice="quoted",
            claim__publication="published",
        )
        AttributionFactory(via=outlet, speaker=ActorFactory(), voice="paraphrased")
    # outlet with its actor, documents, own-voice reports, relayed statements, their origins
    # +3: the ETag (claims.versions.outlet_page): outlet, documents, attributions
    with django_assert_num_queries(8):
        assert client.get(outlet.get_absolute_url()).status_code == 200


def test_draft_claim_absent_from_actor_page_for_public(client):
    actor = ActorFactory()
    draft = ClaimFactory(publication=Claim.Publication.DRAFT, text="Secret draft")
    AttributionFactory(claim=draft, speaker=actor, voice="quoted")
    assert "Secret draft" not in client.get(actor.get_absolute_url()).content.decode()


def test_document_page_shows_source_and_archived_copy_beside_the_text(client, site):
    document = site.doc_000
    document.url = "https://example.org/saleh-isk"
    document.archive_url = "https://web.archive.org/web/20210828/https://example.org/saleh-isk"
    document.archived_on = date(2021, 8, 28)
    document.published = date(2021, 8, 1)
    document.published_precision = "month"
    document.save()
    body = client.get(document.get_absolute_url()).content.decode()
    box = body.split('<aside class="source-box"')[1].split("</aside>")[0]
    assert 'href="https://example.org/saleh-isk"' in box
    assert "web.archive.org" in box and "captured 2021-08-28" in box
    assert "August 2021" in body and "2021-08-01" not in body


def test_document_without_addresses_says_so(client, site):
    body = client.get(site.doc_002.get_absolute_url()).content.decode()
    assert "not recorded" in body and "none recorded" in body
