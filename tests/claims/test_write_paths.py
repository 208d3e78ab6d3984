"""Every way evidence is written gives the same stored status and reason for the same evidence:
the write services (claims.services) are the only path, whatever the screen. On a published claim
every write waits for review (tests/claims/test_review.py proves nothing public moves before it);
here a reviewer approves it and the stored status follows, equal to the staff preview."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from claims import evidence, services
from claims.models import Attribution, Claim, Figure
from claims.seeds import load_seeds
from sources.importing import import_document
from suggestions.review import suggestions_for
from suggestions.services import accept_suggestion
from tests.admin_forms import form_data, staff_in
from tests.api_helpers import editor_permissions, grant, token_client
from tests.factories import (
    ActorFactory,
    AttributionFactory,
    ClaimFactory,
    DocumentFactory,
    EventFactory,
    FigureFactory,
    OutletFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/"
TEXT = (
    "Amrullah Saleh said the group did it. The Taliban denied any role in the attack. "
    "Zabihullah Mujahid said the group was behind it. A doctor said 20 people were killed."
)
CONTESTED = (
    "contested: supported by Amrullah Saleh (quoted, 2021-08-27), "
    "refuted by Taliban (paraphrased, 2021-08-28)"
)


def stored(claim: Claim) -> tuple[str, str]:
    """The claim's stored status and reason, checked against a fresh derivation."""
    claim.refresh_from_db()
    assert evidence.derive([claim.pk])[claim.pk] == (claim.status, claim.status_reason)
    return claim.status, claim.status_reason


def approved(*claims: Claim) -> tuple[str, str]:
    """A second person approves every pending change to the claims' evidence; each claim's stored
    status becomes what the staff preview showed. Returns the first claim's stored status."""
    previews = {c.pk: evidence.derive([c.pk], proposed=True)[c.pk] for c in claims}
    attributions, figures = services.pending_evidence([c.pk for c in claims])
    if attributions or figures:
        reviewer = grant(UserFactory(), "publish_claim")
        services.approve_evidence(items=[*attributions, *figures], by=reviewer)
    for claim in claims:
        assert stored(claim) == previews[claim.pk]
    return stored(claims[0])


@pytest.fixture
def world():
    document = DocumentFactory(
        title="Report",
        outlet=OutletFactory(name="Daily A"),
        published=datetime.date(2021, 8, 29),
        text=TEXT,
    )
    claim = ClaimFactory(text="The group carried out the attack")
    saleh = ActorFactory(name="Amrullah Saleh")
    AttributionFactory(
        claim=claim,
        document=document,
        speaker=saleh,
        voice="quoted",
        stated_on=datetime.date(2021, 8, 27),
        quote="the group did it",
    )
    taliban = ActorFactory(name="Taliban")
    refutation = {
        "claim": claim,
        "document": document,
        "speaker": taliban,
        "voice": "paraphrased",
        "stance": "refutes",
        "stated_on": datetime.date(2021, 8, 28),
        "quote": "The Taliban denied any role in the attack",
    }
    return {"claim": claim, "document": document, "taliban": taliban, "refutation": refutation}


@pytest.fixture
def editor_api():
    return token_client(grant(UserFactory(is_staff=True), *editor_permissions()))


@pytest.fixture
def admin_client(client):
    client.force_login(staff_in("Editors"))
    return client


def with_extra_support(world) -> Attribution:
    """The contested state plus one more supporting statement, to be deleted."""
    services.save_attribution(attribution=Attribution(**world["refutation"]))
    approved(world["claim"])
    return AttributionFactory(
        claim=world["claim"],
        document=world["document"],
        speaker=ActorFactory(name="Zabihullah Mujahid"),
        voice="paraphrased",
        quote="Zabihullah Mujahid said the group was behind it",
    )


def test_through_the_service(world):
    services.save_attribution(attribution=Attribution(**world["refutation"]))
    assert approved(world["claim"]) == ("contested", CONTESTED)


