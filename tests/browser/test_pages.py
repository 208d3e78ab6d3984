"""End to end in headless Chromium: what a fact-checker does on the public site, with no CSP
violation or console error on any page. Screenshots go to test-output/screenshots/."""

import pytest

from tests.browser.conftest import CSP_LISTENER, Visitor
from tests.site_data import build_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(transactional_db):
    return build_site()


# Controls without a label, and headings that skip a level (h2 straight to h4), on this page.
A11Y_PROBLEMS = """
() => {
  const problems = [];
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type !== 'hidden' && el.labels.length === 0 && !el.getAttribute('aria-label')) {
      problems.push('unlabelled ' + el.name);
    }
  }
  let last = 0;
  for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    const level = Number(h.tagName[1]);
    if (level > last + 1) problems.push('heading jumps to ' + h.tagName + ': ' + h.textContent.trim());
    last = level;
  }
  for (const name of ['banner', 'main', 'contentinfo', 'navigation', 'search']) {
    const tag = {banner: 'header', main: 'main', contentinfo: 'footer', navigation: 'nav'}[name];
    if (!document.querySelector(`[role=${name}]`) && !(tag && document.querySelector(tag))) {
      problems.push('no ' + name + ' landmark');
    }
  }
  return problems;
}
"""


def assert_clean(visitor, where: str) -> None:
    assert visitor.violations() == [], f"CSP violations on {where}"
    assert visitor.console == [], f"console messages on {where}"


def test_contested_claim_leads_to_its_stance_matrix_and_the_highlighted_quote(visitor, site):
    page = visitor.page
    visitor.goto("/")
    visitor.shot("home")
    assert_clean(visitor, "/")

    contested = page.locator("section[aria-labelledby=contested-heading]")
    contested.get_by_role("link", name=site.links.text).click()
    page.wait_for_url(f"**{site.links.get_absolute_url()}")
    assert page.locator("h1").inner_text() == site.links.text
    assert "Contested" in page.locator(".facts .status").inner_text()
    supports = page.locator("section.column-supports")
    refutes = page.locator("section.column-refutes")
    assert "Amrullah Saleh" in supports.inner_text()
    assert "Taliban" in refutes.inner_text()
    visitor.shot("claim-stance-matrix")
    assert_clean(visitor, "claim page")

    quote = site.saleh_quote
    supports.locator(f"a[href$='#a-{quote.pk}']").click()
    page.wait_for_url(f"**/documents/{quote.document_id}/#a-{quote.pk}")
    mark = page.locator(f"mark#a-{quote.pk}")
    assert mark.is_visible()
    assert mark.inner_text().startswith("Every evidence we have in hand")
    assert mark.evaluate("m => m.matches(':target')")
    visitor.shot("document-highlighted-quote")
    assert_clean(visitor, "document page")


# Boxes that must not overflow: the page, each chart, and each table's scrolling box.
OVERFLOW = """
() => {
  const problems = [];
  const page = document.documentElement;
  if (page.scrollWidth > window.innerWidth) problems.push('page ' + page.scrollWidth);
  for (const el of document.querySelectorAll('.chart, .chart-row, .bar-label, .axis-scale')) {
    if (el.scrollWidth > el.clientWidth + 1) problems.push(el.className + ' ' + el.scrollWidth + ' > ' + el.clientWidth);
  }
  const main = document.querySelector('main').getBoundingClientRect();
  for (const el of document.querySelectorAll('.table-wrap, .chart')) {
    const box = el.getBoundingClientRect();
    if (box.right > main.right + 1 || box.left < main.left - 1) problems.push(el.className + ' outside main');
  }
  return problems;
}
"""


@pytest.mark.parametrize("width", [1366, 390])
def test_kabul_airport_chart_marks_exactly_the_diverging_figures(
    chromium, live_server, site, width
):
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.add_init_script(CSP_LISTENER)
    visitor = Visitor(page, live_server.url)
    try:
        visitor.goto(site.kabul.get_absolute_url())
        chart = page.locator("figure.chart").first
        assert chart.is_visible()
        rows = chart.locator("li.chart-row")
        assert rows.count() == 4
        marked = chart.locator("li.chart-row.diverging .bar-label").all_inner_texts()
        assert len(marked) == 2
        assert marked[0].startswith("around 100 people") and "from “some 170 Afghans" in marked[0]
        assert marked[1].startswith("Total from parts") and "from “around 100 people”" in marked[1]
        unmarked = chart.locator("li.chart-row:not(.diverging) .bar-label").all_inner_texts()
        assert any(t.startswith("13 American soldiers") for t in unmarked)
        legend = chart.locator(".chart-legend")
        assert legend.is_visible() and "Diverges" in legend.inner_text()
        assert chart.locator(".axis-title").inner_text() == "Number killed (people)"
        assert chart.locator(".axis-ticks li").count() == 6
        # Labels are whole, not cut off: each one fits its box.
        for label in chart.locator(".bar-label").all():
            assert label.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
        assert page.evaluate(OVERFLOW) == []
        visitor.shot(f"event-kabul-airport-{width}")
        assert_clean(visitor, f"event page at {width} px")
    finally:
        context.close()


def test_search_for_iskp_finds_isk(visitor, site):
    page = visitor.page
    visitor.goto("/")
    page.get_by_label("Search", exact=True).fill("ISKP")
    page.get_by_label("Search", exact=True).press("Enter")
    page.wait_for_url("**/search/?q=ISKP")
    actors = page.locator("section[aria-labelledby=actors-heading]")
    link = actors.locator(f"a[href='{site.isk.get_absolute_url()}']")
    assert link.is_visible()
    assert "IS-K" in actors.inner_text()
    assert actors.locator("mark").first.inner_text() == "ISKP"
    visitor.shot("search-iskp")
    assert_clean(visitor, "search page")


def test_no_page_reports_a_csp_violation_or_basic_accessibility_problem(visitor, site):
    pages = [
        "/",
        "/claims/",
        "/claims/?status=contested&speaker=ISKP",
        site.toll.get_absolute_url(),
        f"/claims/{site.links.pk}/",
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
    for path in pages:
        visitor.goto(path)
        assert_clean(visitor, path)
        assert visitor.page.evaluate(A11Y_PROBLEMS) == [], path
    visitor.goto("/claims/")
    visitor.shot("claim-list")


def test_claim_page_is_readable_on_a_phone(phone, site):
    phone.goto(site.links.get_absolute_url())
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    phone.shot("phone-claim")
    phone.goto(site.kabul.get_absolute_url())
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 375
    phone.shot("phone-event")
    assert_clean(phone, "phone pages")


def test_draft_claim_shows_its_banner_to_staff_without_csp_violation(visitor, site, client):
    from django.conf import settings
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    # Drafts are for readers with the view-claim permission (claims.visibility), as editors have.
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="claims", codename="view_claim")
    )
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    visitor.page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": visitor.base_url}]
    )
    visitor.goto(site.draft.get_absolute_url())
    assert "Draft" in visitor.page.locator(".draft-banner").inner_text()
    visitor.shot("claim-draft-staff")
    assert_clean(visitor, "draft claim")
