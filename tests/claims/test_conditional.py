# ruff: noqa: F811  (pytest fixtures imported from tests.api_helpers)
"""Conditional and cached reads (api.conditional with claims.versions and sources.versions):
every public detail and list carries an ETag from the versions of what it shows, answers
If-None-Match with 304 without rendering, and anonymous bodies are cached under that ETag, so a
change to a piece of evidence changes exactly the responses that show it."""

import json
import re
import uuid

import pytest
from django.core.cache import caches
from django.db import transaction
from rest_framework.test import APIClient

from api import committed, conditional
from claims import feed, services
from claims.models import Attribution, Claim, ClaimRelation, Event, Figure, Tag
from claims.serializers import ClaimDetailSerializer, ClaimSerializer
from sources.models import Actor, Document, Outlet
from tests import factories
from tests.api_helpers import anon, editor, token_client, world  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
API = "/api/v1/"
NONCE = re.compile(r'nonce="[^"]*"')


@pytest.fixture
def other(world):
    """An unrelated published claim: another event, outlet, document and speaker."""
    event = factories.EventFactory(name="Market attack", slug="market-attack")
    outlet = factories.OutletFactory(name="Far Away Times", slug="far-away")
    document = factories.DocumentFactory(title="Far report", outlet=outlet)
    speaker = factories.ActorFactory(name="A governor", slug="governor")
    claim = factories.ClaimFactory(text="The market attack killed N people", event=event)
    attribution = factories.AttributionFactory(
        claim=claim, document=document, speaker=speaker, voice=Attribution.Voice.QUOTED
    )
    factories.FigureFactory(attribution=attribution, event=event, value=12, text="12")
    claim.refresh_from_db()
    return {
        "event": event,
        "outlet": outlet,
        "document": document,
        "speaker": speaker,
        "claim": claim,
    }


def urls(world, other) -> dict[str, str]:
    w, o = world, other
    return {
        # Details, API and pages.
        "toll": f"{API}claims/{w['toll'].pk}/",
        "toll.page": f"/claims/{w['toll'].slug}/",
        "toll.stances": f"{API}claims/{w['toll'].pk}/stances/",
        "denial": f"{API}claims/{w['denial_claim'].pk}/",
        "other": f"{API}claims/{o['claim'].pk}/",
        "other.page": f"/claims/{o['claim'].slug}/",
        "event": f"{API}events/{w['event'].pk}/",
        "event.figures": f"{API}events/{w['event'].pk}/figures/",
        "event.page": f"/events/{w['event'].slug}/",
        "other_event": f"{API}events/{o['event'].pk}/",
        "other_event.page": f"/events/{o['event'].slug}/",
        "doc_a": f"{API}documents/{w['doc_a'].pk}/",
        "doc_a.page": f"/documents/{w['doc_a'].pk}/",
        "doc_b.page": f"/documents/{w['doc_b'].pk}/",
        "other_doc.page": f"/documents/{o['document'].pk}/",
        "official": f"{API}actors/{w['official'].pk}/",
        "official.page": f"/actors/{w['official'].slug}/",
        "group.page": f"/actors/{w['group'].slug}/",
        "other_speaker.page": f"/actors/{o['speaker'].slug}/",
        "outlet_a.page": f"/outlets/{w['outlet_a'].slug}/",
        "outlet_b": f"{API}outlets/{w['outlet_b'].pk}/",
        "outlet_b.page": f"/outlets/{w['outlet_b'].slug}/",
        "other_outlet.page": f"/outlets/{o['outlet'].slug}/",
        # Lists.
        "claims": f"{API}claims/",
        "claims.expanded": f"{API}claims/?expand=attributions",
        "claims.page": "/claims/",
        "other_claims": f"{API}claims/?event={o['event'].pk}",
        "events": f"{API}events/",
        "events.page": "/events/",
        "attributions": f"{API}attributions/",
        "figures": f"{API}figures/",
        "documents": f"{API}documents/",
        "actors": f"{API}actors/",
        "outlets": f"{API}outlets/",
    }


