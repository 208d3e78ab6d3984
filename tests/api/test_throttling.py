# ruff: noqa: F811  (pytest fixtures imported from tests.api_helpers)
"""The API throttles count atomically, in a cache that needs no table (local memory, or Redis)."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.throttling import SimpleRateThrottle

from api.throttling import AnonymousRateThrottle, SignedInRateThrottle
from config.env import env_cache
from tests.api_helpers import world  # noqa: F401  (fixture)

CLIENTS = 50
LIMIT = 10
REDIS_URL = "redis://127.0.0.1:6379/15"


def _race(throttle_class, cache, address: str) -> list[bool]:
    """`CLIENTS` requests from one address, released at the same moment."""
    barrier = threading.Barrier(CLIENTS)

    def one(_):
        throttle = throttle_class()
        throttle.cache = cache
        request = Request(APIRequestFactory().get("/api/v1/claims/", REMOTE_ADDR=address))
        request.user = None
        barrier.wait()
        return throttle.allow_request(request, None)

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        return list(pool.map(one, range(CLIENTS)))


@pytest.fixture
def ten_a_day(monkeypatch):
    # A day's window: the racing requests cannot straddle two windows.
    monkeypatch.setattr(AnonymousRateThrottle, "THROTTLE_RATES", {"anon": f"{LIMIT}/day"})


def test_anonymous_limit_holds_under_50_concurrent_clients(ten_a_day):
    cache = caches["default"]
    assert cache.__class__.__name__ == "LocMemCache"
    allowed = _race(AnonymousRateThrottle, cache, f"10.0.0.{uuid.uuid4().int % 250}")
    assert allowed.count(True) == LIMIT


def test_a_throttled_client_is_told_when_to_retry(ten_a_day):
    throttle = AnonymousRateThrottle()
    throttle.cache = caches["default"]
    request = Request(APIRequestFactory().get("/api/v1/claims/", REMOTE_ADDR="10.1.2.3"))
    request.user = None
    results = [throttle.allow_request(request, None) for _ in range(LIMIT + 1)]
    assert results == [True] * LIMIT + [False]
    assert 0 < throttle.wait() <= 86400


def test_signed_in_throttle_skips_anonymous_requests():
    request = Request(APIRequestFactory().get("/api/v1/claims/"))
    request.user = None
    assert SignedInRateThrottle().get_cache_key(request, None) is None


@pytest.mark.django_db
def test_api_answers_with_no_cache_table(client):
    assert "cache_table" not in connection.introspection.table_names()
    assert client.get("/api/v1/outlets/").status_code == 200


def test_cache_url_selects_redis_and_refuses_other_schemes(monkeypatch):
    monkeypatch.delenv("CACHE_URL", raising=False)
    assert env_cache("CACHE_URL")["BACKEND"].endswith("LocMemCache")
    monkeypatch.setenv("CACHE_URL", REDIS_URL)
    assert env_cache("CACHE_URL") == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }
    monkeypatch.setenv("CACHE_URL", "memcached://127.0.0.1:11211")
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL must be a Redis URL"):
        env_cache("CACHE_URL")


@pytest.mark.redis
def test_redis_cache_from_cache_url_holds_the_limit(monkeypatch, ten_a_day):
    """Against the Redis server at 127.0.0.1:6379 (.ci/run starts one)."""
    monkeypatch.setenv("CACHE_URL", REDIS_URL)
    config = env_cache("CACHE_URL")
    cache = RedisCache(config["LOCATION"], {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    cache.set("robust-ping", "pong", 5)
    assert cache.get("robust-ping") == "pong"
    allowed = _race(AnonymousRateThrottle, cache, "10.9.8.7")
    assert allowed.count(True) == LIMIT


@pytest.mark.django_db
def test_a_revalidation_answered_304_does_not_count_against_the_rate(monkeypatch, world):
    """As GitHub's API does: a 304 tells the client nothing new and costs one row's read. A 200,
    rendered or from the cache, counts."""
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/day", "user": "2/day"})
    client = APIClient(REMOTE_ADDR=f"10.7.{uuid.uuid4().int % 250}.1")
    url = f"/api/v1/claims/{world['toll'].pk}/"
    first = client.get(url)
    assert first.status_code == 200
    for _ in range(5):
        assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(url).status_code == 200  # the second counted request (from the cache)
    assert client.get(url, HTTP_IF_NONE_MATCH='"stale"').status_code == 429


@pytest.mark.django_db
def test_a_client_over_its_rate_is_refused_before_any_version_is_read(
    monkeypatch, world, django_assert_num_queries
):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "1/day", "user": "1/day"})
    client = APIClient(REMOTE_ADDR=f"10.8.{uuid.uuid4().int % 250}.1")
    url = f"/api/v1/claims/{world['toll'].pk}/"
    etag = client.get(url)["ETag"]
    for headers in ({}, {"HTTP_IF_NONE_MATCH": etag}, {"HTTP_IF_NONE_MATCH": '"stale"'}):
        with django_assert_num_queries(0):
            response = client.get(url, **headers)
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
    lists = client.get("/api/v1/claims/?status=contested", HTTP_IF_NONE_MATCH='"x"')
    assert lists.status_code == 429
