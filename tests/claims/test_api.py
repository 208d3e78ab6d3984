"""The claims API: reading, filtering, comparing, exporting, writing safely, history and changes."""

# ruff: noqa: F811  (pytest fixtures imported from tests.api_helpers)

import json

import jsonschema
import pytest
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from claims import services
from claims.models import Attribution, Claim, Figure
from tests import factories
from tests.api_helpers import (  # noqa: F401  (fixtures)
    _generous_throttles,
    anon,
    editor,
    grant,
    ids,
    reviewer,
    token_client,
    world,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/"


# Reading ---------------------------------------------------------------------------------------


def test_anonymous_readers_see_only_published_claims(anon, world):
    response = anon.get(URL + "claims/")
    assert response.status_code == 200
    assert set(ids(response)) == {world["toll"].pk, world["denial_claim"].pk}
    assert anon.get(URL + f"claims/{world['draft'].pk}/").status_code == 404


def test_anonymous_readers_see_no_attribution_or_figure_of_a_draft(anon, world):
    assert world["hidden"].pk not in ids(anon.get(URL + "attributions/"))
    assert anon.get(URL + f"attributions/{world['hidden'].pk}/").status_code == 404


def test_staff_see_drafts(editor, world):
    response = token_client(editor).get(URL + "claims/")
    assert world["draft"].pk in ids(response)


def test_claim_list_is_compact(anon, world):
    toll = world["toll"]
    row = next(r for r in anon.get(URL + "claims/").json()["results"] if r["id"] == toll.pk)
    assert row == {
        "id": toll.pk,
        "slug": toll.slug,
        "text": "The airport bombing killed N people",
        "event": {"id": world["event"].pk, "name": "Airport bombing"},
        "tags": ["casualties"],
        "status": "contested",
        "status_reason": toll.status_reason,
        "verdict": "",
        "publication": "published",
        "attribution_count": 2,
        "version": toll.version,
        "created_at": toll.created_at.isoformat().replace("+00:00", "Z"),
        "updated_at": toll.updated_at.isoformat().replace("+00:00", "Z"),
    }


def test_claim_detail_by_id_and_by_slug_carries_attributions_selectors_and_figures(anon, world):
    toll, own, fig = world["toll"], world["own"], world["fig_own"]
    by_id = anon.get(URL + f"claims/{toll.pk}/")
    by_slug = anon.get(URL + f"claims/{toll.slug}/")
    assert by_id.status_code == by_slug.status_code == 200
    assert by_id.json() == by_slug.json()
    # A read's ETag starts with the record's version, the value If-Match names (api.conditional).
    assert by_id["ETag"].startswith(f'"{toll.version}-')
    body = by_id.json()
    assert body["status"] == "contested"
    assert body["status_reason"].startswith("contested: the figures cannot all be right: ")
    first = body["attributions"][0]
    assert first == {
        "id": own.pk,
        "claim": {"id": toll.pk, "slug": toll.slug, "text": toll.text},
        "document": {
            "id": world["doc_a"].pk,
            "title": "Report A",
            "published": "2021-08-27",
            "outlet": {"id": world["outlet_a"].pk, "name": "Daily A"},
        },
        "speaker": None,
        "speaker_description": "",
        "via": None,
        "stated_on": None,
        "date": "2021-08-27",
        "voice": "own",
        "stance": "supports",
        "quote": "killing at least 46 people",
        "quote_start": own.quote_start,
        "quote_end": own.quote_end,
        "version": own.version,
        "created_at": first["created_at"],
        "updated_at": first["updated_at"],
        "quote_prefix": own.quote_prefix,
        "quote_suffix": own.quote_suffix,
        "note": "",
        "review": "approved",
        "origin": {"kind": "outlet", "id": world["outlet_a"].pk, "label": "Daily A"},
        "target": {
            "source": f"http://testserver/api/v1/documents/{world['doc_a'].pk}/",
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": "killing at least 46 people",
                    "prefix": own.quote_prefix,
                    "suffix": own.quote_suffix,
                },
                {"type": "TextPositionSelector", "start": own.quote_start, "end": own.quote_end},
            ],
        },
        "figures": [
            {
                "id": fig.pk,
                "attribution": own.pk,
                "claim": toll.pk,
                "event": {"id": world["event"].pk, "name": "Airport bombing"},
                "measure": "killed",
                "population": "total",
                "qualifier": "at_least",
                "value": 46,
                "value_high": None,
                "text": "at least 46 people",
                "as_of": None,
                "as_of_precision": "day",
                "interval": {"low": 46.0, "high": None},
                "superseded_by": None,
                "version": fig.version,
                "created_at": first["figures"][0]["created_at"],
                "updated_at": first["figures"][0]["updated_at"],
                "review": "approved",
            }
        ],
    }
    text = world["doc_a"].text
    assert text[own.quote_start : own.quote_end] == "killing at least 46 people"


