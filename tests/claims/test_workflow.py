import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from claims import services
from claims.models import Claim
from tests.admin_forms import form_data, staff_in
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db

DRAFT, IN_REVIEW, PUBLISHED = "draft", "in_review", "published"


@pytest.fixture
def editor():
    return staff_in("Editors")


@pytest.fixture
def reviewer():
    return staff_in("Reviewers")


def test_groups_hold_exactly_the_editorial_permissions():
    def perms(name):
        return {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name=name).permissions.select_related("content_type")
        }

    editors, reviewers, viewers = perms("Editors"), perms("Reviewers"), perms("Staff viewers")
    assert "claims.publish_claim" not in editors
    assert reviewers == editors | {"claims.publish_claim"}
    for model in ["sources.outlet", "sources.document", "sources.actor", "claims.claim"]:
        app, name = model.split(".")
        assert {f"{app}.{a}_{name}" for a in ["add", "change", "delete", "view"]} <= editors
        assert f"{app}.view_{name}" in viewers
    assert all(p.split(".")[1].startswith("view_") for p in viewers)


# --- services -------------------------------------------------------------------------------


def test_claim_moves_draft_to_review_to_published_and_back(editor, reviewer):
    claim = ClaimFactory(publication=DRAFT)
    services.submit_for_review(claim=claim, by=editor)
    assert claim.publication == IN_REVIEW
    services.publish(claim=claim, by=reviewer)
    claim.refresh_from_db()
    assert claim.publication == PUBLISHED
    assert claim.published_by == reviewer
    assert claim.published_at is not None
    services.return_to_draft(claim=claim, by=reviewer, reason="The toll was updated")
    claim.refresh_from_db()
    assert (claim.publication, claim.published_by, claim.review_note) == (
        DRAFT,
        None,
        "The toll was updated",
    )
    reasons = list(claim.history.values_list("history_change_reason", flat=True))
    assert reasons[:3] == [
        "Returned to draft: The toll was updated",
        "Published",
        "Submitted for review",
    ]
    assert claim.history.first().history_user == reviewer


@pytest.mark.parametrize(
    "transition", [services.publish, services.return_to_draft], ids=["publish", "return"]
)
def test_editor_cannot_publish_or_return_to_draft(editor, transition):
    claim = ClaimFactory(publication=IN_REVIEW)
    kwargs = {"reason": "no"} if transition is services.return_to_draft else {}
    with pytest.raises(PermissionDenied):
        transition(claim=claim, by=editor, **kwargs)
    claim.refresh_from_db()
    assert claim.publication == IN_REVIEW


def test_only_a_claim_in_review_can_be_published(reviewer):
    claim = ClaimFactory(publication=DRAFT)
    with pytest.raises(ValidationError, match="Only a claim in review"):
        services.publish(claim=claim, by=reviewer)


def test_only_a_draft_can_be_submitted(editor):
    claim = ClaimFactory(publication=PUBLISHED)
    with pytest.raises(ValidationError, match="Only a draft"):
        services.submit_for_review(claim=claim, by=editor)


def test_returning_to_draft_needs_a_reason(reviewer):
    claim = ClaimFactory(publication=IN_REVIEW)
    with pytest.raises(ValidationError):
        services.return_to_draft(claim=claim, by=reviewer, reason="  ")


# --- the admin: role x action x result ---------------------------------------------------------


def _action(client, action, claim, **extra):
    return client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [claim.pk], **extra},
    )


ROLES = {"editor": "Editors", "reviewer": "Reviewers", "viewer": "Staff viewers"}

# (role, action, publication before, publication after)
ACTION_TABLE = [
    ("editor", "submit_for_review_action", DRAFT, IN_REVIEW),
    ("editor", "publish_action", IN_REVIEW, IN_REVIEW),
    ("editor", "return_to_draft_action", PUBLISHED, PUBLISHED),
    ("reviewer", "submit_for_review_action", DRAFT, IN_REVIEW),
    ("reviewer", "publish_action", IN_REVIEW, PUBLISHED),
    ("reviewer", "return_to_draft_action", PUBLISHED, DRAFT),
    ("reviewer", "return_to_draft_action", IN_REVIEW, DRAFT),
    ("viewer", "submit_for_review_action", DRAFT, DRAFT),
    ("viewer", "publish_action", IN_REVIEW, IN_REVIEW),
]


@pytest.mark.parametrize(("role", "action", "before", "after"), ACTION_TABLE)
def test_admin_actions_by_role(client, role, action, before, after):
    client.force_login(staff_in(ROLES[role]))
    claim = ClaimFactory(publication=before)
    extra = {"apply": "1", "reason": "Needs a second source"}
    response = _action(client, action, claim, **extra)
    assert response.status_code in (200, 302, 403)
    claim.refresh_from_db()
    assert claim.publication == after


