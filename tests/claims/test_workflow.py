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
    services.return_to_draft(claim=claim, by=reviewer, reason="Needs a second source")
    claim.refresh_from_db()
    assert (claim.publication, claim.review_note) == (DRAFT, "Needs a second source")
    services.submit_for_review(claim=claim, by=editor)
    services.publish(claim=claim, by=reviewer)
    claim.refresh_from_db()
    assert (claim.publication, claim.review_note) == (PUBLISHED, "")
    assert claim.published_by == reviewer
    assert claim.published_at is not None
    services.unpublish(claim=claim, by=reviewer, reason="The toll was updated")
    claim.refresh_from_db()
    assert (claim.publication, claim.published_by, claim.published_at, claim.review_note) == (
        DRAFT,
        None,
        None,
        "The toll was updated",
    )
    history = list(
        claim.history.order_by("-history_date", "-history_id").values_list(
            "history_change_reason", "history_user__username", "publication"
        )
    )
    assert history[:5] == [
        ("Unpublished: The toll was updated", reviewer.username, DRAFT),
        ("Published", reviewer.username, PUBLISHED),
        ("Submitted for review", editor.username, IN_REVIEW),
        ("Returned to draft: Needs a second source", reviewer.username, DRAFT),
        ("Submitted for review", editor.username, IN_REVIEW),
    ]


# (transition, publication from which it is refused, message)
WRONG_STATE = [
    ("submit", PUBLISHED, "Only a draft can be submitted for review"),
    ("publish", DRAFT, "Only a claim in review can be published"),
    ("return_to_draft", PUBLISHED, "Only a claim in review can be returned to draft"),
    ("unpublish", IN_REVIEW, "Only a published claim can be unpublished"),
]


@pytest.mark.parametrize(("name", "before", "message"), WRONG_STATE)
def test_a_transition_from_the_wrong_state_is_refused(reviewer, name, before, message):
    claim = ClaimFactory(publication=before, text="The toll")
    version = claim.version
    kwargs = {"reason": "why"} if services.TRANSITIONS[name].needs_reason else {}
    with pytest.raises(ValidationError, match=message):
        services.apply_transition(name, claim=claim, by=reviewer, **kwargs)
    claim.refresh_from_db()
    assert (claim.publication, claim.version) == (before, version)


def test_each_state_offers_the_transitions_the_role_may_apply(editor, reviewer):
    def offered(publication, user):
        claim = ClaimFactory.build(publication=publication)
        return [t.name for t in services.allowed_transitions(claim, user)]

    assert offered(DRAFT, editor) == offered(DRAFT, reviewer) == ["submit"]
    assert offered(IN_REVIEW, editor) == []
    assert offered(IN_REVIEW, reviewer) == ["publish", "return_to_draft"]
    assert offered(PUBLISHED, editor) == []
    assert offered(PUBLISHED, reviewer) == ["unpublish"]


def test_only_reviewers_may_change_the_verdict_and_its_note(editor, reviewer):
    assert services.reserved_claim_fields(editor) == ("verdict", "verdict_note")
    assert services.reserved_claim_fields(reviewer) == ()


@pytest.mark.parametrize(
    "transition",
    [services.publish, services.return_to_draft, services.unpublish],
    ids=["publish", "return", "unpublish"],
)
def test_editor_cannot_publish_return_to_draft_or_unpublish(editor, transition):
    before = PUBLISHED if transition is services.unpublish else IN_REVIEW
    claim = ClaimFactory(publication=before)
    kwargs = {} if transition is services.publish else {"reason": "no"}
    with pytest.raises(PermissionDenied, match=r"claims\.publish_claim"):
        transition(claim=claim, by=editor, **kwargs)
    claim.refresh_from_db()
    assert claim.publication == before


def test_only_a_claim_in_review_can_be_published(reviewer):
    claim = ClaimFactory(publication=DRAFT)
    with pytest.raises(ValidationError, match="Only a claim in review"):
        services.publish(claim=claim, by=reviewer)


def test_only_a_draft_can_be_submitted(editor):
    claim = ClaimFactory(publication=PUBLISHED)
    with pytest.raises(ValidationError, match="Only a draft"):
        services.submit_for_review(claim=claim, by=editor)