def test_expand_attributions_in_the_list(anon, world):
    rows = anon.get(URL + "claims/?expand=attributions").json()["results"]
    assert all("attributions" in row for row in rows)
    assert "attributions" not in anon.get(URL + "claims/").json()["results"][0]


def test_unknown_expand_is_a_400_naming_the_parameter(anon, world):
    response = anon.get(URL + "claims/?expand=everything")
    assert response.status_code == 400
    assert "expand" in response.json()


def test_missing_record_is_404(anon, world):
    assert anon.get(URL + "claims/999999/").status_code == 404
    assert anon.get(URL + "claims/no-such-slug/").status_code == 404
    assert anon.get(URL + "figures/no-slug-here/").status_code == 404


@pytest.mark.parametrize(
    "resource", ["events", "claims", "attributions", "figures", "outlets", "documents", "actors"]
)
def test_every_list_answers_csv(anon, world, resource):
    response = anon.get(URL + f"{resource}/?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert b"".join(response.streaming_content).splitlines()[0].startswith(b"id,")


def test_csv_keeps_the_filters_and_escapes_formulas(anon, world):
    factories.ClaimFactory(text='=HYPERLINK("http://evil")', event=world["event"])
    response = anon.get(URL + "claims/?format=csv&q=HYPERLINK")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 2
    assert "'=HYPERLINK" in lines[1]


def test_event_detail_by_slug(anon, world):
    response = anon.get(URL + "events/airport-bombing/")
    assert response.status_code == 200
    assert response.json()["id"] == world["event"].pk


# Filters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=contested", {"toll"}),
        ("status=unsupported", {"denial_claim"}),
        ("tag=casualties", {"toll"}),
        ("speaker=ISKP", {"denial_claim"}),
        ("speaker=is-k", {"denial_claim"}),
        ("speaker=islamic state khorasan", {"denial_claim"}),
        ("outlet=wire-b", {"toll", "denial_claim"}),
        ("outlet=daily-a", {"toll"}),
        ("stance=refutes", {"denial_claim"}),
        ("voice=own", {"toll"}),
        ("speaker=ISKP&stance=supports", set()),
        ("date_after=2021-08-28&date_before=2021-08-28", {"toll"}),
        ("date_after=2021-08-29", {"denial_claim"}),
        ("publication=published", {"toll", "denial_claim"}),
        ("q=carried out", {"denial_claim"}),
        ("q=20 people were killed", {"toll"}),
        ("event=airport-bombing", {"toll", "denial_claim"}),
    ],
)
def test_claim_filters(anon, world, query, expected):
    response = anon.get(URL + f"claims/?{query}")
    assert response.status_code == 200
    assert set(ids(response)) == {world[name].pk for name in expected}


def test_claim_filters_by_speaker_id_and_event_id(anon, world):
    assert ids(anon.get(URL + f"claims/?speaker={world['group'].pk}")) == [world["denial_claim"].pk]
    assert len(ids(anon.get(URL + f"claims/?event={world['event'].pk}"))) == 2


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("status=bogus", "status"),
        ("stance=maybe", "stance"),
        ("voice=loud", "voice"),
        ("date_after=yesterday", "date_after"),
        ("date_before=2021-13-45", "date_before"),
        ("publication=secret", "publication"),
    ],
)
def test_invalid_filter_values_are_400_naming_the_parameter(anon, world, query, parameter):
    response = anon.get(URL + f"claims/?{query}")
    assert response.status_code == 400
    assert parameter in response.json()


def test_claims_ordering(anon, world):
    rows = anon.get(URL + "claims/?ordering=text").json()["results"]
    assert [r["text"] for r in rows] == sorted(r["text"] for r in rows)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("event=airport-bombing", {"own", "quoted", "denial"}),
        ("measure=killed", {"own", "quoted"}),
        ("qualifier=exact", {"quoted"}),
        ("speaker=ISKP", {"denial"}),
        ("outlet=daily-a", {"own"}),
        ("stance=refutes", {"denial"}),
        ("date_before=2021-08-28", {"own", "quoted"}),
        ("date_after=2021-08-28&date_before=2021-08-28", {"quoted"}),
    ],
)
def test_attribution_filters(anon, world, query, expected):
    response = anon.get(URL + f"attributions/?{query}")
    assert response.status_code == 200
    assert set(ids(response)) == {world[name].pk for name in expected}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("event=airport-bombing", {"fig_own", "fig_quoted"}),
        ("measure=killed", {"fig_own", "fig_quoted"}),
        ("measure=wounded", set()),
        ("qualifier=at_least", {"fig_own"}),
        ("speaker=spokesman", {"fig_quoted"}),
        ("outlet=wire-b", {"fig_quoted"}),
        ("date_after=2021-08-28", {"fig_quoted"}),
        ("date_before=2021-08-27", {"fig_own"}),
    ],
)
def test_figure_filters(anon, world, query, expected):
    response = anon.get(URL + f"figures/?{query}")
    assert response.status_code == 200
    assert set(ids(response)) == {world[name].pk for name in expected}


