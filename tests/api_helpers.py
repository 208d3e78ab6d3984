"""Shared set-up for the API tests: clients, roles with exact permissions, a small published world."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from claims import feed
from claims.models import Attribution, Claim, Figure
from tests import factories

CURATED = ("outlet", "document", "actor", "actoralias", "event", "claim", "attribution", "figure")


def grant(user, *codenames: str):
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def editor_permissions() -> list[str]:
    return [f"{verb}_{model}" for model in CURATED for verb in ("add", "change", "delete", "view")]


def token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture(autouse=True)
def _generous_throttles(monkeypatch):
    # Throttle classes read their rates at import: patch the class attribute, not settings.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "100000/minute", "user": "100000/minute"}
    )


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def editor():
    user = factories.UserFactory(username="editor", is_staff=True)
    return grant(user, *editor_permissions())


@pytest.fixture
def reviewer():
    user = factories.UserFactory(username="reviewer", is_staff=True)
    return grant(user, *editor_permissions(), "publish_claim")


@pytest.fixture
def world(db):
    """Two published claims (one contested on its figures) and one draft, across two outlets."""
    event = factories.EventFactory(name="Airport bombing", slug="airport-bombing")
    outlet_a = factories.OutletFactory(name="Daily A", slug="daily-a")
    outlet_b = factories.OutletFactory(name="Wire B", slug="wire-b")
    doc_a = factories.DocumentFactory(
        title="Report A", outlet=outlet_a, published=datetime.date(2021, 8, 27)
    )
    doc_b = factories.DocumentFactory(
        title="Report B",
        outlet=outlet_b,
        published=datetime.date(2021, 8, 29),
        text="Officials said 20 people were killed in the blast. The group denied it.",
    )
    group = factories.ActorFactory(name="Islamic State Khorasan", slug="is-k", kind="armed_group")
    factories.ActorAliasFactory(actor=group, name="ISKP")
    official = factories.ActorFactory(name="A spokesman", slug="spokesman")
    toll = factories.ClaimFactory(text="The airport bombing killed N people", event=event)
    toll.tags.add(factories.TagFactory(name="casualties", slug="casualties"))
    own = factories.AttributionFactory(
        claim=toll, document=doc_a, quote="killing at least 46 people"
    )
    quoted = factories.AttributionFactory(
        claim=toll,
        document=doc_b,
        voice=Attribution.Voice.QUOTED,
        speaker=official,
        stated_on=datetime.date(2021, 8, 28),
        quote="20 people were killed",
    )
    fig_own = factories.FigureFactory(attribution=own, event=event, value=46)
    fig_quoted = factories.FigureFactory(
        attribution=quoted, event=event, qualifier=Figure.Qualifier.EXACT, value=20, text="20"
    )
    denial_claim = factories.ClaimFactory(text="The group carried out the bombing", event=event)
    denial = factories.AttributionFactory(
        claim=denial_claim,
        document=doc_b,
        voice=Attribution.Voice.PARAPHRASED,
        speaker=group,
        stance=Attribution.Stance.REFUTES,
        quote="The group denied it",
    )
    draft = factories.ClaimFactory(
        text="A secret draft claim", event=event, publication=Claim.Publication.DRAFT
    )
    hidden = factories.AttributionFactory(
        claim=draft, document=doc_a, quote="Around 100 people were wounded"
    )
    for claim in (toll, denial_claim, draft):
        claim.refresh_from_db()
    feed.rebuild()  # written with factories, as a loader would: log the public state
    return {
        "event": event,
        "outlet_a": outlet_a,
        "outlet_b": outlet_b,
        "doc_a": doc_a,
        "doc_b": doc_b,
        "group": group,
        "official": official,
        "toll": toll,
        "own": own,
        "quoted": quoted,
        "fig_own": fig_own,
        "fig_quoted": fig_quoted,
        "denial_claim": denial_claim,
        "denial": denial,
        "draft": draft,
        "hidden": hidden,
    }


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]
