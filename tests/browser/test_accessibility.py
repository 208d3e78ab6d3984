"""axe-core in headless Chromium: no serious or critical accessibility violation on any public
page or the API docs page, at desktop and phone widths.

axe-core comes from the npm registry (package.json; `npm ci` puts it in node_modules/, which git
ignores) and is injected with Playwright's add_script_tag(path=...): nothing is fetched from a
CDN. The injected script is inline, so these contexts bypass the page's CSP; the other browser
tests check the CSP itself.
"""

from io import StringIO
from pathlib import Path

import pytest

from tests.site_data import build_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

RUN_AXE = """
async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
}
"""


@pytest.fixture
def site(transactional_db):
    return build_site()


@pytest.fixture(scope="session")
def axe_script():
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed: run `npm ci` ({AXE} is missing)")
    return str(AXE)


def public_pages(site) -> list[str]:
    return [
        "/",
        "/claims/",
        "/claims/?status=contested",
        site.toll.get_absolute_url(),
        site.links.get_absolute_url(),
        f"/claims/{site.links.slug}/v/{site.links.version}/",
        "/events/",
        site.kabul.get_absolute_url(),
        site.kunduz.get_absolute_url(),
        site.doc_000.get_absolute_url(),
        site.doc_001.get_absolute_url(),
        site.saleh.get_absolute_url(),
        site.isk.get_absolute_url(),
        site.rferl.get_absolute_url(),
        "/search/?q=Taliban",
        "/about/",
    ]


@pytest.mark.parametrize("width", [1366, 390])
def test_no_public_page_has_a_serious_or_critical_axe_violation(
    chromium, live_server, site, axe_script, width
):
    context = chromium.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    found = {}
    try:
        for path in public_pages(site):
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, path
            page.add_script_tag(path=axe_script)
            if problems := page.evaluate(RUN_AXE):
                found[path] = problems
    finally:
        context.close()
    assert found == {}


def test_api_docs_page_has_no_serious_or_critical_axe_violation(
    chromium, live_server, site, axe_script
):
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/api/v1/docs/")
        page.wait_for_selector(".opblock", timeout=20000)
        page.add_script_tag(path=axe_script)
        assert page.evaluate(RUN_AXE) == []
    finally:
        context.close()


# --- the admin: every changelist, the evidence change pages and the review screens -------------


@pytest.fixture
def seeded_admin(chromium, live_server, transactional_db, client):
    """A superuser's browser context (CSP bypassed for axe) on the loaded seed corpus."""
    from django.conf import settings
    from django.core.management import call_command

    from tests.factories import UserFactory

    call_command("load_seeds", stdout=StringIO())
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    yield context.new_page()
    context.close()


def admin_pages() -> list[str]:
    from django.contrib import admin
    from django.urls import reverse

    from claims.models import Attribution, Claim, Figure

    figure = Figure.objects.select_related("attribution").order_by("pk").first()
    attribution = figure.attribution
    claim = Claim.objects.filter(attributions__isnull=False).order_by("pk").first()
    changelists = sorted(
        reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist")
        for m in admin.site._registry
    )
    return [
        "/admin/",
        *changelists,
        f"/admin/claims/claim/{claim.pk}/change/",
        "/admin/claims/claim/add/",
        f"/admin/claims/claim/{claim.pk}/history/",
        "/admin/claims/claim/?queue=review",
        "/admin/claims/claim/deleted/",
        f"/admin/claims/attribution/{attribution.pk}/change/",
        "/admin/claims/attribution/add/",
        f"/admin/sources/document/{attribution.document_id}/change/",
        "/admin/sources/document/add/",
        f"/admin/claims/figure/{figure.pk}/change/",
        "/admin/claims/figure/add/",
        # the review screens: suggestion review workspace, intake, related-claim suggestions
        f"/admin/sources/document/{attribution.document_id}/suggestions/",
        "/admin/sources/document/import/",
        "/admin/sources/document/import-batch/",
        "/admin/claims/claimrelation/suggestions/",
        f"/admin/claims/attribution/{Attribution.objects.order_by('-pk').first().pk}/change/",
    ]


def test_no_admin_screen_has_a_serious_or_critical_axe_violation(
    seeded_admin, live_server, axe_script
):
    page = seeded_admin
    found = {}
    for path in admin_pages():
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("load")
        page.add_script_tag(path=axe_script)
        if problems := page.evaluate(RUN_AXE):
            found[path] = problems
    assert found == {}


def test_autocompletes_added_later_are_named_too(seeded_admin, live_server, axe_script):
    """A new inline row (select2 built by script after the page loaded) is named as well."""
    page = seeded_admin
    page.goto(live_server.url + "/admin/claims/claim/add/")
    page.locator(".add-row a").first.click()
    page.wait_for_function(
        "document.querySelectorAll('.select2-selection[role=combobox]:not([aria-label])')"
        ".length === 0"
    )
    page.add_script_tag(path=axe_script)
    assert page.evaluate(RUN_AXE) == []
    names = page.evaluate(
        "[...document.querySelectorAll('.select2-selection[role=combobox]')]"
        ".map(e => e.getAttribute('aria-label'))"
    )
    assert "Event" in names and "Document" in names and all(names)