@pytest.mark.parametrize(
    ("transition", "before"),
    [(services.return_to_draft, IN_REVIEW), (services.unpublish, PUBLISHED)],
    ids=["return", "unpublish"],
)
def test_returning_to_draft_and_unpublishing_need_a_reason(reviewer, transition, before):
    claim = ClaimFactory(publication=before)
    with pytest.raises(ValidationError, match="Say why"):
        transition(claim=claim, by=reviewer, reason="  ")
    claim.refresh_from_db()
    assert claim.publication == before


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
    ("editor", "return_to_draft_action", IN_REVIEW, IN_REVIEW),
    ("reviewer", "submit_for_review_action", DRAFT, IN_REVIEW),
    ("reviewer", "publish_action", IN_REVIEW, PUBLISHED),
    ("editor", "unpublish_action", PUBLISHED, PUBLISHED),
    ("reviewer", "submit_for_review_action", PUBLISHED, PUBLISHED),
    ("reviewer", "publish_action", DRAFT, DRAFT),
    ("reviewer", "return_to_draft_action", PUBLISHED, PUBLISHED),
    ("reviewer", "return_to_draft_action", IN_REVIEW, DRAFT),
    ("reviewer", "unpublish_action", PUBLISHED, DRAFT),
    ("reviewer", "unpublish_action", IN_REVIEW, IN_REVIEW),
    ("viewer", "submit_for_review_action", DRAFT, DRAFT),
    ("viewer", "publish_action", IN_REVIEW, IN_REVIEW),
    ("viewer", "unpublish_action", PUBLISHED, PUBLISHED),
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
                "unpublish_action",
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


@pytest.mark.parametrize(
    ("action", "before"),
    [("return_to_draft_action", IN_REVIEW), ("unpublish_action", PUBLISHED)],
)
def test_bulk_return_and_unpublish_ask_for_a_reason_first(client, reviewer, action, before):
    client.force_login(reviewer)
    claim = ClaimFactory(publication=before)
    response = _action(client, action, claim)
    assert response.status_code == 200
    assert b'name="reason"' in response.content
    assert f'name="action" value="{action}"'.encode() in response.content
    claim.refresh_from_db()
    assert claim.publication == before
    _action(client, action, claim, apply="1", reason="Wrong event")
    claim.refresh_from_db()
    assert (claim.publication, claim.review_note) == (DRAFT, "Wrong event")
    record = claim.history.order_by("-history_date", "-history_id").first()
    assert record.history_user == reviewer
    assert record.history_change_reason.endswith(": Wrong event")


def test_bulk_publish_moves_each_claim_and_reports_each_refusal(client, reviewer):
    client.force_login(reviewer)
    ready = ClaimFactory(publication=IN_REVIEW, text="Ready")
    draft = ClaimFactory(publication=DRAFT, text="Still a draft")
    live = ClaimFactory(publication=PUBLISHED, text="Already live")
    response = client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "publish_action", ACTION_CHECKBOX_NAME: [ready.pk, draft.pk, live.pk]},
        follow=True,
    )
    shown = sorted(str(m) for m in response.context["messages"])
    assert shown == [
        "1 claim(s) published.",
        "Only a claim in review can be published; “Already live” is published.",
        "Only a claim in review can be published; “Still a draft” is draft.",
    ]
    for claim, publication in [(ready, PUBLISHED), (draft, DRAFT), (live, PUBLISHED)]:
        claim.refresh_from_db()
        assert claim.publication == publication
    assert ready.published_by == reviewer


# --- the change page: no publication field, one button per allowed transition ----------------


def test_publication_is_not_a_field_of_the_change_form(client, reviewer):
    client.force_login(reviewer)
    claim = ClaimFactory(publication=IN_REVIEW)
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    response = client.get(url)
    form = response.context["adminform"].form
    assert "publication" not in form.fields and "review_note" not in form.fields
    assert {"verdict", "verdict_note"} <= set(form.fields)
    data = form_data(response)
    data.update(publication=PUBLISHED, text="Edited by a reviewer")
    assert client.post(url, data).status_code == 302
    claim.refresh_from_db()
    assert (claim.text, claim.publication) == ("Edited by a reviewer", IN_REVIEW)


def _buttons(response) -> list[str]:
    import re

    return re.findall(r"/transition/(\w+)/", response.content.decode())


@pytest.mark.parametrize(
    ("role", "publication", "buttons"),
    [
        ("editor", DRAFT, ["submit"]),
        ("editor", IN_REVIEW, []),
        ("editor", PUBLISHED, []),
        ("reviewer", DRAFT, ["submit"]),
        ("reviewer", IN_REVIEW, ["publish", "return_to_draft"]),
        ("reviewer", PUBLISHED, ["unpublish"]),
        ("viewer", DRAFT, []),
    ],
)
def test_change_page_offers_the_allowed_transitions(client, role, publication, buttons):
    client.force_login(staff_in(ROLES[role]))
    claim = ClaimFactory(publication=publication)
    response = client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert response.status_code == 200
    assert _buttons(response) == buttons


