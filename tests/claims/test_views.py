"""Public claim and event pages: content, escaping, drafts, filters, search, and query counts that
do not grow with the number of rows shown."""

from datetime import date

import pytest
from django.db import connection

from claims.models import Attribution, Claim
from tests.api_helpers import grant
from tests.factories import (
    ActorAliasFactory,
    ActorFactory,
    AttributionFactory,
    ClaimFactory,
    DocumentFactory,
    EventFactory,
    FigureFactory,
    OutletFactory,
    TagFactory,
    UserFactory,
)
from tests.site_data import build_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return build_site()


@pytest.fixture
def staff_client(client):
    # Drafts are for users with the view-claim permission (claims.visibility), not for staff as such.
    user = grant(UserFactory(is_staff=True), "view_claim")
    client.force_login(user)
    return client


# --- content -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/claims/", "/events/", "/about/", "/search/", "/search/?q=Taliban"]
)
def test_fixed_pages_render(client, site, path):
    response = client.get(path)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="/about/"' in body  # the vocabulary is one click away from every page
    assert "<main" in body and "<nav" in body and "<footer" in body


def test_home_lists_contested_claims_first(client, site):
    body = client.get("/").content.decode()
    contested = body.index("Contested claims")
    assert body.index(site.links.text) > contested
    assert body.index(site.toll.text) > contested
    assert body.index(site.kunduz_toll.text) > body.index("Other claims")


