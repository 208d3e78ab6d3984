"""The remembered content negotiation chooses what DRF's chooses, and remembers a bounded number
of choices."""

import pytest
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from api import negotiation
from api.renderers import CSVRenderer

ACCEPTS = [
    "*/*",
    "application/json",
    "application/json; indent=4",
    "text/html",
    "text/csv",
    "text/csv;q=0.5, application/json",
    "application/*",
]


def _choose(negotiator, accept: str | None, query: str = ""):
    headers = {"HTTP_ACCEPT": accept} if accept is not None else {}
    request = Request(APIRequestFactory().get(f"/api/v1/claims/{query}", **headers))
    renderers = [JSONRenderer(), BrowsableAPIRenderer(), CSVRenderer()]
    try:
        renderer, media_type = negotiator.select_renderer(request, renderers)
    except NotAcceptable:
        return NotAcceptable
    return type(renderer), media_type


@pytest.mark.parametrize("accept", [*ACCEPTS, None])
@pytest.mark.parametrize("query", ["", "?format=csv", "?format=json"])
def test_chooses_what_drf_chooses_every_time(accept, query):
    drf = _choose(DefaultContentNegotiation(), accept, query)
    for _ in range(2):  # the second answer is the remembered one
        assert _choose(negotiation.RememberedContentNegotiation(), accept, query) == drf


def test_an_unacceptable_request_is_refused_every_time():
    for _ in range(2):
        assert _choose(negotiation.RememberedContentNegotiation(), "image/png") is NotAcceptable


def test_remembers_a_bounded_number_of_choices(monkeypatch):
    monkeypatch.setattr(negotiation, "_chosen", {})
    monkeypatch.setattr(negotiation, "REMEMBERED", 3)
    for i in range(10):
        choice = _choose(negotiation.RememberedContentNegotiation(), f"application/json; v={i}")
        assert choice == (JSONRenderer, f"application/json; v={i}")
    assert len(negotiation._chosen) == 3