@pytest.mark.parametrize("resource", ["attributions", "figures"])
def test_invalid_values_on_cursor_lists_are_400(anon, world, resource):
    response = anon.get(URL + f"{resource}/?measure=bodies")
    assert response.status_code == 400
    assert "measure" in response.json()


def test_attributions_and_figures_use_cursor_pages(anon, world):
    first = anon.get(URL + "attributions/?page_size=1").json()
    assert "count" not in first
    assert len(first["results"]) == 1
    second = anon.get(first["next"]).json()
    assert second["results"][0]["id"] != first["results"][0]["id"]


def test_page_size_is_capped(anon, world):
    factories.ClaimFactory.create_batch(3, event=world["event"])
    response = anon.get(URL + "claims/?page_size=100000")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 5  # all there are, under the cap of 100


# Comparisons and exports -----------------------------------------------------------------------


def test_event_figures_are_grouped_with_intervals_origins_and_divergence(anon, world):
    response = anon.get(URL + f"events/{world['event'].pk}/figures/")
    assert response.status_code == 200
    body = response.json()
    assert body["event"] == {"id": world["event"].pk, "name": "Airport bombing"}
    [group] = body["groups"]
    assert (group["measure"], group["population"], group["low"], group["high"]) == (
        "killed",
        "total",
        20.0,
        None,
    )
    by_id = {f["id"]: f for f in group["figures"]}
    own = by_id[world["fig_own"].pk]
    assert own["interval"] == {"low": 46.0, "high": None}
    assert own["origin"] == {"kind": "outlet", "id": world["outlet_a"].pk, "label": "Daily A"}
    assert own["document"]["title"] == "Report A"
    assert own["diverges"] and by_id[world["fig_quoted"].pk]["diverges"]
    [divergence] = group["divergences"]
    assert {divergence["a"]["attribution"], divergence["b"]["attribution"]} == {
        world["own"].pk,
        world["quoted"].pk,
    }
    assert group["divergence_count"] == 1


def test_event_figures_list_the_widest_divergences_and_count_them_all(anon, monkeypatch):
    monkeypatch.setattr("claims.intervals.DIVERGENCES_LISTED", 2)
    event = factories.EventFactory()
    claim = factories.ClaimFactory(event=event)
    values = [10, 20, 30, 40]  # four exact figures from four attributions: six disjoint pairs
    for value in values:
        factories.FigureFactory(
            attribution__claim=claim, event=event, qualifier="exact", value=value
        )
    [group] = anon.get(URL + f"events/{event.pk}/figures/").json()["groups"]
    assert group["divergence_count"] == 6
    assert len(group["divergences"]) == 2
    listed = {
        frozenset((d["a"]["interval"]["low"], d["b"]["interval"]["low"]))
        for d in group["divergences"]
    }
    assert listed == {frozenset((10.0, 40.0)), frozenset((10.0, 30.0))}  # the widest apart
    assert all(f["diverges"] for f in group["figures"])


def test_event_figures_are_paged_with_groups_and_divergences_over_every_figure(anon):
    event = factories.EventFactory()
    claim = factories.ClaimFactory(event=event)
    # Seven exact killed figures (each from its own attribution: all pairs diverge) and two
    # wounded figures that agree, one of them superseded.
    killed = [
        factories.FigureFactory(attribution__claim=claim, event=event, qualifier="exact", value=v)
        for v in (70, 10, 40, 20, 60, 30, 50)
    ]
    later = factories.FigureFactory(
        attribution__claim=claim, event=event, measure="wounded", qualifier="exact", value=5
    )
    factories.FigureFactory(
        attribution__claim=claim,
        event=event,
        measure="wounded",
        qualifier="at_least",
        value=3,
        superseded_by=later,
    )
    seen, url, pages = [], URL + f"events/{event.pk}/figures/?page_size=4", 0
    while url:
        body = anon.get(url).json()
        pages += 1
        assert body["count"] == 9
        groups = {g["measure"]: g for g in body["groups"]}
        assert set(groups) == {"killed", "wounded"}  # every group on every page
        killed_group, wounded = groups["killed"], groups["wounded"]
        assert (killed_group["low"], killed_group["high"]) == (10, 70)
        assert killed_group["figure_count"] == 7 and killed_group["divergence_count"] == 21
        assert (wounded["low"], wounded["high"], wounded["figure_count"]) == (5, 5, 2)
        assert wounded["divergence_count"] == 0
        page = [f for g in body["groups"] for f in g["figures"]]
        assert len(page) <= 4
        assert all(f["diverges"] for f in killed_group["figures"])
        seen.extend(f["id"] for f in page)
        url = body["next"]
    assert pages == 3
    # Every figure once, in (measure, population, low) order across pages.
    assert seen[:7] == [f.pk for f in sorted(killed, key=lambda f: f.value)]
    assert len(seen) == len(set(seen)) == 9
    assert anon.get(URL + f"events/{event.pk}/figures/?page=9").status_code == 404
    assert anon.get(URL + f"events/{event.pk}/figures/?page_size=0").status_code == 400


