"""Session authentication without a session cookie loads no session, and the responses vary on
Cookie as they did."""

import pytest
from rest_framework.test import APIClient

from tests.api_helpers import editor, world  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/api/v1/changes/", "/api/v1/outlets/", "/api/v1/schema/"])
def test_an_anonymous_response_still_varies_on_cookie(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert "Cookie" in response.get("Vary", "")


def test_a_session_cookie_still_signs_in_and_unsafe_methods_need_csrf(editor, world):  # noqa: F811
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor)
    claim = world["toll"]
    response = client.get(f"/api/v1/claims/{world['draft'].pk}/")
    assert response.status_code == 200  # an editor sees drafts: signed in by the session
    refused = client.patch(f"/api/v1/claims/{claim.pk}/", {"text": "Changed"}, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]


def test_a_stale_session_cookie_is_anonymous(client, world):  # noqa: F811
    client.cookies["sessionid"] = "no-such-session"
    assert client.get(f"/api/v1/claims/{world['draft'].pk}/").status_code == 404
    assert client.get(f"/api/v1/claims/{world['toll'].pk}/").status_code == 200