@pytest.mark.parametrize(
    ("role", "offered"),
    [
        ("editor", {"submit_for_review_action", "delete_selected"}),
        (
            "reviewer",
            {
                "submit_for_review_action",
                "publish_action",
                "return_to_draft_action",
                "delete_selected",
            },
        ),
        ("viewer", set()),
    ],
)
def test_actions_offered_by_role(client, role, offered):
    client.force_login(staff_in(ROLES[role]))
    ClaimFactory()
    response = client.get(reverse("admin:claims_claim_changelist"))
    assert response.status_code == 200
    form = response.context.get("action_form")
    choices = {value for value, _ in form.fields["action"].choices if value} if form else set()
    assert choices == offered


# (role, what, expected status code)
PAGE_TABLE = [
    ("editor", "add", 200),
    ("editor", "delete", 200),
    ("reviewer", "add", 200),
    ("viewer", "add", 403),
    ("viewer", "delete", 403),
    ("viewer", "change", 200),  # read-only view
    ("editor", "restore_deleted", 403),
    ("viewer", "restore_deleted", 403),
]


@pytest.mark.parametrize(("role", "what", "status"), PAGE_TABLE)
def test_admin_pages_by_role(client, role, what, status):
    client.force_login(staff_in(ROLES[role]))
    claim = ClaimFactory()
    if what == "restore_deleted":
        pk = claim.pk
        claim.delete()
        record = Claim.history.filter(id=pk, history_type="-").get()
        response = client.post(
            reverse("admin:claims_claim_restore_deleted", args=[record.history_id])
        )
    else:
        args = [] if what == "add" else [claim.pk]
        response = client.get(reverse(f"admin:claims_claim_{what}", args=args))
    assert response.status_code == status


def test_return_to_draft_asks_for_a_reason_first(client, reviewer):
    client.force_login(reviewer)
    claim = ClaimFactory(publication=PUBLISHED)
    response = _action(client, "return_to_draft_action", claim)
    assert response.status_code == 200
    assert b'name="reason"' in response.content
    claim.refresh_from_db()
    assert claim.publication == PUBLISHED
    _action(client, "return_to_draft_action", claim, apply="1", reason="Wrong event")
    claim.refresh_from_db()
    assert (claim.publication, claim.review_note) == (DRAFT, "Wrong event")


def test_editor_cannot_publish_or_rate_through_the_change_form(client, editor):
    client.force_login(editor)
    claim = ClaimFactory(publication=IN_REVIEW)
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    data = form_data(client.get(url))
    assert "publication" not in data and "verdict" not in data
    data.update(
        publication=PUBLISHED, verdict="false", verdict_note="forged", text="Edited by an editor"
    )
    assert client.post(url, data).status_code == 302
    claim.refresh_from_db()
    assert claim.text == "Edited by an editor"
    assert (claim.publication, claim.verdict, claim.verdict_note) == (IN_REVIEW, "", "")


def test_reviewer_publishing_through_the_change_form_records_who(client, reviewer):
    client.force_login(reviewer)
    claim = ClaimFactory(publication=IN_REVIEW)
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    data = form_data(client.get(url))
    data.update(publication=PUBLISHED, verdict="mixed")
    assert client.post(url, data).status_code == 302
    claim.refresh_from_db()
    assert (claim.publication, claim.verdict, claim.published_by) == (PUBLISHED, "mixed", reviewer)


def test_review_queue_lists_claims_in_review_oldest_first(client, editor, time_machine):
    client.force_login(editor)
    time_machine.move_to(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    older = ClaimFactory(publication=IN_REVIEW, text="Older")
    time_machine.move_to(dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    newer = ClaimFactory(publication=IN_REVIEW, text="Newer")
    ClaimFactory(publication=DRAFT)
    ClaimFactory(publication=PUBLISHED)
    response = client.get(reverse("admin:claims_claim_review_queue"), follow=True)
    assert list(response.context["cl"].result_list) == [older, newer]


def test_demo_accounts_are_created_once_and_can_log_in(settings, capsys, monkeypatch):
    settings.DEBUG = True
    monkeypatch.delenv("DEMO_EDITOR_PASSWORD", raising=False)
    monkeypatch.setenv("DEMO_REVIEWER_PASSWORD", "a-reviewer-password-2026")
    call_command("create_demo_accounts")
    call_command("create_demo_accounts")
    output = capsys.readouterr().out
    assert "editor-demo-2026" in output and "a-reviewer-password-2026" in output
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(username__in=["editor", "reviewer"])
    assert users.count() == 2
    editor = users.get(username="editor")
    assert editor.is_staff and editor.check_password("editor-demo-2026")
    assert list(editor.groups.values_list("name", flat=True)) == ["Editors"]
    assert users.get(username="reviewer").has_perm("claims.publish_claim")
    assert not editor.has_perm("claims.publish_claim")


def test_demo_accounts_refused_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("create_demo_accounts")
    call_command("create_demo_accounts", "--force")
