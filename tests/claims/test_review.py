"""Nothing reaches the public unreviewed (issue 13): evidence added, edited or deleted on a
published claim, by any write path, waits for a reviewer; the public pages, API, CSV and the
stored status change only when it is approved, and together."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims import evidence, services
from claims.models import Attribution, Claim, Figure
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
    "A doctor said 20 people were killed."
)
SUPPORTED = (
    "attributed: no outlet states it as fact; it rests on what others said: "
    "Amrullah Saleh (quoted, 2021-08-27)"
)


@pytest.fixture
def world():
    event = EventFactory(name="Attack")
    document = DocumentFactory(
        title="Report",
        outlet=OutletFactory(name="Daily A"),
        published=datetime.date(2021, 8, 29),
        text=TEXT,
    )
    claim = ClaimFactory(text="The group carried out the attack", event=event)
    saleh = AttributionFactory(
        claim=claim,
        document=document,
        speaker=ActorFactory(name="Amrullah Saleh"),
        voice="quoted",
        stated_on=datetime.date(2021, 8, 27),
        quote="the group did it",
    )
    taliban = ActorFactory(name="Taliban")
    claim.refresh_from_db()
    return {
        "claim": claim,
        "event": event,
        "document": document,
        "saleh": saleh,
        "refutation": {
            "claim": claim.pk,
            "document": document.pk,
            "speaker": taliban.pk,
            "voice": "paraphrased",
            "stance": "refutes",
            "stated_on": "2021-08-28",
            "quote": "The Taliban denied any role in the attack",
        },
    }


@pytest.fixture
def editor():
    return grant(UserFactory(username="ed", is_staff=True), *editor_permissions())


@pytest.fixture
def reviewer():
    return grant(UserFactory(username="rev", is_staff=True), *editor_permissions(), "publish_claim")


def public(client, claim: Claim) -> dict:
    """What an anonymous reader sees of the claim: its API detail, attribution and figure ids in
    the API lists and CSV, its page, and its stored status."""
    detail = client.get(API + f"claims/{claim.pk}/").json()
    csv = b"".join(client.get(API + "attributions/?format=csv").streaming_content).decode()
    return {
        "status": (detail["status"], detail["status_reason"]),
        "attributions": sorted(a["id"] for a in detail["attributions"]),
        "quotes": sorted(a["quote"] for a in detail["attributions"]),
        "figures": sorted(f["id"] for a in detail["attributions"] for f in a["figures"]),
        "listed": sorted(a["id"] for a in client.get(API + "attributions/").json()["results"]),
        "figures_listed": sorted(f["id"] for f in client.get(API + "figures/").json()["results"]),
        "csv_lines": len(csv.strip().splitlines()),
        # The page without its per-response CSP nonce.
        "page": re.sub(r'nonce="[^"]*"', "", client.get(claim.get_absolute_url()).content.decode()),
        "stances": client.get(API + f"claims/{claim.pk}/stances/").json()["refutes"],
    }


def pending_of(claim: Claim) -> list:
    attributions, figures = services.pending_evidence([claim.pk])
    return [*attributions, *figures]


def approve_all(claim: Claim, reviewer) -> None:
    """Approve every pending change; the stored status becomes what the staff preview showed."""
    claim.refresh_from_db()
    preview = evidence.derive([claim.pk], proposed=True)[claim.pk]
    services.approve_evidence(items=pending_of(claim), by=reviewer)
    claim.refresh_from_db()
    assert (claim.status, claim.status_reason) == preview
    assert evidence.derive([claim.pk])[claim.pk] == preview


def test_an_api_create_is_pending_until_approved_then_public_together(
    world, client, editor, reviewer
):
    claim = world["claim"]
    before = public(client, claim)
    assert before["status"] == ("attributed", SUPPORTED)
    response = token_client(editor).post(API + "attributions/", world["refutation"], format="json")
    assert response.status_code == 201
    new = Attribution.objects.get(quote__startswith="The Taliban")
    assert new.review == "pending" and new.proposed_by == editor
    assert public(client, claim) == before  # nothing public moved: page, API, CSV, status
    # Staff see it marked, and the preview of the status it would bring.
    staff = token_client(reviewer).get(API + f"claims/{claim.pk}/").json()
    assert {a["id"]: a["review"] for a in staff["attributions"]}[new.pk] == "pending"
    assert staff["status"] == "attributed"
    assert staff["status_preview"]["status"] == "contested"
    assert "refuted by Taliban" in staff["status_preview"]["status_reason"]
    assert client.get(API + f"attributions/{world['saleh'].pk}/").json()["review"] == "approved"
    assert client.get(API + f"claims/{claim.pk}/").json()["status_preview"] is None

    response = token_client(reviewer).post(API + f"attributions/{new.pk}/approve/")
    assert response.status_code == 200
    assert response.json() == {"decision": "approved", "claims": [claim.pk]}
    after = public(client, claim)
    assert after["status"][0] == "contested" and "refuted by Taliban" in after["status"][1]
    assert new.pk in after["attributions"] and new.pk in after["listed"]
    assert after["csv_lines"] == before["csv_lines"] + 1
    assert "The Taliban denied any role" in after["page"]
    assert [s["attribution"] for s in after["stances"]] == [new.pk]
    new.refresh_from_db()
    assert (new.review, new.reviewed_by) == ("approved", reviewer)
    assert new.history.first().history_change_reason == "Approved"


def test_an_api_edit_keeps_the_live_row_public_until_approved(world, client, editor, reviewer):
    claim, saleh = world["claim"], world["saleh"]
    before = public(client, claim)
    response = token_client(editor).patch(
        API + f"attributions/{saleh.pk}/",
        {"stance": "refutes"},
        format="json",
        HTTP_IF_MATCH=f'"{saleh.version}"',
    )
    assert response.status_code == 200
    saleh.refresh_from_db()
    assert saleh.stance == "supports"  # the live row is unchanged
    copy = Attribution.objects.get(replaces=saleh)
    assert (copy.review, copy.stance) == ("pending", "refutes")
    assert public(client, claim) == before
    # Staff lists show the live row once (the copy is in the review queue), marked as approved.
    staff = token_client(reviewer).get(API + "attributions/").json()["results"]
    assert [a["id"] for a in staff] == [saleh.pk]

    services.approve_evidence(items=[copy], by=reviewer)
    saleh.refresh_from_db()
    assert saleh.stance == "refutes" and saleh.pk == world["saleh"].pk  # same id and URLs
    assert not Attribution.objects.filter(replaces=saleh).exists()
    after = public(client, claim)
    assert after["status"][0] == "unsupported"
    assert after["attributions"] == before["attributions"]


def test_an_api_delete_stays_public_until_the_deletion_is_approved(world, client, editor, reviewer):
    claim, saleh = world["claim"], world["saleh"]
    before = public(client, claim)
    response = token_client(editor).delete(
        API + f"attributions/{saleh.pk}/", HTTP_IF_MATCH=f'"{saleh.version}"'
    )
    assert response.status_code == 204
    saleh.refresh_from_db()
    assert saleh.review == "pending_deletion"
    assert public(client, claim) == before
    staff = token_client(reviewer).get(API + f"attributions/{saleh.pk}/").json()
    assert staff["review"] == "pending_deletion"

    services.approve_evidence(items=[saleh], by=reviewer)
    assert not Attribution.objects.filter(pk=saleh.pk).exists()
    after = public(client, claim)
    assert after["attributions"] == [] and after["status"][0] == "unsupported"


def test_a_rejection_changes_nothing_public_and_records_why(world, client, editor, reviewer):
    claim, saleh = world["claim"], world["saleh"]
    before = public(client, claim)
    api = token_client(editor)
    api.post(API + "attributions/", world["refutation"], format="json")
    api.delete(API + f"attributions/{saleh.pk}/", HTTP_IF_MATCH=f'"{saleh.version}"')
    new = Attribution.objects.get(quote__startswith="The Taliban")
    reviewing = token_client(reviewer)
    assert (
        reviewing.post(API + f"attributions/{new.pk}/reject/", {}, format="json").status_code == 400
    )
    response = reviewing.post(
        API + "attributions/reject-many/",
        {"ids": [new.pk, saleh.pk], "reason": "Not in the cited text"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert public(client, claim) == before
    assert not Attribution.objects.filter(pk=new.pk).exists()
    saleh.refresh_from_db()
    assert saleh.review == "approved"
    record = saleh.history.first()
    assert (record.history_user, record.history_change_reason) == (
        reviewer,
        "Rejected: Not in the cited text",
    )
    gone = Attribution.history.filter(id=new.pk).first()
    assert (
        gone.history_type == "-" and gone.history_change_reason == "Rejected: Not in the cited text"
    )


def test_reviewing_needs_the_permission_and_a_pending_change(world, client, editor, reviewer):
    saleh = world["saleh"]
    token_client(editor).post(API + "attributions/", world["refutation"], format="json")
    new = Attribution.objects.get(quote__startswith="The Taliban")
    assert token_client(editor).post(API + f"attributions/{new.pk}/approve/").status_code == 403
    assert client.post(API + f"attributions/{new.pk}/approve/").status_code in (401, 403)
    outsider = token_client(UserFactory())
    assert outsider.post(API + f"attributions/{new.pk}/approve/").status_code == 404
    assert outsider.post(API + f"attributions/{saleh.pk}/approve/").status_code == 403
    reviewing = token_client(reviewer)
    assert reviewing.post(API + f"attributions/{saleh.pk}/approve/").status_code == 409
    assert reviewing.post(API + "attributions/99999/approve/").status_code == 404
    assert reviewing.post(API + "attributions/x/approve/").status_code == 404
    assert (
        reviewing.post(API + "attributions/approve-many/", {"ids": []}, format="json").status_code
        == 400
    )
    assert new.review == "pending"


def test_a_reviewer_may_not_approve_their_own_change_unless_the_setting_allows(
    world, client, reviewer, settings
):
    api = token_client(reviewer)
    assert api.post(API + "attributions/", world["refutation"], format="json").status_code == 201
    new = Attribution.objects.get(quote__startswith="The Taliban")
    response = api.post(API + f"attributions/{new.pk}/approve/")
    assert response.status_code == 403
    assert "another reviewer" in response.json()["detail"]
    new.refresh_from_db()
    assert new.review == "pending"
    settings.REVIEW_ALLOW_SELF_APPROVAL = True
    assert api.post(API + f"attributions/{new.pk}/approve/").status_code == 200
    assert new.pk in public(client, world["claim"])["attributions"]


def test_figures_wait_for_review_on_the_api_event_page_and_comparison(
    world, client, editor, reviewer
):
    claim, saleh, event = world["claim"], world["saleh"], world["event"]
    doctor = AttributionFactory(
        claim=claim,
        document=world["document"],
        voice="unnamed",
        speaker_description="a doctor",
        quote="20 people were killed",
    )
    FigureFactory(attribution=doctor, event=event, qualifier="exact", value=20, text="20 people")
    before = public(client, claim)
    event_before = client.get(API + f"events/{event.pk}/figures/").json()
    response = token_client(editor).post(
        API + "figures/",
        {
            "attribution": saleh.pk,
            "measure": "killed",
            "qualifier": "at_least",
            "value": 46,
            "text": "46 dead or more",
        },
        format="json",
    )
    assert response.status_code == 201
    figure = Figure.objects.get(pk=response.json()["id"])
    assert figure.review == "pending"
    assert public(client, claim) == before
    assert client.get(API + f"events/{event.pk}/figures/").json() == event_before
    assert "46 dead or more" not in client.get(event.get_absolute_url()).content.decode()
    staff = token_client(reviewer).get(API + f"claims/{claim.pk}/").json()
    assert "the figures cannot all be right" in staff["status_preview"]["status_reason"]

    services.approve_evidence(items=[figure], by=reviewer)
    after = public(client, claim)
    assert figure.pk in after["figures"] and figure.pk in after["figures_listed"]
    assert "the figures cannot all be right" in after["status"][1]
    assert "46 dead or more" in client.get(event.get_absolute_url()).content.decode()


def test_the_admin_form_and_inline_propose_changes(world, client, reviewer):
    claim, saleh = world["claim"], world["saleh"]
    admin = staff_in("Editors")
    client.force_login(admin)
    before_status = (claim.status, claim.status_reason)
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    data = form_data(client.get(url))
    refutation = world["refutation"]
    data.update(
        {
            "attributions-0-stance": "questions",  # an edit of the live row, in the inline
            "attributions-1-document": refutation["document"],
            "attributions-1-speaker": refutation["speaker"],
            "attributions-1-voice": "paraphrased",
            "attributions-1-stance": "refutes",
            "attributions-1-stated_on": "2021-08-28",
            "attributions-1-quote": refutation["quote"],
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    saleh.refresh_from_db()
    assert saleh.stance == "supports"
    assert Attribution.objects.get(replaces=saleh).stance == "questions"
    new = Attribution.objects.get(quote__startswith="The Taliban", replaces__isnull=True)
    assert (new.review, new.proposed_by) == ("pending", admin)
    claim.refresh_from_db()
    assert (claim.status, claim.status_reason) == before_status
    client.logout()
    assert "The Taliban denied" not in client.get(claim.get_absolute_url()).content.decode()

    add = reverse("admin:claims_attribution_add")
    client.force_login(admin)
    data = form_data(client.get(add))
    data.update(
        claim=claim.pk,
        document=world["document"].pk,
        voice="unnamed",
        speaker_description="a doctor",
        stance="supports",
        quote="20 people were killed",
    )
    assert client.post(add, data).status_code == 302
    doctor = Attribution.objects.get(quote="20 people were killed")
    assert doctor.review == "pending"

    approve_all(claim, reviewer)
    client.logout()
    page = client.get(claim.get_absolute_url()).content.decode()
    assert "The Taliban denied" in page and "20 people were killed" in page


def test_a_suggestion_accept_and_an_import_are_pending(world, client, reviewer):
    claim = world["claim"]
    before = public(client, claim)
    document = import_document(
        b"The explosion killed at least 46 people, Bakhtar News Agency said.\n",
        name="bakhtar.txt",
        outlet="Wire B",
        published=datetime.date(2021, 8, 30),
    ).document
    candidate = next(c for c in suggestions_for(document) if c.measure == "killed")
    attribution = accept_suggestion(
        document=document, candidate=candidate, claim=claim, by=UserFactory()
    )
    assert attribution.review == "pending"
    assert attribution.figures.get().review == "pending"
    assert public(client, claim) == before
    services.approve_evidence(items=[attribution], by=reviewer)  # its new figure comes with it
    after = public(client, claim)
    assert attribution.pk in after["attributions"]
    assert attribution.figures.get().pk in after["figures"]


def test_restoring_a_version_of_a_published_claim_is_pending(world, client, editor, reviewer):
    claim, saleh = world["claim"], world["saleh"]
    moment = saleh.history.first().history_date
    services.delete_attribution(attribution=saleh)
    services.approve_evidence(items=[Attribution.objects.get(pk=saleh.pk)], by=reviewer)
    before = public(client, claim)
    assert before["attributions"] == []
    services.restore_claim(claim_id=claim.pk, by=reviewer, history_date=moment)
    restored = Attribution.objects.get(pk=saleh.pk)
    assert restored.review == "pending"
    # The claim's own fields are restored at once (its cited version moves); its evidence waits.
    now = public(client, claim)
    assert {k: v for k, v in now.items() if k != "page"} == {
        k: v for k, v in before.items() if k != "page"
    }
    assert "the group did it" not in now["page"]
    other_reviewer = grant(UserFactory(), "publish_claim")
    services.approve_evidence(items=[restored], by=other_reviewer)
    after = public(client, claim)
    assert after["attributions"] == [saleh.pk] and after["status"] == ("attributed", SUPPORTED)


def test_restoring_a_deleted_claim_brings_its_evidence_back_as_a_draft(world, reviewer):
    claim = world["claim"]
    record = claim.history.first()
    claim.delete()
    restored = services.restore_claim(
        claim_id=record.id,
        by=reviewer,
        history_id=Claim.history.filter(id=record.id).first().history_id,
    )
    assert restored.publication == "draft"
    assert restored.attributions.count() == 1


def test_writes_on_a_draft_apply_at_once_and_publishing_approves_them(world, editor, reviewer):
    draft = ClaimFactory(text="A draft claim", publication="draft")
    attribution = services.save_attribution(
        attribution=Attribution(
            claim=draft,
            document=world["document"],
            voice="quoted",
            speaker=world["saleh"].speaker,
            stance="supports",
            quote="the group did it",
        )
    )
    assert attribution.review == "approved" and attribution.reviewed_at is None
    draft.refresh_from_db()
    assert draft.status == "attributed"
    services.submit_for_review(claim=draft, by=editor)
    services.publish(claim=draft, by=reviewer)
    attribution.refresh_from_db()
    assert attribution.reviewed_by == reviewer and attribution.reviewed_at == draft.published_at


def test_publishing_again_applies_changes_left_pending(world, reviewer, client):
    claim, saleh = world["claim"], world["saleh"]
    services.delete_attribution(attribution=saleh)
    services.unpublish(claim=claim, by=reviewer, reason="Fix the sources")
    services.submit_for_review(claim=claim, by=reviewer)
    services.publish(claim=claim, by=reviewer)
    assert not Attribution.objects.filter(pk=saleh.pk).exists()
    assert public(client, claim)["attributions"] == []


def test_the_claim_page_shows_staff_the_preview_and_pending_marks(world, client, editor):
    token_client(editor).post(API + "attributions/", world["refutation"], format="json")
    claim = world["claim"]
    client.force_login(editor)
    page = client.get(claim.get_absolute_url()).content.decode()
    assert "Would become contested" in page and "Pending review (not public yet)" in page
    client.logout()
    page = client.get(claim.get_absolute_url()).content.decode()
    assert "Would become" not in page and "The Taliban denied" not in page


def test_search_and_filters_find_only_approved_evidence_for_the_public(world, client, editor):
    token_client(editor).post(API + "attributions/", world["refutation"], format="json")
    assert client.get(API + "claims/?q=denied").json()["results"] == []
    assert client.get(API + "claims/?stance=refutes").json()["results"] == []
    assert "The Taliban denied" not in client.get("/search/?q=denied").content.decode()
    staff = token_client(editor)
    assert [c["id"] for c in staff.get(API + "claims/?stance=refutes").json()["results"]] == [
        world["claim"].pk
    ]


def propose_three(world, editor) -> dict:
    """An edit, a new attribution and a deletion, proposed by the editor."""
    api = token_client(editor)
    saleh = world["saleh"]
    api.patch(
        API + f"attributions/{saleh.pk}/",
        {"stance": "questions"},
        format="json",
        HTTP_IF_MATCH=f'"{saleh.version}"',
    )
    api.post(API + "attributions/", world["refutation"], format="json")
    doctor = AttributionFactory(
        claim=world["claim"],
        document=world["document"],
        voice="unnamed",
        speaker_description="a doctor",
        quote="20 people were killed",
    )
    api.delete(API + f"attributions/{doctor.pk}/", HTTP_IF_MATCH=f'"{doctor.version}"')
    return {
        "edit": Attribution.objects.get(replaces=saleh),
        "new": Attribution.objects.get(quote__startswith="The Taliban"),
        "deletion": Attribution.objects.get(pk=doctor.pk),
    }


def test_the_review_queue_shows_each_change_as_a_diff(world, client, editor, reviewer):
    url = reverse("admin:claims_attribution_review")
    client.force_login(reviewer)
    assert "Nothing waits for review" in client.get(url).content.decode()
    proposed = propose_three(world, editor)
    page = client.get(url).content.decode()
    assert world["claim"].text in page
    assert f"Edit of attribution #{world['saleh'].pk}" in page
    assert "<del>supports</del>" in page and "<ins>questions</ins>" in page
    assert (
        "New attribution" in page and "<ins>The Taliban denied any role in the attack</ins>" in page
    )
    assert f"Deletion of attribution #{proposed['deletion'].pk}" in page
    assert "<del>20 people were killed</del>" in page
    assert "Would become" in page
    assert "proposed by ed" in page


def test_the_review_queue_costs_the_same_queries_for_more_changes(world, client, editor, reviewer):
    url = reverse("admin:claims_attribution_review")
    client.force_login(reviewer)
    token_client(editor).post(API + "attributions/", world["refutation"], format="json")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    one = queries()
    propose_three(world, editor)
    other = ClaimFactory(text="Another claim")
    AttributionFactory(
        claim=other, document=world["document"], quote="the group did it", review="pending"
    )
    # Session, user, permissions; the pending attributions and figures; their latest history
    # records; the previews' evidence (a handful, whatever the number of claims); the template.
    assert queries() == one
    assert one < 40


def test_the_review_queue_approves_and_rejects_in_bulk(world, client, editor, reviewer):
    url = reverse("admin:claims_attribution_review")
    proposed = propose_three(world, editor)
    client.force_login(editor)
    response = client.post(url, {"attribution": [proposed["new"].pk], "approve": "1"}, follow=True)
    assert "needs the permission" in response.content.decode()
    assert Attribution.objects.get(pk=proposed["new"].pk).review == "pending"
    client.force_login(reviewer)
    response = client.post(url, {"attribution": [proposed["new"].pk], "reject": "1"}, follow=True)
    assert "Say why the change is rejected" in response.content.decode()
    assert Attribution.objects.filter(pk=proposed["new"].pk).exists()
    response = client.post(
        url,
        {"attribution": [proposed["edit"].pk, proposed["deletion"].pk], "approve": "1"},
        follow=True,
    )
    assert "Approved 2 changes" in response.content.decode()
    response = client.post(
        url,
        {"attribution": [proposed["new"].pk], "reject": "1", "reason": "Misquoted"},
        follow=True,
    )
    assert "Rejected 1 change" in response.content.decode()
    assert not Attribution.objects.pending().exists()
    saleh = Attribution.objects.get(pk=world["saleh"].pk)
    assert saleh.stance == "questions"
    assert not Attribution.objects.filter(pk=proposed["deletion"].pk).exists()


def test_the_review_queue_is_for_staff_only(client):
    url = reverse("admin:claims_attribution_review")
    assert client.get(url).status_code == 302  # to the admin login
    client.force_login(UserFactory(is_staff=True))
    assert client.get(url).status_code == 403


def test_the_admin_changelist_action_approves_pending_rows_and_edits(
    world, client, editor, reviewer
):
    proposed = propose_three(world, editor)
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:claims_attribution_changelist"),
        {"action": "approve_selected", "_selected_action": [world["saleh"].pk, proposed["new"].pk]},
    )
    assert response.status_code == 302
    assert Attribution.objects.get(pk=world["saleh"].pk).stance == "questions"
    assert Attribution.objects.get(pk=proposed["new"].pk).review == "approved"
    assert Attribution.objects.get(pk=proposed["deletion"].pk).review == "pending_deletion"
    page = client.get(reverse("admin:claims_claim_change", args=[world["claim"].pk])).content
    assert b"Once pending evidence is approved" in page