def _transition_url(claim, name):
    return reverse("admin:claims_claim_transition", args=[claim.pk, name])


def test_change_page_buttons_move_the_claim_and_record_who(client, editor, reviewer):
    claim = ClaimFactory(publication=DRAFT, text="The toll")
    change_url = reverse("admin:claims_claim_change", args=[claim.pk])
    client.force_login(editor)
    response = client.post(_transition_url(claim, "submit"), follow=True)
    assert response.redirect_chain == [(change_url, 302)]
    assert [str(m) for m in response.context["messages"]] == ["“The toll” submitted for review."]
    client.force_login(reviewer)
    client.post(_transition_url(claim, "publish"))
    claim.refresh_from_db()
    assert (claim.publication, claim.published_by) == (PUBLISHED, reviewer)
    records = claim.history.order_by("-history_date", "-history_id")[:2]
    assert [(r.history_change_reason, r.history_user) for r in records] == [
        ("Published", reviewer),
        ("Submitted for review", editor),
    ]


@pytest.mark.parametrize(
    ("name", "before"), [("return_to_draft", IN_REVIEW), ("unpublish", PUBLISHED)]
)
def test_change_page_reason_form_then_post(client, reviewer, name, before):
    client.force_login(reviewer)
    claim = ClaimFactory(publication=before)
    url = _transition_url(claim, name)
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="reason"' in page.content and b"csrfmiddlewaretoken" in page.content
    empty = client.post(url, {"reason": ""})
    assert empty.status_code == 200 and empty.context["form"].errors
    claim.refresh_from_db()
    assert claim.publication == before
    assert client.post(url, {"reason": "Wrong event"}).status_code == 302
    claim.refresh_from_db()
    assert (claim.publication, claim.review_note) == (DRAFT, "Wrong event")
    record = claim.history.order_by("-history_date", "-history_id").first()
    assert record.history_user == reviewer
    assert record.history_change_reason.endswith(": Wrong event")


# (role, transition, publication before, status code, publication after)
BUTTON_TABLE = [
    ("editor", "submit", DRAFT, 302, IN_REVIEW),
    ("editor", "publish", IN_REVIEW, 403, IN_REVIEW),
    ("editor", "return_to_draft", IN_REVIEW, 403, IN_REVIEW),
    ("editor", "unpublish", PUBLISHED, 403, PUBLISHED),
    ("viewer", "submit", DRAFT, 403, DRAFT),
    ("reviewer", "publish", DRAFT, 302, DRAFT),  # refused with a message: not in review
    ("reviewer", "nonsense", DRAFT, 404, DRAFT),
]


@pytest.mark.parametrize(("role", "name", "before", "status", "after"), BUTTON_TABLE)
def test_change_page_buttons_by_role(client, role, name, before, status, after):
    client.force_login(staff_in(ROLES[role]))
    claim = ClaimFactory(publication=before)
    response = client.post(_transition_url(claim, name), {"reason": "Because"})
    assert response.status_code == status
    claim.refresh_from_db()
    assert claim.publication == after


def test_change_page_buttons_need_post_and_csrf(reviewer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    claim = ClaimFactory(publication=IN_REVIEW)
    assert client.get(_transition_url(claim, "publish")).status_code == 405
    assert client.post(_transition_url(claim, "publish")).status_code == 403
    claim.refresh_from_db()
    assert claim.publication == IN_REVIEW


def test_anonymous_visitors_cannot_reach_the_buttons(client):
    claim = ClaimFactory(publication=IN_REVIEW)
    response = client.post(_transition_url(claim, "publish"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    claim.refresh_from_db()
    assert claim.publication == IN_REVIEW


def test_editor_cannot_publish_or_rate_through_the_change_form(client, editor):
    client.force_login(editor)
    claim = ClaimFactory(publication=IN_REVIEW)
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    data = form_data(client.get(url))
    assert "publication" not in data and "verdict" not in data and "verdict_note" not in data
    data.update(
        publication=PUBLISHED, verdict="false", verdict_note="forged", text="Edited by an editor"
    )
    assert client.post(url, data).status_code == 302
    claim.refresh_from_db()
    assert claim.text == "Edited by an editor"
    assert (claim.publication, claim.verdict, claim.verdict_note) == (IN_REVIEW, "", "")


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