def test_claim_page_shows_stance_matrix_with_links_to_quotes(client, site):
    response = client.get(site.links.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert site.links.status_reason in body
    for stance in ("supports", "refutes"):
        assert f'id="col-{stance}"' in body
    # Empty stance columns collapse into one line.
    assert 'id="col-questions"' not in body and 'id="col-neutral"' not in body
    assert "No statement so far: questions, neutral." in body
    quote = site.saleh_quote
    assert f'href="/documents/{quote.document_id}/#a-{quote.pk}"' in body
    assert f'href="/api/v1/claims/{site.links.pk}/"' in body
    assert f'href="/claims/{site.links.pk}/"' in body  # permalink by id


def test_claim_page_found_by_id_as_well_as_slug(client, site):
    assert client.get(f"/claims/{site.toll.pk}/").status_code == 200
    assert client.get("/claims/no-such-claim/").status_code == 404
    assert client.get("/claims/99999999999999999999999/").status_code == 404


def test_attributions_sharing_an_origin_are_grouped(client, site):
    # A second outlet repeats the US figure, relayed via RFE/RL: same origin, one piece of evidence.
    copy = DocumentFactory(
        text="Officials said the attack killed some 170 Afghans and 13 American soldiers, RFE/RL reported."
    )
    AttributionFactory(
        claim=site.toll,
        document=copy,
        voice=Attribution.Voice.UNNAMED,
        stance=Attribution.Stance.SUPPORTS,
        via=site.rferl,
        quote="killed some 170 Afghans and 13 American soldiers",
    )
    body = client.get(site.toll.get_absolute_url()).content.decode()
    assert "Radio Free Europe/Radio Liberty</strong> — 2 reports, one origin" in body


def test_kabul_event_page_charts_the_diverging_figures(client, site):
    response = client.get(site.kabul.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and 'class="bar diverging"' in body
    assert "≠ diverges" in body
    assert "around 100 people" in body and "some 170 Afghans" in body
    assert 'class="arrow"' in body  # the roll-up total has no upper bound
    assert f'href="/api/v1/events/{site.kabul.pk}/figures/"' in body
    assert "Timeline of figures" in body
    assert "style=" not in body and "<script" not in body


def test_kabul_event_page_marks_only_the_figures_that_diverge_and_what_they_diverge_from(
    client, site
):
    body = client.get(site.kabul.get_absolute_url()).content.decode()
    rows = body.split('<li class="chart-row ')[1:]
    marked = [r.split("</p>")[0] for r in rows if r.startswith("bar diverging")]
    assert len(rows) == 4 and len(marked) == 2
    around, total = marked
    assert "around 100 people" in around and "from “some 170 Afghans + 13 American" in around
    assert "Total from parts" in total and "from “around 100 people”" in total
    unmarked = [r for r in rows if not r.startswith("bar diverging")]
    assert any("13 American soldiers" in r for r in unmarked)
    assert "Number killed (people)" in body and 'class="chart-legend"' in body


def test_kunduz_event_page_shows_open_ended_figures_without_divergence(client, site):
    body = client.get(site.kunduz.get_absolute_url()).content.decode()
    assert "at least 46 people" in body and "more than 140" in body
    assert 'class="bar diverging"' not in body
    assert body.count('class="arrow"') == 2


def test_event_page_by_id(client, site):
    assert client.get(f"/events/{site.kabul.pk}/").status_code == 200


def test_hot_event_page_pages_its_figures_but_finds_divergences_among_all(
    client, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr("claims.comparison.FIGURES_PER_PAGE", 3)
    monkeypatch.setattr("claims.views.pages.EVENT_CLAIMS_SHOWN", 2)
    event = EventFactory()
    claims = ClaimFactory.create_batch(3, event=event)
    # Seven exact figures 10, 20, ... 70 from seven attributions: every pair diverges (21 pairs).
    for i in range(7):
        FigureFactory(
            attribution__claim=claims[i % 3], event=event, qualifier="exact", value=10 * (i + 1)
        )
    # +3: the ETag (claims.versions.event): the event, its claims, its figures
    with django_assert_num_queries(8):
        body = client.get(event.get_absolute_url()).content.decode()
    assert "Figures 1–3 of 7" in body and 'href="?figures=2"' in body
    assert body.count('<tr class="diverging') == 3
    assert "and 1 more diverging pair" in body  # 21 pairs, the 20 widest apart listed
    assert f'href="/claims/?event={event.pk}"' in body  # 3 claims, 2 listed
    body = client.get(event.get_absolute_url() + "?figures=3").content.decode()
    assert "Figures 7–7 of 7" in body and 'href="?figures=2"' in body
    # An impossible page number shows the last page instead of failing.
    assert client.get(event.get_absolute_url() + "?figures=x").status_code == 200
    assert client.get(event.get_absolute_url() + "?figures=99").status_code == 200


# --- escaping ----------------------------------------------------------------------------------


def test_script_in_claim_and_quote_is_shown_as_text(client):
    document = DocumentFactory(text="He wrote <script>alert('quote')</script> on the wall.")
    claim = ClaimFactory(text="<script>alert('claim')</script> is a claim", slug="script-claim")
    speaker = ActorFactory(name="<script>alert('actor')</script>", slug="script-actor")
    AttributionFactory(
        claim=claim,
        document=document,
        speaker=speaker,
        voice=Attribution.Voice.QUOTED,
        quote="<script>alert('quote')</script>",
    )
    pages = [
        "/",
        "/claims/",
        claim.get_absolute_url(),
        claim.event.get_absolute_url(),
        document.get_absolute_url(),
        speaker.get_absolute_url(),
        document.outlet.get_absolute_url(),
        "/search/?q=alert",
        "/search/?q=<script>",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.content.decode()
        assert "<script>alert" not in body, path
    assert "&lt;script&gt;alert(&#x27;claim&#x27;)" in client.get(claim.get_absolute_url()).text
    assert "&lt;script&gt;alert(&#x27;quote&#x27;)" in client.get(document.get_absolute_url()).text


# --- publication -------------------------------------------------------------------------------


def test_unpublished_claim_is_404_for_anonymous_visitors(client, site):
    assert client.get(site.draft.get_absolute_url()).status_code == 404
    assert client.get(f"/claims/{site.draft.pk}/").status_code == 404
    assert site.draft.text not in client.get("/claims/").content.decode()
    assert site.draft.text not in client.get(site.kunduz.get_absolute_url()).content.decode()
    assert "vest bomb" not in client.get("/search/?q=vest").content.decode().split("Quotes")[1]


def test_unpublished_claim_shows_draft_banner_to_staff(staff_client, site):
    response = staff_client.get(site.draft.get_absolute_url())
    assert response.status_code == 200
    assert 'class="draft-banner"' in response.content.decode()
    published = staff_client.get(site.links.get_absolute_url()).content.decode()
    assert 'class="draft-banner"' not in published


def test_event_with_only_draft_claims_is_hidden_from_the_public(client):
    event = EventFactory()
    ClaimFactory(event=event, publication=Claim.Publication.DRAFT)
    assert client.get(event.get_absolute_url()).status_code == 404


# --- filters -----------------------------------------------------------------------------------


def test_claim_list_filters_by_status(client, site):
    body = client.get("/claims/?status=contested").content.decode()
    assert site.links.text in body and site.toll.text in body
    assert site.kunduz_toll.text not in body


def test_claim_list_filters_by_speaker_alias_and_stance(client, site):
    ActorAliasFactory(actor=site.taliban, name="Talibs")
    body = client.get("/claims/?speaker=Talibs&stance=refutes").content.decode()
    assert site.links.text in body
    assert site.toll.text not in body
    assert site.links.text not in client.get("/claims/?speaker=Talibs&stance=supports").text


def test_claim_list_filters_by_outlet_event_and_date(client, site):
    assert site.toll.text in client.get("/claims/?outlet=rferl").text
    assert site.links.text not in client.get("/claims/?outlet=rferl").text
    by_event = client.get(f"/claims/?event={site.kunduz.slug}").text
    assert site.kunduz_toll.text in by_event and site.toll.text not in by_event
    in_2023 = client.get("/claims/?date_after=2023-01-01&date_before=2023-12-31").text
    assert site.toll.text in in_2023 and site.links.text not in in_2023


@pytest.mark.parametrize(
    "query",
    [
        "date_after=not-a-date",
        "date_after=2024-01-01&date_before=2023-01-01",
        "status=bogus",
        "page=x",
    ],
)
def test_bad_filters_answer_200_with_a_message_not_500(client, site, query):
    response = client.get(f"/claims/?{query}")
    assert response.status_code == 200


def test_claim_list_is_paginated_and_keeps_filters_in_links(client):
    ClaimFactory.create_batch(30, status=Claim.Status.UNSUPPORTED)
    body = client.get("/claims/?status=unsupported").content.decode()
    assert "Page 1 of 2" in body
    assert 'href="?status=unsupported&amp;page=2"' in body


def test_event_list_filters_by_date(client, site):
    body = client.get("/events/?date_after=2021-09-01").content.decode()
    assert site.kunduz.name in body and site.kabul.name not in body


# --- search (SQLite path in the normal suite) ----------------------------------------------------


def test_search_finds_actor_by_alias_with_the_match_highlighted(client, site):
    body = client.get("/search/?q=ISKP").content.decode()
    assert f'href="{site.isk.get_absolute_url()}"' in body
    assert "<mark>ISKP</mark>" in body


def test_search_finds_claims_quotes_and_documents(client, site):
    body = client.get("/search/?q=Haqqani").content.decode()
    assert site.links.get_absolute_url() in body
    assert f"/documents/{site.saleh_quote.document_id}/#a-{site.saleh_quote.pk}" in body
    assert "<mark>Haqqani</mark>" in body


@pytest.mark.postgres
def test_postgres_search_finds_isk_by_alias_and_saleh_misspelled(client, site):
    body = client.get("/search/?q=ISKP").content.decode()
    assert f'href="{site.isk.get_absolute_url()}"' in body
    body = client.get("/search/?q=Amrulah Saleh").content.decode()
    assert f'href="{site.saleh.get_absolute_url()}"' in body
    assert "spelled similarly" in body
    body = client.get("/search/?q=killed").content.decode()  # stemmed: "killed" matches "kill"
    assert site.toll.get_absolute_url() in body


@pytest.mark.postgres
def test_postgres_search_vectors_follow_every_edit(client):
    """Documents and quotes are matched on stored, generated vectors: an edit must show at once."""
    document = DocumentFactory(title="Bamyan report", text="A convoy reached the valley at dawn.")
    attribution = AttributionFactory(document=document, quote="A convoy reached the valley")
    assert document.get_absolute_url() in client.get("/search/?q=Bamyan").content.decode()
    document.title = "Ghazni report"
    document.save()
    assert document.get_absolute_url() not in client.get("/search/?q=Bamyan").content.decode()
    assert document.get_absolute_url() in client.get("/search/?q=Ghazni").content.decode()
    assert f"#a-{attribution.pk}" not in client.get("/search/?q=dawn").content.decode()
    attribution.quote = "the valley at dawn"
    attribution.save()
    assert f"#a-{attribution.pk}" in client.get("/search/?q=dawn").content.decode()


# --- query counts --------------------------------------------------------------------------------


def _claims_with_attributions(n: int):
    event = EventFactory()
    for i in range(n):
        claim = ClaimFactory(event=event, status=Claim.Status.CONTESTED if i % 2 else "reported")
        FigureFactory(attribution__claim=claim, value=10 + i)
    return event


@pytest.mark.parametrize("rows", [2, 10])
def test_home_query_count_is_constant(client, django_assert_num_queries, rows):
    _claims_with_attributions(rows)
    DocumentFactory.create_batch(rows)
    # contested claims, other claims, events, documents
    # +3: the ETag (claims.versions.home): claims, events, documents
    with django_assert_num_queries(7):
        assert client.get("/").status_code == 200


@pytest.mark.parametrize("rows", [2, 10])
def test_claim_list_query_count_is_constant(client, django_assert_num_queries, rows):
    _claims_with_attributions(rows)
    # count, page of claims with their event
    # +2: the ETag's, over the page shown: its claims' ids and their aggregate
    with django_assert_num_queries(4):
        assert client.get("/claims/?status=reported&stance=supports").status_code == 200
    with django_assert_num_queries(4):
        assert client.get("/claims/").status_code == 200


@pytest.mark.parametrize("rows", [2, 10])
def test_claim_page_query_count_is_constant(client, django_assert_num_queries, rows):
    claim = ClaimFactory()
    speakers = ActorFactory.create_batch(rows)
    for i, speaker in enumerate(speakers):
        a = AttributionFactory(
            claim=claim,
            speaker=speaker,
            voice=Attribution.Voice.QUOTED,
            stance=[Attribution.Stance.SUPPORTS, Attribution.Stance.REFUTES][i % 2],
        )
        FigureFactory(attribution=a)
    # claim with event, tags, attributions with speaker/via/document/outlet, their figures,
    # document origins (one level: no copies), the claim's relations with the other claims; then
    # the figures compared: their intervals, the figures with their joins, and those
    # attributions' origins
    # +1: the ETag (claims.versions.claim): the claim's row with its event's version
    with django_assert_num_queries(10):
        assert client.get(claim.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("rows", [2, 10])
def test_event_page_query_count_is_constant(client, django_assert_num_queries, rows):
    event = _claims_with_attributions(rows)
    # event, its visible claims, every figure's interval (narrow), the page of figures with
    # attribution/claim/speaker/via/document/outlet, document origins
    # +3: the ETag (claims.versions.event): the event, its claims, its figures
    with django_assert_num_queries(8):
        assert client.get(event.get_absolute_url()).status_code == 200


def _filterable_claims(n: int) -> str:
    """n claims that every claim-list filter below matches; returns the query string."""
    event = EventFactory()
    tag = TagFactory(name="casualties")
    speaker = ActorFactory(name="Taliban spokesman")
    document = DocumentFactory(outlet=OutletFactory(slug="tolo"), published=date(2021, 8, 27))
    for i in range(n):
        claim = ClaimFactory(event=event, text=f"{i} people were killed", verdict="false")
        claim.tags.add(tag)
        AttributionFactory(claim=claim, document=document, speaker=speaker, voice="quoted")
    return (
        "q=killed&status=reported&status=attributed&status=corroborated&status=contested"
        f"&status=unsupported&event={event.pk}&speaker=Taliban&outlet=tolo&stance=supports"
        "&voice=quoted&date_after=2021-01-01&date_before=2021-12-31&tag=casualties"
        "&publication=published&verdict=false"
    )


@pytest.mark.parametrize("rows", [2, 10])
def test_claim_list_with_every_filter_costs_a_constant_number_of_queries(
    client, django_assert_num_queries, rows
):
    query = _filterable_claims(rows)
    # the actors q names, the ids of the speaker and the outlet named (claims.filters), count,
    # page of claims with their event: every filter is a condition or sub-query of both
    # +2: the ETag's, over the page shown: its claims' ids and their aggregate (the FilterSet
    # is built once, the page read once: claims.views.pages._claim_page)
    # +1 on PostgreSQL: "killed" names no actor, so actors spelled like it are looked for
    # (claims.search.matching_actors: a second query, each served by its indexes)
    with django_assert_num_queries(7 + (connection.vendor == "postgresql")):
        response = client.get(f"/claims/?{query}")
    assert response.context["page"].paginator.count == rows


@pytest.mark.parametrize("rows", [2, 10])
def test_event_list_with_claim_filters_costs_a_constant_number_of_queries(
    client, django_assert_num_queries, rows
):
    query = _filterable_claims(rows).split("&event=")[0] + "&speaker=Taliban&voice=quoted"
    # the ids of the speaker named (claims.filters), count, page of events: the claim filters
    # are one sub-query of both
    # +1: the ETag's aggregate over the filtered events
    with django_assert_num_queries(4):
        response = client.get(f"/events/?{query.replace('q=killed', 'q=')}")
    assert response.context["page"].paginator.count == 1


@pytest.mark.parametrize("rows", [2, 10])
def test_event_list_query_count_is_constant(client, django_assert_num_queries, rows):
    for _ in range(rows):
        ClaimFactory()
    # count, page of events
    # +1: the ETag's aggregate over the filtered events
    with django_assert_num_queries(3):
        assert client.get("/events/?date_after=2000-01-01").status_code == 200


@pytest.mark.parametrize("rows", [2, 10])
def test_search_query_count_is_constant(client, django_assert_num_queries, rows):
    for i in range(rows):
        actor = ActorFactory(name=f"Bomb unit {i}")
        ActorAliasFactory(actor=actor, name=f"BG{i}")
        AttributionFactory(
            claim__text=f"The bombing {i} was claimed", speaker=actor, voice="quoted"
        )
    # the actors the query names (with their aliases); the matches found, each read up to its
    # bound with its rank (claims.search._read): quotes (by words or speaker: also the claims
    # they are on), claims by text, claims naming an actor, documents; then the shown claims,
    # quotes (rows, their documents' origins), documents, actors, aliases. SQLite has no rank:
    # one query more per kind orders the first of each (claims, quotes, documents).
    with django_assert_num_queries(11 if connection.vendor == "postgresql" else 14):
        assert client.get("/search/?q=bomb").status_code == 200


def test_about_page_needs_no_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/about/").status_code == 200


def test_staff_pages_add_only_the_session_queries(staff_client, django_assert_num_queries):
    _claims_with_attributions(3)
    # session, user, the user's and their groups' permissions (who sees drafts:
    # claims.visibility), then the 2 list queries
    # +2: the ETag's, over the page shown: its claims' ids and their aggregate
    # (claims.versions.claims)
    with django_assert_num_queries(8):
        assert staff_client.get("/claims/").status_code == 200


def test_dates_render_iso(client, site):
    assert date(2021, 8, 26).isoformat() in client.get(site.kabul.get_absolute_url()).text


def test_event_list_filters_by_speaker_and_status(client, site):
    body = client.get("/events/?speaker=Bakhtar").content.decode()
    assert site.kunduz.name in body and site.kabul.name not in body
    body = client.get("/events/?status=contested").content.decode()
    assert site.kabul.name in body and site.kunduz.name not in body
    body = client.get("/events/?outlet=rferl&stance=supports").content.decode()
    assert site.kabul.name in body and site.kunduz.name not in body


def _embedded_claim_review(body: str) -> dict:
    import json
    import re

    [block] = re.findall(r'<script type="application/ld\+json" nonce="[^"]+">(.*?)</script>', body)
    return json.loads(block)


def test_claim_page_embeds_its_claimreview_with_the_claimant_as_author(client, site):
    import jsonschema

    from tests.claims.test_api import CLAIMREVIEW_SCHEMA

    body = client.get(site.links.get_absolute_url()).content.decode()
    review = _embedded_claim_review(body)
    jsonschema.validate(review, CLAIMREVIEW_SCHEMA)
    assert review["itemReviewed"]["author"] == {"@type": "Person", "name": "Amrullah Saleh"}
    assert "reviewRating" not in review  # no verdict, no rating
    site.links.verdict = Claim.Verdict.MOSTLY_FALSE
    site.links.save()
    review = _embedded_claim_review(client.get(site.links.get_absolute_url()).content.decode())
    assert review["reviewRating"]["alternateName"] == "Mostly false"


def test_cite_this_version_shows_the_claim_as_it_stood(client, site):
    claim = site.links
    first = claim.version
    old_text = claim.text
    body = client.get(claim.get_absolute_url()).content.decode()
    assert f'href="/claims/{claim.slug}/v/{first}/"' in body
    claim.text = "IS-K is linked to the Taliban (revised wording)"
    claim.save()
    old = client.get(f"/claims/{claim.slug}/v/{first}/").content.decode()
    assert old_text in old and "revised wording" not in old
    assert "an earlier version" in old and f"version {first}" in old
    assert "Talibs denying links" in old or "IS-K cells" in old  # its statements at the time
    current = client.get(f"/claims/{claim.slug}/v/{claim.version}/").content.decode()
    assert "revised wording" in current and "the current version" in current


def test_unpublished_versions_cannot_be_cited_anonymously(client, site):
    claim = site.links
    claim.publication = Claim.Publication.DRAFT
    claim.save()
    assert client.get(f"/claims/{claim.slug}/v/{claim.version}/").status_code == 404
    assert client.get(f"/claims/{claim.slug}/v/999/").status_code == 404


def test_an_event_known_to_the_month_shows_its_month_never_date_unknown(client, site):
    site.kabul.date = date(2021, 8, 1)
    site.kabul.date_precision = "month"
    site.kabul.save()
    page = client.get(site.kabul.get_absolute_url()).content.decode()
    listing = client.get("/events/").content.decode()
    for body in (page, listing):
        assert "August 2021" in body
    assert "Date unknown" not in page and "2021-08-01" not in page


def test_timeline_places_a_relayed_figure_at_the_date_it_counts_and_notes_the_relay(client, site):
    from claims.models import Figure

    relayed = Figure.objects.filter(event=site.kabul, population="Afghans")
    relayed.update(as_of=date(2021, 8, 26))
    body = client.get(site.kabul.get_absolute_url()).content.decode()
    timeline = body.split('id="timeline-heading"')[1]
    day = timeline.split('<h3 class="day">2021-08-26</h3>')[1].split("</ul>")[0]
    assert "some 170 Afghans" in day and "reported 2023-04-29" in day


def test_timeline_lists_a_later_report_of_the_same_figure_as_a_repeat(client):
    event = EventFactory()
    claim = ClaimFactory(event=event)
    first = AttributionFactory(claim=claim, document=DocumentFactory(published=date(2021, 10, 9)))
    later = AttributionFactory(
        claim=claim,
        document=DocumentFactory(published=date(2022, 3, 1), outlet__name="Later Outlet"),
    )
    FigureFactory(attribution=first, event=event)
    FigureFactory(attribution=later, event=event)
    body = client.get(event.get_absolute_url()).content.decode()
    timeline = body.split('id="timeline-heading"')[1]
    assert '<h3 class="day">2021-10-09</h3>' in timeline
    assert '<h3 class="day">2022-03-01</h3>' not in timeline
    assert "Repeated 2022-03-01" in timeline and "Later Outlet" in timeline
