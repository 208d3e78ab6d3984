"""Who may see what, everywhere alike: one rule (claims.visibility) behind every `visible_to`.

A table of reader kinds × resources: a draft claim (with its attribution, figure and an event that
only the draft is about) shows on every page, endpoint, search, change feed and CSV export to
readers holding the view-claim permission, and on none of them to anyone else, staff included.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIClient

from claims import services
from claims.models import Attribution, Claim, Event, Figure
from claims.visibility import sees_drafts
from tests import factories
from tests.api_helpers import _generous_throttles, grant  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

API = "/api/v1/"


def make_reader(kind: str):
    if kind == "anonymous":
        return None
    if kind == "signed in":
        return factories.UserFactory()
    if kind == "staff without permission":
        return factories.UserFactory(is_staff=True)
    if kind == "view-claim permission":
        return grant(factories.UserFactory(), "view_claim")
    if kind == "superuser":
        return factories.UserFactory(is_staff=True, is_superuser=True)
    raise ValueError(kind)


READERS = {
    # reader kind: sees drafts
    "anonymous": False,
    "signed in": False,
    "staff without permission": False,
    "view-claim permission": True,
    "superuser": True,
}


@pytest.fixture
def draft():
    event = factories.EventFactory(name="Zarghun valley raid")
    claim = factories.ClaimFactory(
        text="Zarghun raid left dozens dead", event=event, publication=Claim.Publication.DRAFT
    )
    document = factories.DocumentFactory(
        text="The raid left dozens dead in Zarghun, officials said."
    )
    attribution = factories.AttributionFactory(
        claim=claim, document=document, quote="dozens dead in Zarghun"
    )
    figure = factories.FigureFactory(attribution=attribution, event=event)
    services.refresh_claims([claim.pk])  # the loaders' path: logs what became public (nothing)
    return claim, attribution, figure, event


def what_is_seen(reader, claim, attribution, figure, event) -> dict[str, bool]:
    """Per resource: does this reader see the draft (or what hangs on it)?"""
    page, api = factories_clients(reader)

    def api_ids(path: str) -> set[int]:
        return {row["id"] for row in api.get(API + path).json()["results"]}

    changes = api.get(API + "changes/?since=2000-01-01T00:00:00Z&page_size=1000").json()
    listed = page.get("/claims/").context["page"].paginator.object_list
    return {
        "claim list page": claim in listed,
        "claim page": page.get(f"/claims/{claim.pk}/").status_code == 200,
        "event list page": event in page.get("/events/").context["page"].paginator.object_list,
        "event page": page.get(f"/events/{event.pk}/").status_code == 200,
        "document page": f'id="a-{attribution.pk}"'
        in page.get(attribution.document.get_absolute_url()).content.decode(),
        "search page": claim in page.get("/search/?q=Zarghun").context["results"].claims,
        "API claim list": claim.pk in api_ids("claims/"),
        "API claim detail": api.get(API + f"claims/{claim.pk}/").status_code == 200,
        "API search (q)": claim.pk in api_ids("claims/?q=Zarghun"),
        "API attributions": attribution.pk in api_ids("attributions/"),
        "API figures": figure.pk in api_ids("figures/"),
        "API event list": event.pk in api_ids("events/"),
        "API event detail": api.get(API + f"events/{event.pk}/").status_code == 200,
        "API event figures": any(
            f["id"] == figure.pk
            for group in api.get(API + f"events/{event.pk}/figures/").json().get("groups", [])
            for f in group["figures"]
        ),
        "change feed (claim)": {"type": "claim", "id": claim.pk}
        in [{"type": c["type"], "id": c["id"]} for c in changes["results"]],
        "change feed (event)": {"type": "event", "id": event.pk}
        in [{"type": c["type"], "id": c["id"]} for c in changes["results"]],
        "CSV": claim.text
        in b"".join(api.get(API + "claims/?format=csv").streaming_content).decode(),
    }


def factories_clients(reader):
    from django.test import Client

    page, api = Client(), APIClient()
    if reader is not None:
        page.force_login(reader)
        api.force_authenticate(reader)
    return page, api


@pytest.mark.parametrize(("kind", "sees"), READERS.items())
def test_every_resource_shows_a_draft_to_the_same_readers(draft, kind, sees):
    reader = make_reader(kind)
    seen = what_is_seen(reader, *draft)
    # The change feed is the public log for every reader, staff included (claims.feed).
    in_feed = {key: seen.pop(key) for key in list(seen) if key.startswith("change feed")}
    assert in_feed == dict.fromkeys(in_feed, False)
    assert seen == dict.fromkeys(seen, sees)


@pytest.mark.parametrize(("kind", "sees"), READERS.items())
def test_visible_to_is_the_one_rule_for_every_model(draft, kind, sees):
    claim, attribution, figure, event = draft
    reader = make_reader(kind)
    assert sees_drafts(reader if reader is not None else AnonymousUser()) is sees
    assert (claim in Claim.objects.visible_to(reader)) is sees
    assert (attribution in Attribution.objects.visible_to(reader)) is sees
    assert (figure in Figure.objects.visible_to(reader)) is sees
    assert (event in Event.objects.visible_to(reader)) is sees


def test_publishing_shows_the_claim_and_its_event_to_everyone(draft):
    claim, attribution, figure, event = draft
    claim.publication = Claim.Publication.IN_REVIEW
    claim.save()
    reviewer = make_reader("superuser")
    services.publish(claim=claim, by=reviewer)  # logs the claim, its evidence and its event
    seen = what_is_seen(None, claim, attribution, figure, event)
    assert seen == dict.fromkeys(seen, True)