def snapshot(client, addresses: dict[str, str]) -> dict[str, tuple]:
    """Each address's status, ETag and body (a page's CSP nonce left out)."""
    found = {}
    for name, url in addresses.items():
        response = client.get(url)
        body = NONCE.sub("", response.content.decode())
        found[name] = (response.status_code, response.get("ETag"), body)
    return found


def changed(before: dict, after: dict) -> set[str]:
    return {name for name in before if before[name] != after[name]}


STAMPS = re.compile(r'"(version|updated_at)":("[^"]*"|[0-9]+)')


def bodies(found: dict) -> dict[str, tuple]:
    """Status and body of each address, row stamps left out: a deletion waiting for review
    raises its row's version (the editors' stale-edit check) but changes nothing else."""
    return {name: (status, STAMPS.sub("", body)) for name, (status, _, body) in found.items()}


def approve_pending() -> None:
    """Approve every pending evidence change, as a reviewer would."""
    reviewer = factories.UserFactory(is_staff=True, is_superuser=True)
    for model in (Attribution, Figure):
        rows = list(model.objects.exclude(review="approved"))
        if rows:
            services.approve_evidence(items=rows, by=reviewer)


# What each kind of change must change, and what it must leave alone.
UNRELATED = {
    "other",
    "other.page",
    "other_event",
    "other_event.page",
    "other_doc.page",
    "other_speaker.page",
    "other_outlet.page",
    "other_claims",
}


def save_plainly(record) -> None:
    """Save a record as the admin and the API do: with its public changes logged (claims.feed)."""
    with transaction.atomic():
        feed.lock()
        record.save()
        feed.record_objects([record])


def add_attribution(w):
    services.save_attribution(
        attribution=Attribution(
            claim=w["toll"],
            document=w["doc_a"],
            speaker=w["official"],
            voice=Attribution.Voice.PARAPHRASED,
            stance=Attribution.Stance.QUESTIONS,
            quote="Around 100 people were wounded",
        )
    )


def edit_attribution(w):
    attribution = Attribution.objects.get(pk=w["quoted"].pk)
    attribution.stance = Attribution.Stance.NEUTRAL
    services.save_attribution(attribution=attribution)


def delete_attribution(w):
    services.delete_attribution(attribution=Attribution.objects.get(pk=w["quoted"].pk))


def add_figure(w):
    services.save_figure(
        figure=Figure(
            attribution=Attribution.objects.get(pk=w["quoted"].pk),
            event=w["event"],
            measure=Figure.Measure.WOUNDED,
            qualifier=Figure.Qualifier.APPROXIMATELY,
            value=100,
            text="Around 100",
        )
    )


def edit_figure(w):
    figure = Figure.objects.get(pk=w["fig_own"].pk)
    figure.value = 47
    services.save_figure(figure=figure)


def delete_figure(w):
    services.delete_figure(figure=Figure.objects.get(pk=w["fig_own"].pk))


def edit_claim(w):
    claim = Claim.objects.get(pk=w["toll"].pk)
    claim.text = "The airport bombing killed many people"
    save_plainly(claim)


def unpublish(w):
    reviewer = factories.UserFactory(is_superuser=True, is_staff=True)
    services.unpublish(claim=Claim.objects.get(pk=w["toll"].pk), by=reviewer, reason="Recheck")


def publish_draft(w):
    reviewer = factories.UserFactory(is_superuser=True, is_staff=True)
    draft = Claim.objects.get(pk=w["draft"].pk)
    services.submit_for_review(claim=draft, by=reviewer)
    services.publish(claim=Claim.objects.get(pk=draft.pk), by=reviewer)


def edit_document(w):
    document = Document.objects.get(pk=w["doc_a"].pk)
    document.title = "Report A, corrected"
    services.save_document(document=document)


def edit_actor(w):
    actor = Actor.objects.get(pk=w["official"].pk)
    actor.name = "The chief spokesman"
    save_plainly(actor)


def edit_outlet(w):
    outlet = Outlet.objects.get(pk=w["outlet_b"].pk)
    outlet.name = "Wire B International"
    save_plainly(outlet)


def edit_event(w):
    event = Event.objects.get(pk=w["event"].pk)
    event.place = "Hamid Karzai International Airport"
    save_plainly(event)


