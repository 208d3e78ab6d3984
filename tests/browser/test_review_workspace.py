"""The review workspace used with the keyboard alone, under the strict CSP, in headless Chromium."""

import datetime

import pytest
from django.conf import settings

from claims.models import Attribution
from suggestions.review import suggestions_for
from tests.factories import (
    AttributionFactory,
    ClaimFactory,
    DocumentFactory,
    EventFactory,
    FigureFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KUNDUZ = (
    "Kunduz mosque bombing\n\n"
    "According to the state-run Bakhtar News Agency, the explosion killed at least 46 people and "
    "wounded more than 140.\n\n"
    "The Taliban denied any role in the attack in Kunduz.\n"
)


@pytest.fixture
def editor(visitor, client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    visitor.page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": visitor.base_url}]
    )
    return visitor


def tab_to(page, predicate: str, limit: int = 60) -> str:
    """Press Tab until the focused element matches `predicate` (JS on `el`); its outer HTML."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => {predicate})(document.activeElement)"):
            return page.evaluate("document.activeElement.outerHTML")
    raise AssertionError(f"never focused: {predicate}")


def test_a_suggestion_is_accepted_with_the_keyboard_alone(editor):
    event = EventFactory(
        name="Kunduz mosque bombing", place="Kunduz", date=datetime.date(2021, 10, 8)
    )
    claim = ClaimFactory(text="An unrelated statement about schools", event=None)
    toll = ClaimFactory(text="The Kunduz mosque bombing killed at least 46 people", event=event)
    FigureFactory(attribution=AttributionFactory(claim=toll), event=event, measure="killed")
    document = DocumentFactory(text=KUNDUZ, published=datetime.date(2021, 10, 9))
    figure = next(c for c in suggestions_for(document) if c.measure == "killed")
    key = figure.fingerprint[:12]
    page = editor.page
    editor.goto(f"/admin/sources/document/{document.pk}/suggestions/")
    # From the link in the text to the suggestion's row, then through its form.
    page.focus(f'a.to-row[href="#s-{key}"]')
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == f"#s-{key}"
    page.focus(f'a[href="#a-{key}"]')
    tab_to(page, f"el.id === 's-{key}-claim-{toll.pk}'")
    assert page.is_checked(f"#s-{key}-claim-{toll.pk}")  # sure enough, dates match: pre-selected
    tab_to(page, "el.tagName === 'SUMMARY'")
    page.keyboard.press("Enter")  # open "Edit before accepting"
    tab_to(page, f"el.id === 's-{key}-stance'")
    page.keyboard.press("End")  # the last stance: Neutral
    tab_to(page, "el.tagName === 'BUTTON' && el.textContent.startsWith('Accept')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Accepted onto the claim" in page.content()
    attribution = Attribution.objects.get(document=document)
    assert (attribution.claim, attribution.stance) == (toll, "neutral")
    assert claim.attributions.count() == 0
    assert f"s-{key}" not in page.content()
    assert editor.violations() == []
    editor.shot("review-workspace")


def test_typing_a_new_claim_chooses_it(editor):
    event = EventFactory(
        name="Kunduz mosque bombing", place="Kunduz", date=datetime.date(2021, 10, 8)
    )
    toll = ClaimFactory(text="The Kunduz mosque bombing killed at least 46 people", event=event)
    FigureFactory(attribution=AttributionFactory(claim=toll), event=event, measure="killed")
    document = DocumentFactory(text=KUNDUZ, published=datetime.date(2021, 10, 9))
    key = next(c for c in suggestions_for(document) if c.measure == "killed").fingerprint[:12]
    editor.goto(f"/admin/sources/document/{document.pk}/suggestions/")
    page = editor.page
    assert page.is_checked(f"#s-{key}-claim-{toll.pk}")
    page.focus(f"#s-{key}-new-text")
    page.keyboard.type("The blast killed 46")
    assert page.is_checked(f"#s-{key}-claim-new")
    assert not page.is_checked(f"#s-{key}-claim-{toll.pk}")
    assert editor.violations() == []