def test_through_the_admin_attribution_form(world, admin_client):
    page = admin_client.get(reverse("admin:claims_attribution_add"))
    data = form_data(page)
    refutation = world["refutation"]
    data.update(
        claim=refutation["claim"].pk,
        document=refutation["document"].pk,
        speaker=refutation["speaker"].pk,
        voice="paraphrased",
        stance="refutes",
        stated_on="2021-08-28",
        quote=refutation["quote"],
    )
    response = admin_client.post(reverse("admin:claims_attribution_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert approved(world["claim"]) == ("contested", CONTESTED)


def test_through_the_admin_claim_inline(world, admin_client):
    url = reverse("admin:claims_claim_change", args=[world["claim"].pk])
    data = form_data(admin_client.get(url))
    refutation = world["refutation"]
    data.update(
        {
            "attributions-1-document": refutation["document"].pk,
            "attributions-1-speaker": refutation["speaker"].pk,
            "attributions-1-voice": "paraphrased",
            "attributions-1-stance": "refutes",
            "attributions-1-stated_on": "2021-08-28",
            "attributions-1-quote": refutation["quote"],
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert approved(world["claim"]) == ("contested", CONTESTED)


def test_through_the_admin_bulk_delete(world, admin_client):
    extra = with_extra_support(world)
    assert "Zabihullah" in stored(world["claim"])[1]  # the factory's row is approved
    response = admin_client.post(
        reverse("admin:claims_attribution_changelist"),
        {"action": "delete_selected", "_selected_action": [extra.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert Attribution.objects.get(pk=extra.pk).review == "pending_deletion"
    assert approved(world["claim"]) == ("contested", CONTESTED)
    assert not Attribution.objects.filter(pk=extra.pk).exists()


def test_through_the_api_create(world, editor_api):
    refutation = world["refutation"]
    body = {
        "claim": refutation["claim"].pk,
        "document": refutation["document"].pk,
        "speaker": refutation["speaker"].pk,
        "voice": "paraphrased",
        "stance": "refutes",
        "stated_on": "2021-08-28",
        "quote": refutation["quote"],
    }
    assert editor_api.post(API + "attributions/", body, format="json").status_code == 201
    assert approved(world["claim"]) == ("contested", CONTESTED)


def test_through_the_api_update(world, editor_api):
    neutral = services.save_attribution(
        attribution=Attribution(**{**world["refutation"], "stance": "neutral"})
    )
    assert approved(world["claim"])[0] == "attributed"
    neutral.refresh_from_db()
    response = editor_api.patch(
        API + f"attributions/{neutral.pk}/",
        {"stance": "refutes"},
        format="json",
        HTTP_IF_MATCH=f'"{neutral.version}"',
    )
    assert response.status_code == 200
    assert approved(world["claim"]) == ("contested", CONTESTED)


def test_through_the_api_delete(world, editor_api):
    extra = with_extra_support(world)
    response = editor_api.delete(
        API + f"attributions/{extra.pk}/", HTTP_IF_MATCH=f'"{extra.version}"'
    )
    assert response.status_code == 204
    assert approved(world["claim"]) == ("contested", CONTESTED)


def test_an_attribution_moved_through_the_api_refreshes_both_claims(world, editor_api):
    refutation = services.save_attribution(attribution=Attribution(**world["refutation"]))
    other = ClaimFactory()
    response = editor_api.patch(
        API + f"attributions/{refutation.pk}/",
        {"claim": other.pk},
        format="json",
        HTTP_IF_MATCH=f'"{refutation.version}"',
    )
    assert response.status_code == 200
    assert approved(world["claim"], other)[0] == "attributed"
    assert stored(other) == ("unsupported", "unsupported: no attribution supports it")


def test_through_a_document_revision(world, editor_api):
    services.save_attribution(attribution=Attribution(**world["refutation"]))
    document = world["document"]
    response = editor_api.patch(
        API + f"documents/{document.pk}/",
        {"text": "Kabul, 29 August. " + TEXT},
        format="json",
        HTTP_IF_MATCH=f'"{document.version}"',
    )
    assert response.status_code == 200, response.json()
    assert approved(world["claim"]) == ("contested", CONTESTED)


def figure_world(world) -> None:
    """The doctor's 20 and a diverging 46 from Daily A's own voice: contested on figures."""
    event = EventFactory(name="Attack")
    claim = world["claim"]
    claim.event = event
    Claim.objects.filter(pk=claim.pk).update(event=event)
    report = DocumentFactory(
        outlet=OutletFactory(name="Wire C"), text="A doctor said 20 people were killed."
    )
    doctor = AttributionFactory(
        claim=claim,
        document=report,
        voice="unnamed",
        speaker_description="a doctor",
        quote="20 people were killed",
    )
    FigureFactory(attribution=doctor, event=event, qualifier="exact", value=20, text="20 people")


def test_figures_through_the_api_create_update_and_delete(world, editor_api):
    figure_world(world)
    saleh = world["claim"].attributions.get(speaker__name="Amrullah Saleh")
    body = {
        "attribution": saleh.pk,
        "measure": "killed",
        "qualifier": "at_least",
        "value": 46,
        "text": "at least 46",
    }
    response = editor_api.post(API + "figures/", body, format="json")
    assert response.status_code == 201
    status, reason = approved(world["claim"])
    assert status == "contested"
    assert "a doctor cited by Wire C: 20 killed (“20 people”)" in reason
    figure = Figure.objects.get(pk=response.json()["id"])
    for value, diverge in ((15, False), (46, True)):  # at least 15 includes 20; at least 46 not
        response = editor_api.patch(
            API + f"figures/{figure.pk}/",
            {"value": value},
            format="json",
            HTTP_IF_MATCH=f'"{figure.version}"',
        )
        assert response.status_code == 200
        assert ("the figures cannot all be right" in approved(world["claim"])[1]) == diverge
        figure.refresh_from_db()
    response = editor_api.delete(API + f"figures/{figure.pk}/", HTTP_IF_MATCH=f'"{figure.version}"')
    assert response.status_code == 204
    assert approved(world["claim"])[0] == "attributed"


def test_figures_through_the_admin_inline(world, admin_client):
    figure_world(world)
    saleh = world["claim"].attributions.get(speaker__name="Amrullah Saleh")
    url = reverse("admin:claims_attribution_change", args=[saleh.pk])
    data = form_data(admin_client.get(url))
    data.update(
        {
            "figures-0-measure": "killed",
            "figures-0-population": "total",
            "figures-0-qualifier": "at_least",
            "figures-0-value": "46",
            "figures-0-text": "at least 46",
        }
    )
    assert admin_client.post(url, data).status_code == 302
    status, reason = approved(world["claim"])
    assert status == "contested" and "the figures cannot all be right" in reason


def test_through_a_document_import_and_a_suggestion_accept(world):
    # An import stores a document and no evidence; accepting a suggestion from it adds some.
    document = import_document(
        b"The explosion killed at least 46 people, Bakhtar News Agency said.\n",
        name="bakhtar.txt",
        outlet="Wire B",
        published=datetime.date(2021, 8, 30),
    ).document
    figure_world(world)
    candidate = next(c for c in suggestions_for(document) if c.measure == "killed")
    accept_suggestion(
        document=document, candidate=candidate, claim=world["claim"], by=UserFactory()
    )
    status, reason = approved(world["claim"])
    assert status == "contested" and "the figures cannot all be right" in reason


def test_through_the_seed_load():
    load_seeds(Path(settings.BASE_DIR) / "seeds")
    claims = list(Claim.objects.all())
    assert claims
    for claim in claims:
        stored(claim)
