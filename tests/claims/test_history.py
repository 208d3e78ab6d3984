import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from claims import services
from claims.models import Attribution, Claim, Figure
from tests.admin_forms import form_data, staff_in
from tests.factories import AttributionFactory, ClaimFactory, FigureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer():
    return staff_in("Reviewers")


@pytest.fixture
def editor():
    return staff_in("Editors")


def _claim_with_evidence():
    """A draft claim whose latest version was saved after its attribution and figure were added.

    A draft, so that edits and restores apply in place: these tests are about what a restore
    brings back; on a published claim it waits for review (tests/claims/test_review.py)."""
    claim = ClaimFactory(text="Original wording", publication=Claim.Publication.DRAFT)
    figure = FigureFactory(attribution__claim=claim, value=46)
    claim.save()
    return claim, figure.attribution, figure


def test_admin_create_change_and_delete_are_recorded_with_user_and_reason(client, editor):
    client.force_login(editor)
    claim = ClaimFactory()
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    data = form_data(client.get(url))
    data.update(text="Reworded", change_reason="Neutral wording")
    assert client.post(url, data).status_code == 302
    record = claim.history.first()
    assert (
        record.history_type,
        record.text,
        record.history_user,
        record.history_change_reason,
    ) == (
        "~",
        "Reworded",
        editor,
        "Neutral wording",
    )
    pk = claim.pk
    client.post(reverse("admin:claims_claim_delete", args=[pk]), {"post": "yes"})
    assert not Claim.objects.filter(pk=pk).exists()
    deleted = Claim.history.filter(id=pk).first()
    assert (deleted.history_type, deleted.history_user) == ("-", editor)


def test_bulk_delete_action_records_every_deletion(client, editor):
    client.force_login(editor)
    attributions = [
        AttributionFactory(claim__publication=Claim.Publication.DRAFT) for _ in range(3)
    ]
    client.post(
        reverse("admin:claims_attribution_changelist"),
        {
            "action": "delete_selected",
            ACTION_CHECKBOX_NAME: [a.pk for a in attributions],
            "post": "yes",
        },
    )
    assert not Attribution.objects.exists()
    assert Attribution.history.filter(history_type="-").count() == 3


def test_diff_between_two_versions_lists_each_changed_field(client, editor):
    client.force_login(editor)
    claim = ClaimFactory(text="First wording")
    first = claim.history.get()
    claim.text, claim.verdict_note = "Second wording", "Sources checked"
    claim.save()
    claim.text = "Third wording"
    claim.save()
    last = claim.history.first()
    response = client.get(
        reverse("admin:claims_claim_history_diff", args=[claim.pk]),
        {"older": first.history_id, "newer": last.history_id},
    )
    assert response.status_code == 200
    changes = {label: (old, new) for label, old, new in response.context["changes"]}
    assert changes["text"] == ("First wording", "Third wording")
    assert changes["verdict note"] == ("(empty)", "Sources checked")
    assert "version" not in changes
    history = client.get(reverse("admin:claims_claim_history", args=[claim.pk]))
    assert history.status_code == 200
    assert b'name="older"' in history.content


def test_restore_brings_back_the_claim_its_attributions_and_figures(reviewer):
    claim, attribution, figure = _claim_with_evidence()
    version = claim.history.first()
    claim.text = "Later wording"
    claim.save()
    attribution.stance = "refutes"
    services.save_attribution(attribution=attribution)
    figure_pk = figure.pk
    services.delete_figure(figure=figure)
    added = AttributionFactory(claim=claim, quote="The group denied any link")

    restored = services.restore_claim(claim_id=claim.pk, history_id=version.history_id, by=reviewer)

    assert restored.text == "Original wording"
    assert list(restored.attributions.values_list("pk", "stance")) == [(attribution.pk, "supports")]
    assert not Attribution.objects.filter(pk=added.pk).exists()
    figure = Figure.objects.get(pk=figure_pk)
    assert (figure.value, figure.attribution_id) == (46, attribution.pk)
    assert restored.status == "reported"
    assert restored.version > 2
    assert restored.history.first().history_user == reviewer
    assert restored.history.first().history_change_reason.startswith("Restored to the version")


