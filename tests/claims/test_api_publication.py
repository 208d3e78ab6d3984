"""The claim's publication through the API: the four transition actions, read-only publication,
the reviewers' fields, and figures that may not point readers at a draft."""

# ruff: noqa: F811  (pytest fixtures imported from tests.api_helpers)

import pytest

from claims import services
from claims.models import Claim, Figure
from tests import factories
from tests.api_helpers import (  # noqa: F401  (fixtures)
    _generous_throttles,
    anon,
    editor,
    grant,
    reviewer,
    token_client,
    world,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/"
DRAFT, IN_REVIEW, PUBLISHED = "draft", "in_review", "published"


@pytest.fixture
def reader():
    """Signed in, not staff, no permission: reads what anonymous readers read."""
    return factories.UserFactory(username="reader")


def _client(who, users):
    return token_client(users[who]) if who != "anonymous" else users["anonymous"]


def _post(client, claim, action, body=None, **headers):
    return client.post(URL + f"claims/{claim.pk}/{action}/", body, format="json", **headers)


# (role, action, publication before, status, publication after)
ROLE_TABLE = [
    ("anonymous", "submit", DRAFT, 401, DRAFT),
    ("anonymous", "publish", IN_REVIEW, 401, IN_REVIEW),
    ("anonymous", "unpublish", PUBLISHED, 401, PUBLISHED),
    ("reader", "submit", DRAFT, 404, DRAFT),  # a draft is not visible to them
    ("reader", "unpublish", PUBLISHED, 403, PUBLISHED),
    ("editor", "submit", DRAFT, 200, IN_REVIEW),
    ("editor", "publish", IN_REVIEW, 403, IN_REVIEW),
    ("editor", "return-to-draft", IN_REVIEW, 403, IN_REVIEW),
    ("editor", "unpublish", PUBLISHED, 403, PUBLISHED),
    ("reviewer", "submit", DRAFT, 200, IN_REVIEW),
    ("reviewer", "publish", IN_REVIEW, 200, PUBLISHED),
    ("reviewer", "return-to-draft", IN_REVIEW, 200, DRAFT),
    ("reviewer", "unpublish", PUBLISHED, 200, DRAFT),
    ("reviewer", "submit", PUBLISHED, 400, PUBLISHED),
    ("reviewer", "publish", DRAFT, 400, DRAFT),
    ("reviewer", "return-to-draft", PUBLISHED, 400, PUBLISHED),
    ("reviewer", "unpublish", IN_REVIEW, 400, IN_REVIEW),
]


@pytest.mark.parametrize(("who", "action", "before", "status", "after"), ROLE_TABLE)
def test_transitions_by_role(anon, editor, reviewer, reader, who, action, before, status, after):
    users = {"anonymous": anon, "reader": reader, "editor": editor, "reviewer": reviewer}
    claim = factories.ClaimFactory(publication=before)
    version = claim.version
    response = _post(_client(who, users), claim, action, {"reason": "Needs a second source"})
    assert response.status_code == status, response.json()
    claim.refresh_from_db()
    assert claim.publication == after
    assert claim.version == (version + 1 if status == 200 else version)


def test_publish_answers_with_the_claim_detail_and_its_etag(reviewer, world):
    claim = world["draft"]
    claim.publication = IN_REVIEW
    claim.save()
    client = token_client(reviewer)
    response = _post(client, claim, "publish")
    assert response.status_code == 200
    claim.refresh_from_db()
    detail = client.get(URL + f"claims/{claim.pk}/")
    assert response.json() == detail.json()
    assert response["ETag"] == f'"{claim.version}"'
    assert detail["ETag"].startswith(f'"{claim.version}-')
    body = response.json()
    assert (body["publication"], body["published_at"], body["review_note"]) == (
        PUBLISHED,
        claim.published_at.isoformat().replace("+00:00", "Z"),
        "",
    )
    assert claim.published_by == reviewer


def test_a_transition_from_the_wrong_state_says_why(reviewer, world):
    toll = world["toll"]
    response = _post(token_client(reviewer), toll, "publish")
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [
            "Only a claim in review can be published; “The airport bombing killed N people” "
            "is published."
        ]
    }


def test_editor_is_told_which_permission_publishing_needs(editor, world):
    claim = factories.ClaimFactory(publication=IN_REVIEW)
    response = _post(token_client(editor), claim, "publish")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Publish needs the permission claims.publish_claim, which you do not have."
    }


