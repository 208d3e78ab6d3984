"""The admin and the API docs under the strict Content-Security-Policy, in headless Chromium.

Each kind of page is loaded by a logged-in reviewer; none may report a CSP violation, and the
Swagger UI must actually render (its scripts ran) without inline script.
"""

import pytest
from django.conf import settings

from tests.factories import UserFactory
from tests.site_data import build_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(transactional_db):
    return build_site()


@pytest.fixture
def reviewer(visitor, client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    visitor.page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": visitor.base_url}]
    )
    return visitor


def csp_messages(visitor) -> list[str]:
    return [m for m in visitor.console if "Content Security Policy" in m or "CSP" in m]


def test_admin_pages_report_no_csp_violation(reviewer, site):
    claim = site.draft
    attribution = site.saleh_quote
    pages = {
        "admin-index": "/admin/",
        "admin-claims": "/admin/claims/claim/",
        "admin-claim": f"/admin/claims/claim/{claim.pk}/change/",
        "admin-claim-history": f"/admin/claims/claim/{claim.pk}/history/",
        "admin-review-queue": "/admin/claims/claim/review-queue/",
        "admin-attribution": f"/admin/claims/attribution/{attribution.pk}/change/",
        "admin-document": f"/admin/sources/document/{attribution.document_id}/change/",
        "admin-actor-add": "/admin/sources/actor/add/",
        "admin-figures": "/admin/claims/figure/",
    }
    for name, path in pages.items():
        reviewer.goto(path)
        reviewer.page.wait_for_load_state("networkidle")
        assert reviewer.violations() == [], f"CSP violations on {path}"
        assert csp_messages(reviewer) == [], f"CSP console messages on {path}"
        reviewer.shot(name)
    # The autocomplete widget (select2, loaded from a file with the nonce) works under the policy.
    reviewer.goto("/admin/claims/attribution/add/")
    reviewer.page.locator(".select2-selection").first.click()
    reviewer.page.wait_for_selector(".select2-results__option")
    assert reviewer.violations() == []


def test_api_docs_render_offline_without_csp_violation(visitor, site):
    visitor.goto("/api/v1/docs/")
    visitor.page.wait_for_selector(".opblock", timeout=20000)
    assert visitor.page.locator(".opblock").count() > 10
    assert visitor.violations() == []
    assert csp_messages(visitor) == []
    visitor.shot("api-docs")


@pytest.mark.parametrize(
    "model", ["claims/claim", "claims/attribution", "sources/document", "claims/figure"]
)
def test_changelists_fit_1366_px_with_the_seed_data(chromium, live_server, client, model):
    """Issue 18: every column on screen, none hidden; nothing scrolls sideways."""
    from io import StringIO

    from django.core.management import call_command

    call_command("load_seeds", stdout=StringIO())
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/admin/{model}/")
        widths = page.evaluate(
            """() => {
              const results = document.querySelector('#changelist .results');
              const root = document.documentElement;
              return {results: [results.scrollWidth, results.clientWidth],
                      page: [root.scrollWidth, root.clientWidth],
                      columns: document.querySelectorAll('#result_list thead th').length,
                      rows: document.querySelectorAll('#result_list tbody tr').length};
            }"""
        )
    finally:
        context.close()
    assert widths["rows"] >= 5 and widths["columns"] >= 7  # the five seed documents at least
    assert widths["results"][0] <= widths["results"][1], widths
    assert widths["page"][0] <= widths["page"][1], widths
