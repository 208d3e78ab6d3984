"""The edge of the site: control characters refused with 400, API 404s always JSON."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/search/?q=a%00b",
        "/claims/a%00b/",
        "/claims/?q=a%01b",
        "/actors/a%0Ab/",
        "/api/v1/claims/a%00b/",
        "/api/v1/claims/?speaker=a%00b",
        "/api/v1/outlets/?q=%7F",
    ],
)
def test_nul_byte_is_a_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "control character" in response.content.decode()
    if url.startswith("/api/"):
        assert response.json() == {
            "detail": "The address holds a control character (such as NUL): refused."
        }


def test_an_ordinary_query_passes_the_edge(client):
    assert client.get("/search/?q=Taliban%20denial").status_code == 200


def test_api_404_is_json_even_in_debug(client, settings):
    settings.DEBUG = True
    for url in ["/api/v1/nowhere/", "/api/v1/claims/no-such-claim/"]:
        response = client.get(url)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert "detail" in response.json()
    assert client.get("/nowhere/")["Content-Type"].startswith("text/html")


def test_428_suggests_the_records_current_etag(client):
    from rest_framework.test import APIClient

    from tests.api_helpers import editor_permissions, grant
    from tests.factories import EventFactory, UserFactory

    event = EventFactory()
    event.place = "moved"
    event.save()
    api = APIClient()
    api.force_authenticate(grant(UserFactory(), *editor_permissions()))
    response = api.patch(f"/api/v1/events/{event.pk}/", {"place": "x"}, format="json")
    assert response.status_code == 428
    assert f'If-Match: "{event.version}"' in response.json()["detail"]
    assert event.version == 2


def test_a_write_after_a_concurrent_delete_is_404_not_version_none(monkeypatch):
    from rest_framework.test import APIClient

    from api.viewsets import CuratedViewSet
    from claims.models import Event
    from tests.api_helpers import editor_permissions, grant
    from tests.factories import EventFactory, UserFactory

    event = EventFactory()
    real_get_object = CuratedViewSet.get_object

    def get_object_then_lose_it(self):
        instance = real_get_object(self)
        Event.objects.filter(pk=instance.pk).delete()  # another request deletes it meanwhile
        return instance

    monkeypatch.setattr(CuratedViewSet, "get_object", get_object_then_lose_it)
    api = APIClient()
    api.force_authenticate(grant(UserFactory(), *editor_permissions()))
    response = api.patch(
        f"/api/v1/events/{event.pk}/", {"place": "x"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "This record has just been deleted."}


def _call(app, environ):
    out = {}

    def start_response(status, headers):
        out["status"] = status

    body = b"".join(app(environ, start_response))
    return out["status"], body


def test_a_chunked_body_reaches_django_with_its_length():
    import io

    from api.middleware import ChunkedBodyMiddleware

    def echo(environ, start_response):
        start_response("200 OK", [])
        length = int(environ["CONTENT_LENGTH"])
        return [environ["CONTENT_LENGTH"].encode(), b":", environ["wsgi.input"].read(length)]

    app = ChunkedBodyMiddleware(echo)
    body = b'{"name": "Chunked"}'
    environ = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(body)}
    assert _call(app, environ) == ("200 OK", b'19:{"name": "Chunked"}')


def test_an_oversized_chunked_body_is_read_only_to_the_limit(settings):
    import io

    from api.middleware import ChunkedBodyMiddleware

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10

    def length(environ, start_response):
        start_response("200 OK", [])
        return [environ["CONTENT_LENGTH"].encode()]

    environ = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(b"x" * 1000)}
    assert _call(ChunkedBodyMiddleware(length), environ) == ("200 OK", b"11")


@pytest.mark.parametrize("url", ["/api/v1/outlets/?expand=aliases", "/api/v1/events/?expand=x"])
def test_expand_on_a_resource_with_nothing_to_expand_is_a_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response.json() == {"expand": ["This resource has nothing to expand."]}


@pytest.mark.parametrize(
    ("since", "status"),
    [
        ("1746-10-10T10:35:45+16:50", 200),  # PostgreSQL refuses such an offset: sent in UTC
        ("0001-01-01T00:00:00+05:00", 400),  # before year 1 in UTC
    ],
)
def test_changes_since_any_iso_offset_is_answered_not_500(client, since, status):
    from urllib.parse import quote

    response = client.get(f"/api/v1/changes/?since={quote(since)}")
    assert response.status_code == status