@pytest.mark.parametrize(
    ("action", "before"), [("return-to-draft", IN_REVIEW), ("unpublish", PUBLISHED)]
)
def test_going_back_to_draft_needs_a_reason(reviewer, action, before):
    claim = factories.ClaimFactory(publication=before)
    client = token_client(reviewer)
    assert _post(client, claim, action).json() == {"reason": ["This field is required."]}
    blank = _post(client, claim, action, {"reason": "   "})
    assert (blank.status_code, blank.json()) == (
        400,
        {"reason": ["Say why the claim goes back to draft."]},
    )
    extra = _post(client, claim, action, {"reason": "x", "publication": "draft"})
    assert extra.status_code == 400 and "publication" in extra.json()
    claim.refresh_from_db()
    assert claim.publication == before
    done = _post(client, claim, action, {"reason": "  Wrong event "})
    assert done.status_code == 200
    assert (done.json()["publication"], done.json()["review_note"]) == (DRAFT, "Wrong event")


def test_transitions_are_in_the_claim_history_with_who_and_why(editor, reviewer):
    claim = factories.ClaimFactory(publication=DRAFT)
    _post(token_client(editor), claim, "submit")
    client = token_client(reviewer)
    _post(client, claim, "return-to-draft", {"reason": "Cite the source"})
    _post(token_client(editor), claim, "submit")
    _post(client, claim, "publish")
    _post(client, claim, "unpublish", {"reason": "The toll was revised"})
    history = client.get(URL + f"claims/{claim.pk}/history/").json()
    assert [(e["user"], e["reason"]) for e in history[1:]] == [
        ("editor", "Submitted for review"),
        ("reviewer", "Returned to draft: Cite the source"),
        ("editor", "Submitted for review"),
        ("reviewer", "Published"),
        ("reviewer", "Unpublished: The toll was revised"),
    ]
    moves = [
        next(c for c in e["changes"] if c["field"] == "publication")["new"] for e in history[1:]
    ]
    assert moves == [IN_REVIEW, DRAFT, IN_REVIEW, PUBLISHED, DRAFT]


def test_if_match_is_optional_but_must_be_current_when_sent(reviewer):
    claim = factories.ClaimFactory(publication=IN_REVIEW)
    client = token_client(reviewer)
    stale = _post(client, claim, "publish", HTTP_IF_MATCH=f'"{claim.version - 1}"')
    assert stale.status_code == 412
    claim.refresh_from_db()
    assert claim.publication == IN_REVIEW
    current = _post(client, claim, "publish", HTTP_IF_MATCH=f'"{claim.version}"')
    assert current.status_code == 200


# --- publication is read-only in writes --------------------------------------------------------


def test_patching_publication_is_400_naming_the_action(reviewer):
    claim = factories.ClaimFactory(publication=IN_REVIEW)
    client = token_client(reviewer)

    def patch(body):
        claim.refresh_from_db()
        return client.patch(
            URL + f"claims/{claim.pk}/", body, format="json", HTTP_IF_MATCH=f'"{claim.version}"'
        )

    response = patch({"publication": PUBLISHED})
    assert (response.status_code, response.json()) == (
        400,
        {
            "publication": [
                "publication changes only through the claim's actions: "
                f"POST /api/v1/claims/{claim.pk}/publish/."
            ]
        },
    )
    back = patch({"publication": DRAFT}).json()["publication"][0]
    assert back.endswith(
        f'POST /api/v1/claims/{claim.pk}/return-to-draft/ with {{"reason": "..."}}.'
    )
    assert patch({"published_at": "2026-01-01T00:00:00Z"}).status_code == 400
    claim.refresh_from_db()
    assert (claim.publication, claim.published_at) == (IN_REVIEW, None)
    unchanged = patch({"publication": IN_REVIEW, "text": "Reworded"})
    assert unchanged.status_code == 200
    assert (unchanged.json()["text"], unchanged.json()["publication"]) == ("Reworded", IN_REVIEW)


def test_creating_a_published_claim_is_400_listing_the_steps(reviewer):
    response = token_client(reviewer).post(
        URL + "claims/", {"text": "Fresh", "publication": PUBLISHED}, format="json"
    )
    assert response.status_code == 400
    message = response.json()["publication"][0]
    assert "one step at a time" in message and "/api/v1/claims/{id}/submit/" in message
    assert not Claim.objects.filter(text="Fresh").exists()


# --- the reviewers' fields (issue 12) ----------------------------------------------------------


def test_editor_cannot_change_verdict_note(editor, reviewer, world):
    toll = world["toll"]

    def patch(user, body):
        toll.refresh_from_db()
        return token_client(user).patch(
            URL + f"claims/{toll.pk}/", body, format="json", HTTP_IF_MATCH=f'"{toll.version}"'
        )

    response = patch(editor, {"verdict_note": "Forged by an editor"})
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "Only reviewers (permission claims.publish_claim) may change verdict_note."},
    )
    toll.refresh_from_db()
    assert toll.verdict_note == ""
    # The editor may still edit the rest, and send the note back unchanged.
    assert patch(editor, {"text": "Reworded", "verdict_note": ""}).status_code == 200
    assert patch(reviewer, {"verdict": "mixed", "verdict_note": "Tolls differ"}).status_code == 200
    toll.refresh_from_db()
    assert (toll.verdict, toll.verdict_note) == ("mixed", "Tolls differ")


