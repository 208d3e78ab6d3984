"""The public claim and event lists and the API agree, parameter by parameter, on the seed data.

Each list page is served by the same FilterSet as its API endpoint (claims.filters): for every
parameter, with several values each, the rows of the page (all of its pages) equal the rows of the
page's own "this data in the API" link (all of its pages), for an anonymous reader and for a reader
who sees drafts. A value the page refuses with a form error is a 400 naming the parameter in the
API. The search page's API link gives the claims the search page lists.
"""

from urllib.parse import urlencode

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient

from claims.filters import ClaimFilter, EventFilter
from claims.models import Attribution, Claim, Event, Tag
from claims.search import LIMIT
from sources.models import Actor, Outlet
from tests import factories
from tests.api_helpers import _generous_throttles, grant  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_module")]


@pytest.fixture(params=["anonymous", "sees drafts"])
def reader(request, client):
    """A page client and an API client signed in as the same reader."""
    api = APIClient()
    if request.param == "sees drafts":
        user = grant(factories.UserFactory(), "view_claim")
        client.force_login(user)
        api.force_authenticate(user)
    return client, api


def page_rows(client, path: str, params: list[tuple[str, str]]) -> tuple[set[int], str]:
    """Every row the list page shows (over all its pages) and its "this data in the API" link."""
    # Rendered afresh, not from the cache of public pages (api.conditional): the rows are read
    # from the template context.
    caches["conditional"].clear()
    response = client.get(f"{path}?{urlencode(params)}")
    assert response.status_code == 200
    assert not response.context["form"].errors, response.context["form"].errors
    paginator = response.context["page"].paginator
    rows = {obj.pk for obj in paginator.object_list}
    # The count the page shows is how many rows it lists (ClaimFilter.count counts them its
    # own way when evidence alone narrows the list).
    assert paginator.count == len(rows), params
    return rows, response.context["api_url"]


def api_rows(api, url: str) -> set[int]:
    """Every row the API lists at `url`, following `next` through all its pages."""
    url += ("&" if "?" in url else "?") + "page_size=100"
    rows: set[int] = set()
    counts = set()
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content[:300]
        data = response.json()
        rows |= {row["id"] for row in data["results"]}
        counts.add(data.get("count"))
        url = data["next"]
    if counts != {None}:  # a list with page numbers: every page says how many rows it holds
        assert counts == {len(rows)}, (url, counts, len(rows))
    return rows


def first_words(names, n: int) -> list[str]:
    """Part of each name (its first word), to test partial matching."""
    return [name.split()[0] for name in names[:n] if " " in name]


def claim_values() -> dict[str, list]:
    """Several values per parameter of the claim list, drawn from the seed data where it helps."""
    events = list(Event.objects.order_by("pk"))
    actors = list(Actor.objects.filter(attributions__isnull=False).distinct().order_by("pk"))
    outlets = list(Outlet.objects.filter(documents__isnull=False).distinct().order_by("pk"))
    return {
        "q": [
            "Taliban",
            "killed",
            "airport bombing",
            "Haqqani",
            "IS-K",
            "ISKP",
            "20 people",
            "zzyzx-no-such-word",
        ],
        "status": [*Claim.Status.values, ["contested", "reported"]],
        "event": [e.slug for e in events[:6]] + [str(e.pk) for e in events[:2]] + ["no-event"],
        "speaker": [
            "ISKP",
            "IS-K",
            "Daesh",
            "Amrullah",
            "saleh",
            "Taliban",
            "taliban",
            str(actors[0].pk),
            actors[1].slug,
            "Nobody Whatsoever",
            *first_words([a.name for a in actors], 4),
        ],
        "outlet": [o.slug for o in outlets[:4]]
        + [str(outlets[0].pk), outlets[1].name.upper(), "no-such-outlet"]
        + first_words([o.name for o in outlets], 3),
        "stance": Attribution.Stance.values,
        "voice": Attribution.Voice.values,
        "date_after": ["2021-08-01", "2021-08-27", "2021-09-01", "2022-06-01"],
        "date_before": ["2021-08-26", "2021-08-31", "2021-12-31", "2030-01-01"],
        "tag": [t.slug for t in Tag.objects.order_by("pk")[:6]] + ["no-such-tag"],
        "publication": Claim.Publication.values,
        "verdict": Claim.Verdict.values,
    }


def as_params(name: str, value) -> list[tuple[str, str]]:
    values = value if isinstance(value, list) else [value]
    return [(name, v) for v in values]


CLAIM_PARAMETERS = [
    "q",
    "status",
    "event",
    "speaker",
    "outlet",
    "stance",
    "voice",
    "date_after",
    "date_before",
    "tag",
    "publication",
    "verdict",
]
# Parameters whose seed values may all select every claim or none (nothing to tell apart).
MAY_NOT_DISCRIMINATE = {"publication", "verdict"}


def test_parity_covers_every_claim_list_parameter():
    assert set(CLAIM_PARAMETERS) == set(ClaimFilter.base_filters)
    assert set(CLAIM_PARAMETERS) == set(claim_values())


@pytest.mark.parametrize("parameter", CLAIM_PARAMETERS)
def test_claim_page_and_api_list_the_same_claims(reader, parameter):
    client, api = reader
    everything, _ = page_rows(client, "/claims/", [])
    results = []
    for value in claim_values()[parameter]:
        on_page, api_url = page_rows(client, "/claims/", as_params(parameter, value))
        assert api_url.startswith("/api/v1/claims/?")
        assert on_page == api_rows(api, api_url), (parameter, value)
        results.append(on_page)
    if parameter not in MAY_NOT_DISCRIMINATE:
        # The values tell claims apart: the comparison is not between two empty (or full) lists.
        assert any(0 < len(rows) < len(everything) for rows in results), parameter