def test_editor_cannot_restore(editor):
    claim, *_ = _claim_with_evidence()
    with pytest.raises(PermissionDenied):
        services.restore_claim(
            claim_id=claim.pk, history_id=claim.history.first().history_id, by=editor
        )


def test_deleted_claim_is_listed_and_restored_by_a_reviewer(client, reviewer):
    claim, attribution, figure = _claim_with_evidence()
    pk = claim.pk
    client.force_login(reviewer)
    client.post(reverse("admin:claims_claim_delete", args=[pk]), {"post": "yes"})
    assert not Claim.objects.filter(pk=pk).exists()
    assert not Figure.objects.exists()

    listing = client.get(reverse("admin:claims_claim_deleted"))
    assert b"Original wording" in listing.content
    record = listing.context["records"][0]
    response = client.post(reverse("admin:claims_claim_restore_deleted", args=[record.history_id]))
    assert response.status_code == 302
    claim = Claim.objects.get(pk=pk)
    assert claim.text == "Original wording"
    assert list(claim.attributions.values_list("pk", flat=True)) == [attribution.pk]
    assert Figure.objects.filter(pk=figure.pk, attribution=attribution).exists()
    assert claim.status == "reported"
    assert not client.get(reverse("admin:claims_claim_deleted")).context["records"]


def test_restore_button_on_the_diff_page_restores_with_evidence(client, reviewer, editor):
    claim, attribution, _ = _claim_with_evidence()
    first = claim.history.first()
    attribution_pk = attribution.pk
    services.delete_attribution(attribution=attribution)
    claim.text = "Changed"
    claim.save()
    url = reverse("admin:claims_claim_history_restore", args=[claim.pk, first.history_id])
    client.force_login(editor)
    assert client.post(url).status_code == 403
    client.force_login(reviewer)
    assert client.post(url).status_code == 302
    claim.refresh_from_db()
    assert claim.text == "Original wording"
    assert claim.attributions.get().pk == attribution_pk


def test_simple_history_revert_form_cannot_write(client, reviewer):
    client.force_login(reviewer)
    claim = ClaimFactory()
    record = claim.history.get()
    url = reverse("admin:claims_claim_simple_history", args=[claim.pk, record.history_id])
    assert client.get(url).status_code == 200
    assert client.post(url, {"text": "x"}).status_code == 405


def test_restoring_a_version_saved_in_the_admin_includes_its_inline_rows(client, reviewer):
    client.force_login(reviewer)
    claim = ClaimFactory(text="Before", publication=Claim.Publication.DRAFT)  # edits in place
    attribution = AttributionFactory(claim=claim)
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    data = form_data(client.get(url))
    data.update({"text": "Edited with its evidence", "attributions-0-stance": "questions"})
    assert client.post(url, data).status_code == 302
    version = claim.history.first()
    assert version.history_date == attribution.history.first().history_date

    attribution.refresh_from_db()
    attribution.stance = "refutes"
    services.save_attribution(attribution=attribution)
    restored = services.restore_claim(claim_id=claim.pk, history_id=version.history_id, by=reviewer)
    assert restored.text == "Edited with its evidence"
    assert restored.attributions.get().stance == "questions"


@pytest.mark.parametrize(("then", "now"), [("published", "draft"), ("draft", "published")])
def test_restoring_a_version_keeps_the_current_publication(reviewer, then, now):
    claim, *_ = _claim_with_evidence()
    claim.publication = then
    claim.save()
    version = claim.history.first()
    claim.publication, claim.text = now, "Changed since"
    claim.save()
    restored = services.restore_claim(claim_id=claim.pk, history_id=version.history_id, by=reviewer)
    restored.refresh_from_db()
    assert (restored.text, restored.publication) == ("Original wording", now)


def test_a_restored_deleted_claim_comes_back_as_a_draft(reviewer):
    claim, *_ = _claim_with_evidence()
    claim.publication = "published"
    claim.save()
    pk = claim.pk
    claim.delete()
    record = Claim.history.filter(id=pk, history_type="-").get()
    restored = services.restore_claim(claim_id=pk, history_id=record.history_id, by=reviewer)
    restored.refresh_from_db()
    assert (restored.publication, restored.published_at, restored.published_by) == (
        "draft",
        None,
        None,
    )