def test_admin_and_api_reserve_the_same_claim_fields(client, editor, world):
    from django.urls import reverse

    from claims import services

    reserved = set(services.reserved_claim_fields(editor))
    client.force_login(editor)
    page = client.get(reverse("admin:claims_claim_change", args=[world["toll"].pk]))
    form_fields = set(page.context["adminform"].form.fields)
    assert reserved and not reserved & form_fields
    api = token_client(editor)
    for name in reserved:
        toll = Claim.objects.get(pk=world["toll"].pk)
        response = api.patch(
            URL + f"claims/{toll.pk}/",
            {name: "false"},
            format="json",
            HTTP_IF_MATCH=f'"{toll.version}"',
        )
        assert response.status_code == 403 and name in response.json()["detail"]


# --- a figure's update must be visible wherever the figure is ----------------------------------


def test_superseded_by_cannot_point_at_a_draft_figure(anon, editor, world):
    fig_own = world["fig_own"]
    # A later count in the same document (same origin) but under the draft claim.
    draft_figure = factories.FigureFactory(
        attribution=world["hidden"], event=world["event"], value=60, text="60"
    )
    response = token_client(editor).patch(
        URL + f"figures/{fig_own.pk}/",
        {"superseded_by": draft_figure.pk},
        format="json",
        HTTP_IF_MATCH=f'"{fig_own.version}"',
    )
    assert (response.status_code, response.json()) == (
        400,
        {
            "superseded_by": [
                "A figure of a published claim can only be updated by a figure of a published "
                "claim; publish that claim first."
            ]
        },
    )
    fig_own.refresh_from_db()
    assert fig_own.superseded_by is None
    public = anon.get(URL + f"figures/{fig_own.pk}/").json()
    assert public["superseded_by"] is None


def test_a_reader_cannot_name_a_figure_they_cannot_see(world):
    outsider = grant(factories.UserFactory(username="outsider"), "change_figure", "view_figure")
    fig_own = world["fig_own"]
    draft_figure = factories.FigureFactory(attribution=world["hidden"], event=world["event"])
    response = token_client(outsider).patch(
        URL + f"figures/{fig_own.pk}/",
        {"superseded_by": draft_figure.pk},
        format="json",
        HTTP_IF_MATCH=f'"{fig_own.version}"',
    )
    assert (response.status_code, response.json()) == (
        400,
        {"superseded_by": [f'Invalid pk "{draft_figure.pk}" - object does not exist.']},
    )


def test_superseded_by_may_point_at_a_later_published_figure(editor, world):
    fig_own = world["fig_own"]
    later = factories.FigureFactory(attribution=world["own"], event=world["event"], value=50)
    response = token_client(editor).patch(
        URL + f"figures/{fig_own.pk}/",
        {"superseded_by": later.pk},
        format="json",
        HTTP_IF_MATCH=f'"{fig_own.version}"',
    )
    assert response.status_code == 200, response.json()
    # The claim is published: the change waits for a reviewer, then applies.
    assert Figure.objects.get(pk=fig_own.pk).superseded_by is None
    edit = Figure.objects.get(replaces=fig_own)
    assert edit.superseded_by == later
    services.approve_evidence(items=[edit], by=factories.UserFactory(is_superuser=True))
    assert Figure.objects.get(pk=fig_own.pk).superseded_by == later


# --- the schema -------------------------------------------------------------------------------


def test_schema_documents_the_four_transitions(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    paths, components = schema["paths"], schema["components"]["schemas"]
    detail = {"$ref": "#/components/schemas/ClaimDetail"}
    for action, body in [
        ("submit", None),
        ("publish", None),
        ("return-to-draft", "TransitionReasonRequest"),
        ("unpublish", "TransitionReasonRequest"),
    ]:
        operation = paths[f"/api/v1/claims/{{id}}/{action}/"]["post"]
        assert operation["responses"]["200"]["content"]["application/json"]["schema"] == detail
        assert {"400", "401", "403", "404", "412"} <= set(operation["responses"])
        if body is None:
            assert "requestBody" not in operation
        else:
            content = operation["requestBody"]["content"]["application/json"]["schema"]
            assert content == {"$ref": f"#/components/schemas/{body}"}
        if_match = next(p for p in operation["parameters"] if p["name"] == "If-Match")
        assert not if_match.get("required", False)
    assert components["TransitionReasonRequest"]["required"] == ["reason"]
    for method in ("put", "patch"):
        body = paths["/api/v1/claims/{id}/"][method]["requestBody"]["content"]["application/json"]
        name = body["schema"]["$ref"].rsplit("/", 1)[1]
        assert "publication" not in components[name]["properties"]
    assert components["ClaimDetail"]["properties"]["publication"]["readOnly"] is True
