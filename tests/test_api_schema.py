"""The OpenAPI schema and docs, and a bounded schemathesis run against the in-process WSGI app.

The run fails on any 5xx, any response not described by the schema, and any body that does not
match it. Examples are few (see `settings`) so the run finishes in well under two minutes.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.api_helpers)

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from tests.api_helpers import _generous_throttles, reviewer, world  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def test_schema_describes_every_endpoint_and_error(client):
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/claims/{id}/",
        "/api/v1/claims/{id}/stances/",
        "/api/v1/claims/{id}/claimreview/",
        "/api/v1/claims/{id}/history/",
        "/api/v1/events/{id}/figures/",
        "/api/v1/changes/",
        "/api/v1/attributions/",
        "/api/v1/figures/",
    ]:
        assert path in paths
    patch = paths["/api/v1/claims/{id}/"]["patch"]
    assert {"400", "401", "403", "404", "412", "428", "429"} <= set(patch["responses"])
    assert any(p["name"] == "If-Match" for p in patch["parameters"])
    listing = paths["/api/v1/claims/"]["get"]
    assert {"status", "speaker", "q", "date_after", "expand", "format", "page_size"} <= {
        p["name"] for p in listing["parameters"]
    }


def test_docs_page_has_no_inline_script_and_loads_local_assets(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html and "<style>" not in html
    assert "cdn" not in html.lower()
    assert "Content-Security-Policy" in response.headers
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert b"SwaggerUIBundle" in script.content


def _component(content: dict) -> str:
    ref = content["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[1]


def test_each_resource_documents_its_own_write_and_read_shapes(client):
    """POST/PUT/PATCH of every resource name that resource's write serializer as the request body
    and its read serializer as the response (not one resource's shapes for all)."""

    from config.api import router

    schema = client.get("/api/v1/schema/?format=json").json()
    for prefix, viewset, _ in router.registry:
        write = (
            getattr(viewset, "write_serializer_class", None) or viewset.serializer_class
        ).__name__
        read = (
            getattr(viewset, "detail_serializer_class", None) or viewset.serializer_class
        ).__name__
        write = write.removesuffix("Serializer")
        read = read.removesuffix("Serializer")
        collection = schema["paths"][f"/api/v1/{prefix}/"]["post"]
        detail = schema["paths"][f"/api/v1/{prefix}/{{id}}/"]
        for operation, request_name, code in [
            (collection, f"{write}Request", "201"),
            (detail["put"], f"{write}Request", "200"),
            (detail["patch"], f"Patched{write}Request", "200"),
        ]:
            assert _component(operation["requestBody"]["content"]) == request_name, prefix
            assert _component(operation["responses"][code]["content"]) == read, prefix


MAX_EXAMPLES = 6  # per operation: about 40 operations, well under two minutes in total


@pytest.mark.parametrize("who", ["anonymous", "reviewer"])
def test_api_conforms_to_its_schema(world, reviewer, who):
    """Generated requests to every operation: no 5xx, only documented statuses and shapes.

    Runs as one test (schemathesis' pytest loader does not support this pytest version), one
    hypothesis run per operation, inside the test's transaction so the world fixture is visible.
    """
    # Like Django's test client: keep the test's connection (and transaction) open between requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        failures = _run(who, reviewer)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert not failures, "\n\n".join(failures)


def _run(who, reviewer) -> list[str]:
    api = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
    checks = [not_a_server_error, status_code_conformance, response_schema_conformance]
    headers = {}
    if who == "reviewer":  # writes get past authentication and reach validation
        token, _ = Token.objects.get_or_create(user=reviewer)
        headers = {"Authorization": f"Token {token.key}"}
    failures = []
    for result in api.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(checks=checks, headers=headers)

        try:
            run()
        except Exception as error:  # collect every operation's failure, then report all
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    return failures


def test_schema_states_anonymous_reads_strict_bodies_ids_from_one_and_json_first(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    paths, components = schema["paths"], schema["components"]["schemas"]
    assert {} in paths["/api/v1/claims/"]["get"]["security"]  # anyone may read
    assert {} not in paths["/api/v1/claims/"]["post"]["security"]
    assert {} not in paths["/api/v1/claims/{id}/history/"]["get"]["security"]  # staff only
    requests = {name: c for name, c in components.items() if name.endswith("Request")}
    assert requests and all(c["additionalProperties"] is False for c in requests.values())
    assert components["AttributionWriteRequest"]["properties"]["document"]["minimum"] == 1
    assert components["AttributionDetail"]["properties"]["date"]["nullable"] is True
    listing = {p["name"]: p["schema"] for p in paths["/api/v1/claims/"]["get"]["parameters"]}
    assert listing["page"]["minimum"] == listing["page_size"]["minimum"] == 1
    # An optional filter number may also be sent empty ("not given", as forms send it).
    attributions = paths["/api/v1/attributions/"]["get"]["parameters"]
    number, empty = next(p["schema"] for p in attributions if p["name"] == "claim")["anyOf"]
    assert number["minimum"] == 1
    assert empty == {"type": "string", "maxLength": 0}
    assert listing["event"]["pattern"] == "^[^\\u0000-\\u001f\\u007f]*$"
    for operations in paths.values():
        for operation in operations.values():
            for response in operation["responses"].values():
                types = list(response.get("content", {}))
                assert (
                    not types or "application/json" not in types or types[0] == ("application/json")
                )


@pytest.mark.parametrize("value", ["true", "0", "-3", "1.5"])
def test_a_page_size_that_is_not_a_whole_number_from_1_is_a_400(client, value):
    for resource in ("claims", "attributions"):
        response = client.get(f"/api/v1/{resource}/?page_size={value}")
        assert response.status_code == 400
        assert response.json() == {"page_size": ["A whole number from 1 (at most 100)."]}


def test_a_write_with_a_number_for_a_text_field_is_a_400(reviewer):
    from tests.api_helpers import token_client

    response = token_client(reviewer).post(
        "/api/v1/outlets/", {"name": "Wire", "country": 12, "kind": "other"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"country": ["Expected a string."]}


@pytest.mark.parametrize("format_", ["json", "csv"])
def test_a_malformed_page_or_page_size_is_a_400_also_where_csv_ignores_paging(client, format_):
    """CSV streams every row and ignores paging, but the parameters are declared as whole
    numbers: a malformed one is refused the same way in either format."""
    from tests import factories

    event = factories.ClaimFactory().event
    paths = ("/api/v1/claims/", "/api/v1/events/", f"/api/v1/events/{event.pk}/figures/")
    for path in paths:
        for query in ("page_size=%C3%A6", "page=true", "page=0"):
            response = client.get(f"{path}?{query}&format={format_}")
            assert response.status_code == 400, (path, query)
            name = query.split("=")[0]
            body = response.content.decode()
            assert body.startswith(f'{{"{name}":' if format_ == "json" else name), body
        assert client.get(f"{path}?page=1&page_size=5&format={format_}").status_code == 200
