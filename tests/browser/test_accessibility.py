"""axe-core in headless Chromium: no serious or critical accessibility violation on any public
page or the API docs page, at desktop and phone widths.

axe-core comes from the npm registry (package.json; `npm ci` puts it in node_modules/, which git
ignores) and is injected with Playwright's add_script_tag(path=...): nothing is fetched from a
CDN. The injected script is inline, so these contexts bypass the page's CSP; the other browser
tests check the CSP itself.
"""

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