def test_event_figures_query_count_is_flat_in_page_size(anon, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    event = factories.EventFactory()
    claim = factories.ClaimFactory(event=event)
    for value in range(1, 31):
        factories.FigureFactory(
            attribution__claim=claim, event=event, qualifier="exact", value=value
        )
    counts = []
    for size in (1, 30):
        caches["derived"].clear()  # the comparison over every figure is computed each time
        with CaptureQueriesContext(connection) as queries:
            body = anon.get(URL + f"events/{event.pk}/figures/?page_size={size}").json()
        assert sum(len(g["figures"]) for g in body["groups"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[1]):
        response = anon.get(URL + f"events/{event.pk}/figures/?format=csv")
        assert len(b"".join(response.streaming_content).decode().splitlines()) == 31


def test_event_figures_hide_figures_of_drafts_from_anonymous(anon, world):
    factories.FigureFactory(attribution=world["hidden"], event=world["event"], value=999)
    values = [
        f["value"]
        for g in anon.get(URL + f"events/{world['event'].pk}/figures/").json()["groups"]
        for f in g["figures"]
    ]
    assert 999 not in values


def test_claim_stances_split_attributions(anon, world):
    response = anon.get(URL + f"claims/{world['denial_claim'].slug}/stances/")
    assert response.status_code == 200
    body = response.json()
    assert body["supports"] == body["questions"] == body["neutral"] == []
    assert body["refutes"] == [
        {
            "attribution": world["denial"].pk,
            "speaker": {"id": world["group"].pk, "name": "Islamic State Khorasan"},
            "speaker_label": "Islamic State Khorasan",
            "speaker_description": "",
            "voice": "paraphrased",
            "origin": {"kind": "outlet", "id": world["outlet_b"].pk, "label": "Wire B"},
            "quote": "The group denied it",
            "date": "2021-08-29",
            "document": {
                "id": world["doc_b"].pk,
                "title": "Report B",
                "published": "2021-08-29",
                "outlet": {"id": world["outlet_b"].pk, "name": "Wire B"},
            },
        }
    ]


CLAIMREVIEW_SCHEMA = {
    "type": "object",
    "required": [
        "@context",
        "@type",
        "url",
        "claimReviewed",
        "itemReviewed",
        "author",
        "datePublished",
    ],
    "properties": {
        "@context": {"const": "https://schema.org"},
        "@type": {"const": "ClaimReview"},
        "url": {"type": "string", "pattern": "^https?://"},
        "claimReviewed": {"type": "string", "minLength": 1, "maxLength": 74},
        "datePublished": {"type": "string", "format": "date"},
        "author": {
            "type": "object",
            "required": ["@type", "name"],
            "properties": {"@type": {"enum": ["Organization", "Person"]}},
        },
        "itemReviewed": {
            "type": "object",
            "required": ["@type", "appearance"],
            "properties": {
                "@type": {"const": "Claim"},
                "appearance": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["@type", "url", "headline"],
                        "properties": {"url": {"type": "string", "pattern": "^https?://"}},
                    },
                },
            },
        },
        "reviewRating": {
            "type": "object",
            "required": ["@type", "alternateName"],
            "properties": {
                "@type": {"const": "Rating"},
                "alternateName": {"type": "string", "minLength": 1},
                "ratingValue": {"type": "integer", "minimum": 1, "maximum": 5},
            },
        },
    },
}