TOLL = {"toll", "toll.page", "toll.stances"}
EVENT = {"event", "event.figures", "event.page"}
CASES = {
    "attribution added": (
        add_attribution,
        TOLL
        | {"event", "event.page"}
        | {"doc_a.page", "official.page", "outlet_a.page"}
        | {"claims", "claims.page", "attributions"},
        # It holds no figure: the event's figure comparison shows nothing of it.
        {"doc_b.page", "official", "doc_a", "group.page", "events", "documents", "actors"}
        | {"event.figures"},
    ),
    "attribution edited": (
        edit_attribution,
        TOLL | EVENT | {"doc_b.page", "official.page", "outlet_b.page", "claims", "attributions"},
        {"doc_a.page", "outlet_a.page", "group.page", "denial", "figures"},
    ),
    "attribution deleted": (
        delete_attribution,
        TOLL | EVENT | {"doc_b.page", "official.page", "outlet_b.page", "claims", "attributions"},
        {"doc_a.page", "outlet_a.page", "group.page", "denial"},
    ),
    "figure added": (
        add_figure,
        TOLL | EVENT | {"claims", "figures", "attributions"},
        {"denial", "doc_a.page", "doc_b.page", "group.page", "events", "documents"},
    ),
    "figure edited": (
        edit_figure,
        TOLL | EVENT | {"claims", "figures"},
        # The official's page shows the claim's status, which the figures change (contested).
        {"denial", "doc_a.page", "doc_b.page", "group.page", "events"},
    ),
    "figure deleted": (
        delete_figure,
        TOLL | EVENT | {"claims", "figures"},
        # The official's page shows the claim's status, which the figures change (contested).
        {"denial", "doc_a.page", "doc_b.page", "group.page", "events"},
    ),
    "claim edited": (
        edit_claim,
        TOLL
        | {"event.page", "doc_a.page", "doc_b.page", "official.page", "outlet_a.page"}
        | {"claims", "claims.page", "attributions", "event"},
        {"denial", "group.page", "doc_a", "official", "events", "figures", "documents"},
    ),
    "claim unpublished": (
        unpublish,
        TOLL
        | EVENT
        | {"doc_a.page", "doc_b.page", "official.page", "outlet_a.page"}
        | {"claims", "claims.page", "attributions", "figures"},
        {"denial", "group.page", "doc_a", "official", "documents", "actors", "outlets"},
    ),
    "draft published": (
        publish_draft,
        {"event", "event.page", "doc_a.page", "outlet_a.page"}
        | {"claims", "claims.page", "attributions"},
        {"toll", "toll.page", "denial", "doc_b.page", "official.page", "documents"},
    ),
    "document edited": (
        edit_document,
        {"doc_a", "doc_a.page", "toll", "toll.page", "toll.stances", "event.figures"}
        | {"outlet_a.page", "documents", "attributions", "claims.expanded"},
        {"doc_b.page", "denial", "claims", "events", "actors", "outlet_b.page"},
    ),
    "actor edited": (
        edit_actor,
        {"official", "official.page", "toll", "toll.page", "event.figures", "event.page"}
        | {"actors", "attributions", "outlet_b.page", "claims.expanded"},
        {"group.page", "denial", "doc_a.page", "claims", "documents", "outlets", "events"},
    ),
    "outlet edited": (
        edit_outlet,
        {"outlet_b", "outlet_b.page", "doc_b.page", "toll", "toll.page", "denial"}
        | {"outlets", "documents", "attributions", "event.figures"},
        {"outlet_a.page", "doc_a.page", "doc_a", "claims", "events", "actors"},
    ),
    "event edited": (
        edit_event,
        EVENT
        | {"toll", "toll.page", "denial", "claims", "claims.page", "events", "events.page"}
        | {"figures"},
        {"doc_a.page", "official.page", "documents", "actors", "attributions"},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_change_moves_exactly_the_responses_that_show_it(anon, world, other, case):
    moves_exactly_the_responses_that_show_it(anon, world, other, case)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", list(CASES))
def test_a_committed_change_moves_exactly_the_responses_that_show_it(anon, world, other, case):
    """The same with every write committed, as on a live site: the stamps kept per committed
    state of the database (api.committed) serve the reads before the change and the repeated
    reads, and none of them outlives the change."""
    assert committed.state("default") is not None  # the stamps are kept, not recomputed
    moves_exactly_the_responses_that_show_it(anon, world, other, case)


def moves_exactly_the_responses_that_show_it(anon, world, other, case):
    change, affected, unaffected = CASES[case]
    addresses = urls(world, other)
    before = snapshot(anon, addresses)
    assert all(status == 200 for status, _, _ in before.values()), before
    assert all(etag for _, etag, _ in before.values())
    again = snapshot(anon, addresses)  # served from the cache: the same ETags and bodies
    assert again == before
    change(world)
    if Attribution.objects.exclude(review="approved").exists() or (
        Figure.objects.exclude(review="approved").exists()
    ):
        # Evidence on a published claim waits for review: no public body changes before it.
        assert bodies(snapshot(anon, addresses)) == bodies(before)
        approve_pending()
    after = snapshot(anon, addresses)
    moved = changed(before, after)
    assert affected - moved == set()
    assert moved & (unaffected | UNRELATED) == set()
    # The cached bodies are the new ones, not the old: a fresh render gives the same.
    caches["conditional"].clear()
    assert snapshot(anon, addresses) == after


def test_the_cached_body_is_the_changed_one(anon, world):
    url = f"{API}claims/{world['toll'].pk}/"
    assert "Report A" in anon.get(url).content.decode()
    edit_document(world)
    body = anon.get(url).content.decode()
    assert "Report A, corrected" in body


# --- 304 without rendering; the cache serves without rendering ---------------------------------


def no_rendering(monkeypatch):
    """From here on, any serializer or template rendering of these views fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("rendered")

    monkeypatch.setattr(ClaimDetailSerializer, "to_representation", refuse)
    monkeypatch.setattr(ClaimSerializer, "to_representation", refuse)
    monkeypatch.setattr("claims.views.pages.render", refuse)
    monkeypatch.setattr("claims.views.sources.render", refuse)


# The queries of each version, and nothing else: a 304 runs no list or detail query.
ETAG_QUERIES = {
    # The claim's row with its event's version: everything else it shows raises its versions.
    "claim": ("claims/{toll}/", 1),
    # The count, the page's ids, one aggregate over the page's rows: by index, however long the
    # filtered list (an aggregate over all of it cost 180 ms for 400,000 attributions).
    "claims": ("claims/", 3),
    "attributions": ("attributions/", 2),  # a cursor page counts nothing
    "claim page": ("/claims/{toll_slug}/", 1),
    # As the API's list: the count, the page's ids, one aggregate over the page's rows.
    "claim list page": ("/claims/", 3),
    "event": ("events/{event}/", 3),  # the event; its claims; its figures
    "document page": ("/documents/{doc_a}/", 3),
}


def _address(template: str, world) -> str:
    url = template.format(
        toll=world["toll"].pk,
        toll_slug=world["toll"].slug,
        event=world["event"].pk,
        doc_a=world["doc_a"].pk,
    )
    return url if url.startswith("/") else API + url


@pytest.mark.parametrize("name", list(ETAG_QUERIES))
def test_if_none_match_is_304_without_rendering(
    anon,
    world,
    monkeypatch,
    django_assert_num_queries,
    name,
):
    template, queries = ETAG_QUERIES[name]
    url = _address(template, world)
    first = anon.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    no_rendering(monkeypatch)
    caches["conditional"].clear()  # not answered from the cache either
    with django_assert_num_queries(queries):
        response = anon.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert "public" in response["Cache-Control"]
    # A list of ETags, or the weak form, matches too.
    assert (
        anon.get(url, HTTP_IF_NONE_MATCH=f'"other", W/{etag.removeprefix("W/")}').status_code == 304
    )


@pytest.mark.parametrize("name", list(ETAG_QUERIES))
def test_a_cached_body_is_served_without_rendering(
    anon,
    world,
    monkeypatch,
    django_assert_num_queries,
    name,
):
    template, queries = ETAG_QUERIES[name]
    url = _address(template, world)
    first = anon.get(url)
    no_rendering(monkeypatch)
    with django_assert_num_queries(queries):
        second = anon.get(url)
    assert second.status_code == 200
    assert second["ETag"] == first["ETag"]
    assert NONCE.sub("", second.content.decode()) == NONCE.sub("", first.content.decode())
    assert second["Content-Type"] == first["Content-Type"]


def test_a_cached_page_gets_its_own_csp_nonce(anon, world):
    url = f"/claims/{world['toll'].slug}/"
    nonces = []
    for _ in range(2):
        response = anon.get(url)
        header = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        assert f'nonce="{header}"' in response.content.decode()
        nonces.append(header)
    assert nonces[0] != nonces[1]


# --- Headers ------------------------------------------------------------------------------------


def test_public_and_private_cache_control_and_vary(anon, editor, world):
    url = f"{API}claims/{world['toll'].pk}/"
    public = anon.get(url)
    assert public["Cache-Control"] == "public, max-age=30, must-revalidate"
    vary = {v.strip() for v in public["Vary"].split(",")}
    assert {"Accept", "Cookie", "Authorization"} <= vary
    private = token_client(editor).get(url)
    assert private["Cache-Control"] == "private, no-cache"
    assert private["ETag"] != public["ETag"]
    page = anon.get(f"/claims/{world['toll'].slug}/")
    assert page["Cache-Control"] == "public, max-age=30, must-revalidate"
    assert page["ETag"].startswith('W/"')


def test_max_age_is_a_setting(anon, world, settings):
    settings.PUBLIC_MAX_AGE = 5
    assert anon.get(f"{API}claims/")["Cache-Control"] == "public, max-age=5, must-revalidate"


# --- No cache poisoning -------------------------------------------------------------------------


def test_staff_never_get_the_public_body_nor_give_theirs(anon, editor, world):
    draft_text = world["draft"].text
    public = anon.get(f"{API}claims/")
    assert draft_text not in public.content.decode()
    staff = token_client(editor)
    seen = staff.get(f"{API}claims/")
    assert draft_text in seen.content.decode()
    assert staff.get(f"{API}claims/", HTTP_IF_NONE_MATCH=public["ETag"]).status_code == 200
    # The staff body was not cached for the public, nor the public one served to staff.
    assert draft_text not in anon.get(f"{API}claims/").content.decode()
    assert draft_text in staff.get(f"{API}claims/").content.decode()
    assert anon.get(f"{API}claims/{world['draft'].pk}/").status_code == 404
    assert staff.get(f"{API}claims/{world['draft'].pk}/").status_code == 200


def test_no_poisoning_across_formats_and_queries(anon, world):
    detail = f"{API}claims/{world['toll'].pk}/"
    responses = {
        "json": anon.get(detail),
        "turtle": anon.get(detail, HTTP_ACCEPT="text/turtle"),
        "jsonld": anon.get(detail + "?format=jsonld"),
        "page 1": anon.get(f"{API}claims/?page_size=1"),
        "page 2": anon.get(f"{API}claims/?page_size=2"),
    }
    etags = {name: r["ETag"] for name, r in responses.items()}
    assert len(set(etags.values())) == len(etags)
    # Again, from the cache: each keeps its own media type and body.
    for name, first in responses.items():
        request = {
            "json": lambda: anon.get(detail),
            "turtle": lambda: anon.get(detail, HTTP_ACCEPT="text/turtle"),
            "jsonld": lambda: anon.get(detail + "?format=jsonld"),
            "page 1": lambda: anon.get(f"{API}claims/?page_size=1"),
            "page 2": lambda: anon.get(f"{API}claims/?page_size=2"),
        }[name]
        again = request()
        assert again["Content-Type"] == first["Content-Type"], name
        assert again.content == first.content, name
    assert responses["turtle"]["Content-Type"].startswith("text/turtle")
    assert len(responses["page 1"].json()["results"]) == 1


def test_csv_lists_revalidate_but_are_not_cached(anon, world):
    first = anon.get(f"{API}claims/?format=csv")
    assert first.status_code == 200
    assert first.streaming
    etag = first["ETag"]
    assert anon.get(f"{API}claims/?format=csv", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert anon.get(f"{API}claims/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_bad_query_is_still_a_400(anon, world):
    assert anon.get(f"{API}claims/?page_size=0").status_code == 400
    assert anon.get(f"{API}claims/?expand=nothing").status_code == 400
    assert anon.get(f"{API}claims/99999999999999999999/").status_code == 404
    assert anon.get("/documents/99999999999999999999/").status_code == 404


def test_the_read_etag_is_accepted_in_if_match(editor, world):
    client = token_client(editor)
    url = f"{API}events/{world['event'].pk}/"
    etag = client.get(url)["ETag"]
    assert etag.startswith(f'"{world["event"].version}-')
    response = client.patch(url, {"place": "Kabul"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert client.patch(url, {"place": "x"}, format="json", HTTP_IF_MATCH=etag).status_code == 412


def test_a_stamp_moves_when_rows_enter_leave_or_change(world):
    rows = Claim.objects.published()
    before = conditional.stamp(rows)
    Claim.objects.get(pk=world["toll"].pk).save()
    changed_row = conditional.stamp(rows)
    assert changed_row != before
    publish_draft(world)
    assert conditional.stamp(rows) != changed_row
    # The same count and sum of ids with other rows still changes the checksum.
    a, b, c, d = (factories.EventFactory() for _ in range(4))
    assert a.pk + d.pk == b.pk + c.pk
    assert conditional.stamp(Event.objects.filter(pk__in=[a.pk, d.pk]), sums=()) != (
        conditional.stamp(Event.objects.filter(pk__in=[b.pk, c.pk]), sums=())
    )


def test_anonymous_api_client_sees_no_signed_in_body(world):
    """A browser session (cookie) is a signed-in reader: private, its own ETag."""
    user = factories.UserFactory(is_staff=True, is_superuser=True)
    client = APIClient()
    client.force_login(user)
    page = client.get(f"/claims/{world['draft'].slug}/")
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-cache"
    assert APIClient().get(f"/claims/{world['draft'].slug}/").status_code == 404


def test_two_signed_in_readers_never_share_an_etag(editor, world):
    other_editor = factories.UserFactory(username="second", is_staff=True)
    other_editor.user_permissions.set(editor.user_permissions.all())
    url = f"{API}claims/{world['toll'].pk}/"
    mine, theirs = token_client(editor).get(url), token_client(other_editor).get(url)
    assert mine.json() == theirs.json()
    assert mine["ETag"] != theirs["ETag"]
    assert token_client(other_editor).get(url, HTTP_IF_NONE_MATCH=mine["ETag"]).status_code == 200


def test_head_revalidates_too(anon, world):
    url = f"{API}claims/{world['toll'].pk}/"
    etag = anon.get(url)["ETag"]
    assert anon.head(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert anon.head(url)["ETag"] == etag


def test_bodies_are_shared_through_redis_when_configured(anon, world, settings, monkeypatch):
    """With CACHE_URL set, the conditional cache is Redis under its own key prefix: a body one
    worker rendered is served by another without rendering."""
    settings.CACHES = {
        **settings.CACHES,
        "conditional": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": f"test-etag-{uuid.uuid4().hex}",
        },
    }
    # Never clear() it: that would flush the shared Redis database. The prefix is this test's.
    url = f"{API}claims/{world['toll'].pk}/"
    first = anon.get(url)
    key = conditional.cache_key(first["ETag"])
    try:
        no_rendering(monkeypatch)
        again = anon.get(url)
        assert again.content == first.content
        assert caches["conditional"].get(key) is not None
    finally:
        caches["conditional"].delete(key)


# --- What a claim's detail shows without holding it (claims.versions.shown_changed) ------------


def _detail_etags(client, claim) -> tuple:
    return tuple(
        client.get(url)["ETag"] for url in (f"{API}claims/{claim.pk}/", f"/claims/{claim.slug}/")
    )


def test_a_related_claim_edited_or_withdrawn_moves_the_claims_related_to_it(anon, world, other):
    toll, denial = world["toll"], world["denial_claim"]
    services.save_relation(
        relation=ClaimRelation(claim=toll, kind=ClaimRelation.Kind.CONTRADICTS, target=denial)
    )
    before = _detail_etags(anon, toll)
    untouched = _detail_etags(anon, other["claim"])
    claim = Claim.objects.get(pk=denial.pk)
    claim.text = "The group denied carrying out the bombing"
    save_plainly(claim)
    edited = _detail_etags(anon, toll)
    assert set(edited).isdisjoint(before)
    assert "denied carrying out" in anon.get(f"{API}claims/{toll.pk}/").content.decode()
    reviewer = factories.UserFactory(is_superuser=True, is_staff=True)
    services.unpublish(claim=Claim.objects.get(pk=denial.pk), by=reviewer, reason="Recheck")
    withdrawn = _detail_etags(anon, toll)
    assert set(withdrawn).isdisjoint(edited)
    assert "denied carrying out" not in anon.get(f"{API}claims/{toll.pk}/").content.decode()
    assert _detail_etags(anon, other["claim"]) == untouched


def test_a_renamed_tag_moves_the_claims_tagged_with_it(anon, world, other):
    toll = world["toll"]
    before = _detail_etags(anon, toll)
    untouched = _detail_etags(anon, other["claim"])
    tag = Tag.objects.get(slug="casualties")
    tag.name, tag.slug = "Casualty figures", "casualty-figures"
    save_plainly(tag)
    assert set(_detail_etags(anon, toll)).isdisjoint(before)
    assert "casualty-figures" in anon.get(f"{API}claims/{toll.pk}/").content.decode()
    assert _detail_etags(anon, other["claim"]) == untouched


def test_a_bulk_loader_that_saves_records_directly_moves_every_claim(anon, world, other):
    before = _detail_etags(anon, world["toll"]) + _detail_etags(anon, other["claim"])
    with feed.deferred(rebuild_after=True):
        Outlet.objects.filter(pk=world["outlet_b"].pk).update(name="Renamed in bulk")
    after = _detail_etags(anon, world["toll"]) + _detail_etags(anon, other["claim"])
    assert set(after).isdisjoint(before)


def test_the_event_figures_are_rendered_once_per_version_and_page(anon, world, monkeypatch):
    """The event page's figures section (claims.views.pages._figures_section) is kept per
    version of the figures, page and visibility: another request renders none of it, a write to
    a figure renders it again, with the new value."""
    from claims import comparison

    rendered = []
    compare = comparison.compare_figures
    monkeypatch.setattr(
        comparison, "compare_figures", lambda *a, **k: rendered.append(1) or compare(*a, **k)
    )
    url = f"/events/{world['event'].slug}/"
    first = anon.get(url).content.decode()
    assert len(rendered) == 1 and "Reported figures compared" in first
    caches["conditional"].clear()  # the whole page is not answered from its own cache
    for address in (url, f"{url}?figures=abc", f"{url}?figures=1", f"{url}?figures=99"):
        body = anon.get(address).content.decode()
        assert NONCE.sub("", body).count("Reported figures compared") == 1
    assert len(rendered) == 1  # every one of these shows page 1 of the same figures
    edit_figure(world)
    approve_pending()
    after = anon.get(url).content.decode()
    assert len(rendered) == 2
    assert "47" in after and after != first


def test_a_reader_who_sees_drafts_never_gets_the_public_figures_section(anon, editor, world):
    url = f"/events/{world['event'].slug}/"
    anon.get(url)
    reviewer_client = APIClient()
    reviewer_client.force_login(editor)
    add_figure(world)  # on a published claim: a proposal the public does not see yet
    public = anon.get(url).content.decode()
    staff = reviewer_client.get(url).content.decode()
    assert "Around 100" not in public  # the section the public was shown first, still right
    assert "Around 100" in staff  # theirs is their own: pending rows are marked for them


def figures_etag_and_body(client, event) -> tuple[str, str]:
    response = client.get(f"{API}events/{event.pk}/figures/")
    assert response.status_code == 200
    return response["ETag"], response.content.decode()


def figure_ids(body: str) -> set[int]:
    return {f["id"] for group in json.loads(body)["groups"] for f in group["figures"]}


def test_a_figure_moved_to_another_event_moves_both_comparisons(anon, world, other):
    """The event's figure stamp reads the figures alone (claims.versions._event_figures): a
    figure that leaves the event leaves its rows, one that arrives joins the other's."""
    reviewer = factories.UserFactory(is_superuser=True, is_staff=True)
    services.unpublish(claim=Claim.objects.get(pk=world["toll"].pk), by=reviewer, reason="Fix")
    services.submit_for_review(claim=Claim.objects.get(pk=world["toll"].pk), by=reviewer)
    services.publish(claim=Claim.objects.get(pk=world["toll"].pk), by=reviewer)
    before = figures_etag_and_body(anon, world["event"])
    before_other = figures_etag_and_body(anon, other["event"])
    services.unpublish(claim=Claim.objects.get(pk=world["toll"].pk), by=reviewer, reason="Move")
    figure = Figure.objects.get(pk=world["fig_quoted"].pk)
    figure.event = other["event"]
    services.save_figure(figure=figure)
    services.submit_for_review(claim=Claim.objects.get(pk=world["toll"].pk), by=reviewer)
    services.publish(claim=Claim.objects.get(pk=world["toll"].pk), by=reviewer)
    after = figures_etag_and_body(anon, world["event"])
    after_other = figures_etag_and_body(anon, other["event"])
    assert after[0] != before[0] and after_other[0] != before_other[0]
    assert figure.pk in figure_ids(before[1]) - figure_ids(after[1])
    assert figure.pk in figure_ids(after_other[1]) - figure_ids(before_other[1])
    caches["conditional"].clear()
    assert figures_etag_and_body(anon, world["event"]) == after


@pytest.mark.parametrize(
    "change",
    [
        "speaker renamed",
        "attribution voice edited",
        "attribution deletion approved",
        "claim unpublished",
    ],
)
def test_what_a_figure_shows_outside_its_row_moves_its_events_comparison(anon, world, change):
    """Each change the figure comparison shows without a write to the figure's own row raises
    the figure's `shown_version` (claims.versions.figures_changed): the ETag moves and the
    fresh body is the one served."""
    figure = Figure.objects.get(pk=world["fig_quoted"].pk)
    before = figures_etag_and_body(anon, world["event"])
    if change == "speaker renamed":
        edit_actor(world)
    elif change == "attribution voice edited":
        attribution = Attribution.objects.get(pk=world["quoted"].pk)
        attribution.voice = Attribution.Voice.PARAPHRASED
        services.save_attribution(attribution=attribution)
        approve_pending()
    elif change == "attribution deletion approved":
        delete_attribution(world)
        approve_pending()
    else:
        unpublish(world)
    after = figures_etag_and_body(anon, world["event"])
    assert after[0] != before[0]
    assert after[1] != before[1]
    assert Figure.objects.filter(pk=figure.pk, version=figure.version).exists() or (
        change == "attribution deletion approved"
    )  # the figure's own row did not change: only what it shows did
    caches["conditional"].clear()
    assert figures_etag_and_body(anon, world["event"]) == after


def test_a_figure_proposal_moves_the_staff_comparison_and_keeps_its_shown_version(editor, world):
    """A proposed edit is a pending copy: the staff's comparison moves with it; approving it
    copies the content onto the live row but never the copy's read bookkeeping."""
    staff = APIClient()
    staff.force_login(editor)
    before = figures_etag_and_body(staff, world["event"])
    edit_figure(world)  # on a published claim: a pending copy
    during = figures_etag_and_body(staff, world["event"])
    assert during[0] != before[0]
    live = Figure.objects.get(pk=world["fig_own"].pk)
    Figure.objects.filter(replaces_id=live.pk).update(shown_version=0)
    approve_pending()
    approved = Figure.objects.get(pk=live.pk)
    assert approved.value == 47
    assert approved.shown_version > live.shown_version  # raised, never copied back to 0
    assert "shown_version" not in {
        f.name for f in Figure.history.model._meta.get_fields()
    }  # bookkeeping, not content: never in history