@pytest.mark.parametrize(
    "params",
    [
        [("speaker", "ISKP"), ("stance", "refutes")],
        [("speaker", "Amrullah"), ("stance", "supports")],
        [("outlet", "tolo"), ("voice", "quoted"), ("date_after", "2021-08-26")],
        [("status", "contested"), ("speaker", "Taliban")],
        [("q", "bombing"), ("event", "kabul-airport-bombing-2021")],
        [("date_after", "2021-08-26"), ("date_before", "2021-08-31")],
    ],
)
def test_claim_page_and_api_agree_on_combined_filters(reader, params):
    client, api = reader
    on_page, api_url = page_rows(client, "/claims/", params)
    assert on_page == api_rows(api, api_url)


def test_seeded_speaker_by_part_of_a_name_is_found_on_the_page_and_in_the_api(client):
    on_page, api_url = page_rows(client, "/claims/", [("speaker", "Amrullah")])
    assert on_page and on_page == api_rows(APIClient(), api_url)
    by_alias, api_url = page_rows(client, "/claims/", [("speaker", "ISKP")])
    assert by_alias and by_alias == api_rows(APIClient(), api_url)


INVALID = [
    ("status", "bogus"),
    ("stance", "maybe"),
    ("voice", "loud"),
    ("publication", "secret"),
    ("verdict", "great"),
    ("date_after", "yesterday"),
    ("date_before", "2021-13-45"),
    ("q", "x" * 201),
    # (A control character never reaches the filters: the edge answers 400 on page and API alike,
    # tests/api/test_edge.py.)
    ("event", "e" * 201),
]


@pytest.mark.parametrize(("parameter", "value"), INVALID)
def test_a_value_the_claim_page_refuses_is_a_400_naming_it_in_the_api(client, parameter, value):
    query = urlencode({parameter: value})
    page = client.get(f"/claims/?{query}")
    assert page.status_code == 200
    assert parameter in page.context["form"].errors
    assert page.context["page"].paginator.count == 0
    response = APIClient().get(f"/api/v1/claims/?{query}")
    assert response.status_code == 400
    assert parameter in response.json()


@pytest.mark.parametrize("path", ["/claims/", "/events/"])
def test_a_range_ending_before_it_starts_is_refused_on_the_page_and_in_the_api(client, path):
    query = "date_after=2022-01-01&date_before=2021-01-01"
    page = client.get(f"{path}?{query}")
    assert "date_before" in page.context["form"].errors
    response = APIClient().get(f"/api/v1{path}?{query}")
    assert response.status_code == 400
    assert "date_before" in response.json()


# Events -----------------------------------------------------------------------------------------


def event_values() -> dict[str, list]:
    values = claim_values()
    return {
        "q": ["Kabul", "bombing", "airport", "Kunduz", "no-such-place"],
        "date_after": ["2021-08-01", "2021-08-27", "2021-10-01"],
        "date_before": ["2021-08-26", "2021-09-30", "2030-01-01"],
        **{name: values[name] for name in ("status", "speaker", "outlet", "stance", "voice")},
    }


EVENT_PARAMETERS = [
    "q",
    "date_after",
    "date_before",
    "status",
    "speaker",
    "outlet",
    "stance",
    "voice",
]


# Every seeded event has claims with attributions of every stance and most voices.
EVENTS_MAY_NOT_DISCRIMINATE = {"stance", "voice"}


def test_parity_covers_every_event_list_parameter():
    assert set(EVENT_PARAMETERS) == set(EventFilter.base_filters) == set(event_values())


@pytest.mark.parametrize("parameter", EVENT_PARAMETERS)
def test_event_page_and_api_list_the_same_events(reader, parameter):
    client, api = reader
    everything, _ = page_rows(client, "/events/", [])
    results = []
    for value in event_values()[parameter]:
        on_page, api_url = page_rows(client, "/events/", as_params(parameter, value))
        assert api_url.startswith("/api/v1/events/?")
        assert on_page == api_rows(api, api_url), (parameter, value)
        results.append(on_page)
    if parameter not in EVENTS_MAY_NOT_DISCRIMINATE:
        assert any(0 < len(rows) < len(everything) for rows in results), parameter


# Search (issue 12: the search page linked to ?search=, which the API ignores) ------------------


@pytest.mark.parametrize(
    "query", ["ISKP", "Haqqani", "killed", "airport bombing", "Saleh", "IS-K denied"]
)
def test_search_page_api_link_gives_the_claims_the_search_page_lists(reader, query):
    client, api = reader
    response = client.get("/search/?" + urlencode({"q": query}))
    listed = {claim.pk for claim in response.context["results"].claims}
    api_url = response.context["api_url"]
    assert api_url == "/api/v1/claims/?" + urlencode({"q": query})
    in_api = api_rows(api, api_url)
    if len(in_api) <= LIMIT:
        assert listed == in_api
    else:  # the page shows the best LIMIT of them
        assert len(listed) == LIMIT and listed <= in_api
    # The claim list page's q is the same rule.
    on_list, _ = page_rows(client, "/claims/", [("q", query)])
    assert on_list == in_api


def test_search_link_with_a_real_query_finds_some_claims(client):
    response = client.get("/search/?q=Haqqani")
    assert response.context["results"].claims
    assert "search=" not in response.context["api_url"]