def test_claimreview_json_ld_matches_the_schema(anon, world):
    toll = world["toll"]
    toll.text = "The airport bombing in the capital killed N people, according to several " * 2
    toll.verdict = Claim.Verdict.MOSTLY_FALSE
    toll.save()
    response = anon.get(URL + f"claims/{toll.pk}/claimreview/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    body = json.loads(response.content)
    jsonschema.validate(body, CLAIMREVIEW_SCHEMA)
    assert len(body["claimReviewed"]) < 75
    assert body["reviewRating"]["alternateName"] == "Mostly false"
    assert len(body["itemReviewed"]["appearance"]) == 2


def test_claimreview_without_verdict_has_no_rating(anon, world):
    body = json.loads(anon.get(URL + f"claims/{world['denial_claim'].pk}/claimreview/").content)
    jsonschema.validate(body, CLAIMREVIEW_SCHEMA)
    assert "reviewRating" not in body


# Writes ----------------------------------------------------------------------------------------


def attribution_payload(world, **changes) -> dict:
    return {
        "claim": world["denial_claim"].pk,
        "document": world["doc_a"].pk,
        "voice": "hearsay",
        "stance": "supports",
        "quote": "a bomb exploded near the gate",
        **changes,
    }


def test_anonymous_writes_are_401(anon, world):
    assert (
        anon.post(URL + "attributions/", attribution_payload(world), format="json").status_code
        == 401
    )
    assert anon.post(URL + "claims/", {"text": "x"}, format="json").status_code == 401


def test_users_without_model_permissions_cannot_write(world):
    client = token_client(factories.UserFactory())
    assert (
        client.post(URL + "attributions/", attribution_payload(world), format="json").status_code
        == 403
    )


def test_editor_creates_an_attribution_anchored_in_the_text(editor, world):
    response = token_client(editor).post(
        URL + "attributions/", attribution_payload(world), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    text = world["doc_a"].text
    assert text[body["quote_start"] : body["quote_end"]] == "a bomb exploded near the gate"
    assert body["target"]["selector"][1]["start"] == body["quote_start"]
    assert response["ETag"] == '"1"'
    assert body["review"] == "pending"  # the claim is published: it waits for a reviewer
    claim = Claim.objects.get(pk=world["denial_claim"].pk)
    assert claim.status != "contested"
    services.approve_evidence(
        items=[Attribution.objects.get(pk=body["id"])],
        by=factories.UserFactory(is_superuser=True),
    )
    assert Claim.objects.get(pk=world["denial_claim"].pk).status == "contested"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quote": "words that are not in the document"}, "quote"),
        ({"stated_on": "2022-01-01"}, "stated_on"),
        ({"speaker": 999999, "voice": "quoted"}, "speaker"),
        ({"voice": "quoted"}, "speaker"),
        ({"stance": "perhaps"}, "stance"),
        ({"claim": None}, "claim"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_invalid_attributions_are_400_and_save_nothing(editor, world, changes, field):
    before = Attribution.objects.count()
    response = token_client(editor).post(
        URL + "attributions/", attribution_payload(world, **changes), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert Attribution.objects.count() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"qualifier": "range", "value": 50, "value_high": 10}, "value_high"),
        ({"qualifier": "exact", "value": None}, "value"),
        ({"value": -5}, "value"),
        ({"measure": "bodies"}, "measure"),
        ({"attribution": 999999}, "attribution"),
    ],
)
def test_invalid_figures_are_400_and_save_nothing(editor, world, changes, field):
    payload = {
        "attribution": world["own"].pk,
        "measure": "wounded",
        "qualifier": "at_least",
        "value": 10,
        **changes,
    }
    before = Figure.objects.count()
    response = token_client(editor).post(URL + "figures/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Figure.objects.count() == before


def test_editor_creates_a_figure_with_its_interval(editor, world):
    payload = {
        "attribution": world["own"].pk,
        "measure": "wounded",
        "qualifier": "range",
        "value": 10,
        "value_high": 20,
    }
    response = token_client(editor).post(URL + "figures/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["interval"] == {"low": 10.0, "high": 20.0}
    assert response.json()["event"]["id"] == world["event"].pk


def test_malformed_json_is_400(editor, world):
    response = token_client(editor).post(
        URL + "claims/", data='{"text": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_wrong_content_type_is_415(editor, world):
    response = token_client(editor).post(
        URL + "claims/", data="text=hello", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415


def test_oversized_body_is_413(editor, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = token_client(editor).post(URL + "claims/", {"text": "x" * 5000}, format="json")
    assert response.status_code == 413


def test_a_body_that_is_not_an_object_is_400(editor, world):
    response = token_client(editor).post(URL + "claims/", [1, 2], format="json")
    assert response.status_code == 400


# Publication permission ------------------------------------------------------------------------


def test_editor_cannot_publish_or_set_a_verdict(editor, world):
    draft = world["draft"]
    client = token_client(editor)
    for change, status in (({"publication": "published"}, 400), ({"verdict": "false"}, 403)):
        response = client.patch(
            URL + f"claims/{draft.pk}/", change, format="json", HTTP_IF_MATCH=f'"{draft.version}"'
        )
        assert response.status_code == status
    draft.refresh_from_db()
    assert (draft.publication, draft.verdict) == ("draft", "")


def test_editor_cannot_create_a_published_claim(editor, world):
    response = token_client(editor).post(
        URL + "claims/", {"text": "Fresh", "publication": "published"}, format="json"
    )
    assert response.status_code == 400
    assert "publication" in response.json()
    assert not Claim.objects.filter(text="Fresh").exists()


def test_editor_creates_a_draft_claim_with_tags(editor, world):
    factories.TagFactory(name="attack", slug="attack")
    response = token_client(editor).post(
        URL + "claims/",
        {"text": "A new claim", "event": world["event"].pk, "tags": ["attack"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["tags"] == ["attack"]
    assert response.json()["publication"] == "draft"
    assert response.json()["slug"] == "a-new-claim"


def test_unknown_tag_is_400(editor, world):
    response = token_client(editor).post(
        URL + "claims/", {"text": "A new claim", "tags": ["nope"]}, format="json"
    )
    assert response.status_code == 400
    assert "tags" in response.json()


# Optimistic concurrency ------------------------------------------------------------------------


def test_write_without_if_match_is_428(editor, world):
    claim = world["toll"]
    client = token_client(editor)
    assert (
        client.patch(URL + f"claims/{claim.pk}/", {"text": "x"}, format="json").status_code == 428
    )
    assert client.delete(URL + f"attributions/{world['own'].pk}/").status_code == 428
    assert (
        client.put(URL + f"events/{world['event'].pk}/", {"name": "x"}, format="json").status_code
        == 428
    )


def test_malformed_if_match_is_428(editor, world):
    response = token_client(editor).patch(
        URL + f"events/{world['event'].pk}/", {"name": "x"}, format="json", HTTP_IF_MATCH="3"
    )
    assert response.status_code == 428


def test_stale_if_match_is_412_and_changes_nothing(editor, world):
    event = world["event"]
    client = token_client(editor)
    etag = client.get(URL + f"events/{event.pk}/")["ETag"]
    first = client.patch(
        URL + f"events/{event.pk}/", {"place": "Kabul airport"}, format="json", HTTP_IF_MATCH=etag
    )
    assert first.status_code == 200
    assert first["ETag"] == f'"{event.version + 1}"'
    second = client.patch(
        URL + f"events/{event.pk}/", {"place": "Somewhere else"}, format="json", HTTP_IF_MATCH=etag
    )
    assert second.status_code == 412
    event.refresh_from_db()
    assert event.place == "Kabul airport"


def test_delete_with_current_etag(editor, world):
    own = world["own"]
    response = token_client(editor).delete(
        URL + f"attributions/{own.pk}/", HTTP_IF_MATCH=f'"{own.version}"'
    )
    assert response.status_code == 204
    # The claim is published: the deletion waits for a reviewer, then the row is gone.
    own.refresh_from_db()
    assert own.review == "pending_deletion"
    services.approve_evidence(items=[own], by=factories.UserFactory(is_superuser=True))
    assert not Attribution.objects.filter(pk=own.pk).exists()


def test_deleting_a_cited_record_is_409(editor, world):
    doc = world["doc_a"]
    response = token_client(editor).delete(
        URL + f"documents/{doc.pk}/", HTTP_IF_MATCH=f'"{doc.version}"'
    )
    assert response.status_code == 409
    assert "still referenced" in response.json()["detail"]


# History and changes ---------------------------------------------------------------------------


def test_claim_history_is_for_staff_only(anon, world):
    url = URL + f"claims/{world['toll'].pk}/history/"
    assert anon.get(url).status_code == 401
    assert token_client(factories.UserFactory()).get(url).status_code == 403


def test_claim_history_lists_field_changes(reviewer, world):
    claim = world["toll"]
    client = token_client(reviewer)
    client.patch(
        URL + f"claims/{claim.pk}/",
        {"verdict": "false"},
        format="json",
        HTTP_IF_MATCH=f'"{claim.version}"',
    )
    response = client.get(URL + f"claims/{claim.pk}/history/")
    assert response.status_code == 200
    entries = response.json()
    assert entries[0]["action"] == "create"
    assert entries[-1]["action"] == "update"
    assert entries[-1]["user"] == "reviewer"
    assert {"field": "verdict", "old": "", "new": "false"} in entries[-1]["changes"]


def test_claim_history_endpoint_and_admin_diff_name_the_same_changes(reviewer, world):
    from curation.admin import field_changes

    claim = world["toll"]
    claim.verdict = Claim.Verdict.FALSE
    claim.status = Claim.Status.REPORTED  # a derived field: diff_against alone would skip it
    claim.save()
    claim.tags.add(factories.TagFactory(name="airport"))
    entries = token_client(reviewer).get(URL + f"claims/{claim.pk}/history/").json()
    older, newer = list(claim.history.order_by("history_date", "history_id"))[-3:-1]
    in_api = {change["field"] for change in entries[-2]["changes"]}
    assert {"verdict", "status"} <= in_api
    assert {str(Claim._meta.get_field(name).verbose_name) for name in in_api} == {
        label for label, _, _ in field_changes(older, newer)
    }
    # Adding a tag records a version whose only change is the tags, as lists of through rows.
    [tags] = entries[-1]["changes"]
    assert tags["field"] == "tags" and tags["new"][-1]["claim"] == claim.pk


def test_history_of_a_deleted_claim_is_still_readable(reviewer, world):
    claim = world["denial_claim"]
    pk = claim.pk
    claim.delete()
    response = token_client(reviewer).get(URL + f"claims/{pk}/history/")
    assert response.status_code == 200
    assert response.json()[-1]["action"] == "delete"


def test_changes_refuse_bad_cursors_with_400(anon, world):
    assert anon.get(URL + "changes/").status_code == 200  # from the beginning
    # Empty, as any optional filter: absent.
    empty = anon.get(URL + "changes/?after=&since=").json()
    assert empty["results"] == anon.get(URL + "changes/").json()["results"]
    assert anon.get(URL + "changes/?since=yesterday").status_code == 400
    for bad in ("x", "-1", "1.5", "99999999999999999999"):
        assert "after" in anon.get(URL + "changes/", {"after": bad}).json()
    assert "page_size" in anon.get(URL + "changes/?page_size=0").json()


def test_changes_list_published_records_oldest_first(anon, world):
    rows = anon.get(URL + "changes/").json()["results"]
    seqs = [r["seq"] for r in rows]
    assert seqs == sorted(seqs)
    seen = {(r["type"], r["id"]) for r in rows}
    assert ("claim", world["toll"].pk) in seen
    assert ("attribution", world["own"].pk) in seen
    assert ("figure", world["fig_own"].pk) in seen
    assert ("claim", world["draft"].pk) not in seen
    assert ("attribution", world["hidden"].pk) not in seen


def test_unpublishing_deletes_the_claim_and_its_evidence_and_publishing_adds_them(anon, world):
    mark = anon.get(URL + "changes/").json()["last"]
    toll, draft = world["toll"], world["draft"]
    reviewer = factories.UserFactory(is_superuser=True)
    services.unpublish(claim=toll, by=reviewer, reason="Sources under review")
    services.submit_for_review(claim=draft, by=reviewer)
    services.publish(claim=draft, by=reviewer)
    rows = anon.get(URL + "changes/", {"after": mark}).json()["results"]
    actions = {(r["type"], r["id"]): r["action"] for r in rows}
    assert actions[("claim", toll.pk)] == "delete"
    assert actions[("attribution", world["own"].pk)] == "delete"
    assert actions[("figure", world["fig_own"].pk)] == "delete"
    assert actions[("claim", draft.pk)] == "upsert"
    # Evidence entered while the claim was a draft is published with it.
    assert actions[("attribution", world["hidden"].pk)] == "upsert"
    record = next(r["record"] for r in rows if (r["type"], r["id"]) == ("claim", draft.pk))
    assert record == anon.get(URL + "claims/", {"q": "secret draft"}).json()["results"][0]


def test_changes_pages_follow_next(editor, world):
    client = token_client(editor)
    everything = client.get(URL + "changes/", {"page_size": 100}).json()["results"]
    collected, url = [], URL + "changes/?page_size=3"
    while url:
        page = client.get(url).json()
        collected.extend(page["results"])
        url = page["next"]
    assert collected == everything
    assert len(everything) > 3


# Throttling ------------------------------------------------------------------------------------


def test_anonymous_clients_are_throttled(anon, world, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "5/minute"}
    )
    codes = [anon.get(URL + "events/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


# Query counts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("page_size", [5, 50])
def test_claim_list_query_count_does_not_grow_with_page_size(
    anon, world, django_assert_num_queries, page_size
):
    for _ in range(50):
        claim = factories.ClaimFactory(event=world["event"])
        attribution = factories.AttributionFactory(claim=claim)
        factories.FigureFactory(attribution=attribution, event=world["event"])
    # The throttles count in the cache (no table): no query.
    # The ETag first (api.viewsets.page_version): 1: count; 2: the page's ids; 3: one
    # aggregate over those claims, whose shown_version covers the records their attributions
    # name (claims.versions.claims). Then 4: the page of claims with the attribution-count
    # sub-query (the count is not read again); 5: their tags; 6: their attributions with claim,
    # speaker, via, document and outlet; 7: those attributions' figures with their events;
    # 8: documents for the origins (one per level of copying: here none is a copy);
    # 9: the relations of every claim on the page (first appearance reads what is loaded).
    with django_assert_num_queries(9):
        response = anon.get(URL + f"claims/?expand=attributions&page_size={page_size}")
    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("page_size", [5, 50])
def test_filtered_claim_list_query_count_does_not_grow_with_page_size(
    anon, world, django_assert_num_queries, page_size
):
    speaker = factories.ActorFactory(name="Bombing unit")
    for i in range(50):
        claim = factories.ClaimFactory(event=world["event"], text=f"Bombing claim {i}")
        factories.AttributionFactory(
            claim=claim, document=world["doc_a"], speaker=speaker, voice="quoted"
        )
    query = "q=bombing&speaker=Bombing&outlet=daily-a&stance=supports&date_after=2020-01-01"
    # The filters, once per request: 1: the actors q names (claims.search.matching_actors);
    # 2, 3: the ids of the speaker and the outlet named (claims.filters). The ETag: 4: count;
    # 5: the page's ids; 6: one aggregate over those claims. 7: the page of claims with the
    # attribution-count sub-query (every filter is a condition or sub-query); 8: their tags.
    # The throttles count in the cache: no query.
    with django_assert_num_queries(8):
        response = anon.get(URL + f"claims/?{query}&page_size={page_size}")
    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("page_size", [5, 50])
def test_event_list_query_count_does_not_grow_with_page_size(
    anon, world, django_assert_num_queries, page_size
):
    for _ in range(50):
        factories.ClaimFactory(event=factories.EventFactory())
    # The ETag: 1: count; 2: the page's ids; 3: one aggregate over those events. 4: the page of
    # events (visible_to and the claim filters are sub-queries). The throttles count in the
    # cache: no query.
    with django_assert_num_queries(4):
        response = anon.get(URL + f"events/?status=unsupported&page_size={page_size}")
    assert len(response.json()["results"]) == page_size


def test_nul_bytes_in_a_lookup_are_400(anon, world):
    assert anon.get(URL + "claims/a%00b/").status_code == 400
    assert anon.get(URL + "claims/?speaker=a%00b").status_code == 400


@pytest.mark.django_db(transaction=True)
def test_racing_writers_with_the_same_etag_exactly_one_wins(editor):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    from claims.models import Event

    event = factories.EventFactory()
    etag = f'"{event.version}"'
    token_client(editor)  # create the token before the threads start

    def write(n):
        try:
            return (
                token_client(editor)
                .patch(
                    URL + f"events/{event.pk}/",
                    {"place": f"place {n}"},
                    format="json",
                    HTTP_IF_MATCH=etag,
                )
                .status_code
            )
        finally:
            connections.close_all()

    if connections["default"].vendor == "postgresql":
        with ThreadPoolExecutor(max_workers=6) as pool:
            codes = sorted(pool.map(write, range(6)))
    else:
        # The SQLite test database is in memory with a shared cache, which locks whole tables
        # across threads ("database table is locked"); there the writers go one after another.
        codes = sorted(write(n) for n in range(6))
    assert codes == [200] + [412] * 5
    assert Event.objects.get(pk=event.pk).version == event.version + 1


@pytest.mark.usefixtures("seeded_module")
def test_seeded_kabul_toll_diverges_in_the_event_comparison(anon):
    response = anon.get(URL + "events/kabul-airport-bombing-2021/figures/")
    assert response.status_code == 200
    killed_total = [
        g
        for g in response.json()["groups"]
        if g["measure"] == "killed" and g["population"] == "total"
    ]
    assert killed_total and killed_total[0]["divergences"]


@pytest.mark.usefixtures("seeded_module")
def test_seeded_actor_is_found_by_alias_and_alias_filters_answer(anon):
    by_alias = ids(anon.get(URL + "claims/?speaker=ISKP&page_size=100"))
    by_name = ids(anon.get(URL + "actors/?name=IS-K"))
    assert by_name
    assert anon.get(URL + "claims/?speaker=Daesh").status_code == 200
    assert isinstance(by_alias, list)


def test_signed_in_users_are_throttled_at_the_user_rate_and_anonymous_at_the_anon_rate(rf):
    from django.contrib.auth.models import AnonymousUser

    from api.throttling import SignedInRateThrottle

    request = rf.get("/api/v1/claims/")
    request.user = AnonymousUser()
    assert SignedInRateThrottle().get_cache_key(request, None) is None
    request.user = factories.UserFactory()
    assert SignedInRateThrottle().get_cache_key(request, None) == f"throttle_user_{request.user.pk}"


def test_event_figures_compare_every_figure_once_per_version(anon, monkeypatch):
    """The comparison over every figure (claims.comparison.facts_and_divergences) is kept under
    the version of the event's figures: the next page reuses it, a changed figure does not."""
    from claims import comparison

    computed = []
    compute = comparison._facts_and_divergences

    def spy(figures):
        computed.append(1)
        return compute(figures)

    monkeypatch.setattr(comparison, "_facts_and_divergences", spy)
    event = factories.EventFactory()
    claim = factories.ClaimFactory(event=event)
    figures = [
        factories.FigureFactory(
            attribution__claim=claim, event=event, qualifier="exact", value=value
        )
        for value in (10, 20, 30)
    ]
    caches["derived"].clear()
    url = URL + f"events/{event.pk}/figures/?page_size=1"
    assert anon.get(url).json()["count"] == 3
    assert anon.get(url + "&page=2").json()["count"] == 3
    assert len(computed) == 1
    figure = Figure.objects.get(pk=figures[0].pk)
    figure.value = 11
    services.save_figure(figure=figure)
    pending = list(Figure.objects.exclude(review="approved"))
    if pending:
        reviewer = factories.UserFactory(is_staff=True, is_superuser=True)
        services.approve_evidence(items=pending, by=reviewer)
    body = anon.get(url).json()
    assert len(computed) == 2
    assert [f["value"] for g in body["groups"] for f in g["figures"]] == [11]
