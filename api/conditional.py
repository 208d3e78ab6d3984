"""Conditional and cached reads: ETags from the versions of what a response shows, 304s, and
rendered public responses kept in the cache under that ETag.

The mechanism only; what a response shows, and so what its version is, is the domain's business
(`claims.versions`, `sources.versions`): a view declares a version function returning a
`ReadVersion` (or None: no ETag, the view answers as it would, e.g. 404). For a GET or HEAD:

1. the version is read by a cheap query (`stamp`: count, checksum of ids, sums of versions and
   latest timestamps of the rows shown) BEFORE anything is rendered, and kept until anything
   commits (`once_per_state`, api.committed): while nothing changes, a list's or an event's
   version, an aggregate over thousands of rows, costs one query of a token;
2. the ETag is a digest of that version, the viewer class (anonymous, or the signed-in user: a
   reader who sees drafts sees other rows), the negotiated media type and the full path with its
   query; a detail's ETag starts with the record's `version` (`"<version>-<digest>"`), so
   If-Match on writes (api.concurrency) still names the version the client read;
3. If-None-Match naming it answers 304 at once;
4. an anonymous request is answered from the cache when the rendered body is there under that
   ETag; otherwise the view renders and an anonymous 200 is cached (never a signed-in reader's
   response, never one that sets a cookie, never a streamed one).

Headers: `Cache-Control: public, max-age=PUBLIC_MAX_AGE, must-revalidate` for anonymous readers,
`private, no-cache` for signed-in ones; `Vary: Accept, Cookie, Authorization`.
"""

import dataclasses
import functools
import hashlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db.models import Count, F, Max, QuerySet, Sum, Value
from django.db.models.functions import Mod
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags

from api import committed

# The squares of ids are summed modulo this prime, so a set of rows that trades ids for others
# with the same sum (and count) still changes the checksum, and the sum fits a 64-bit integer.
_PRIME = 1_000_003
VARY = ("Accept", "Cookie", "Authorization")
_KEY_PREFIX = "conditional:"


@dataclass(frozen=True)
class ReadVersion:
    """What a response shows, as plain values: `parts` (stamps of every queryset it reads) and,
    for a record's detail, that record's `version` (the prefix of the ETag)."""

    parts: tuple
    record_version: int | None = None
    # Some parts by name, for the view to key work it can reuse while they hold (e.g. the
    # comparison of an event's figures, keyed by the stamp of those figures): `part(request, name)`.
    named: dict = dataclasses.field(default_factory=dict, compare=False)


def part(request, name: str):
    """The named part of the version this request's ETag was computed from (None when it had
    none: no ETag for this request, or the view names no such part)."""
    version = getattr(request, "read_version", None)
    return None if version is None else version.named.get(name)


def paged_version(rows: ReadVersion | None, ids: Iterable[int], placement: tuple):
    """The version of one page of a list: its rows' version (`rows`, over those rows alone),
    which rows in which order (`ids`) and what places them (the count and the page number, or
    whether pages come before and after it). A look-up of one page, not an aggregate over
    every matching row (80,000 public claims: 53 ms at scale 1). None when `rows` is."""
    return None if rows is None else ReadVersion((*rows.parts, tuple(ids), placement))


def stamp(queryset: QuerySet, sums: Iterable[str] = ("version",), latest: Iterable[str] = ()):
    """One aggregate query over `queryset`: how many rows, a checksum of their ids, the sum of
    each field in `sums` (versions only grow, so any save raises the sum) and the latest of each
    timestamp in `latest` (e.g. the `updated_at` of the records a row names: editing one raises
    it). Rows entering, leaving or changing all change the result."""
    aggregates = {
        "n": Count("pk"),
        "ids": Sum("pk"),
        "squares": Sum(Mod(F("pk") * F("pk"), Value(_PRIME))),
    }
    for i, field in enumerate(sums):
        aggregates[f"s{i}"] = Sum(field)
    for i, field in enumerate(latest):
        aggregates[f"m{i}"] = Max(field)
    values = queryset.order_by().aggregate(**aggregates)
    return tuple(str(values[key]) for key in aggregates)


def once_per_version[T](version, compute: Callable[[], T]) -> T:
    """`compute()`, kept in the cache under `version` when there is one: what identifies exactly
    the rows it reads and what they show (e.g. the stamp claims.versions gives an event's
    figures: any write to one of them, to its attribution or claim, moves it), with whatever else
    selects them (the reader's visibility, the shape of the query). So work over every figure of
    a hot event (55 ms of a 90 ms response at scale 1, the same for every page) runs once per
    change of those figures, not once per request, and nothing stale is reused."""
    if version is None:
        return compute()
    key = "once-per-version:" + hashlib.blake2b(repr(version).encode(), digest_size=16).hexdigest()
    cache = caches[getattr(settings, "DERIVED_CACHE", "default")]
    found = cache.get(key)
    if found is not None:
        return found
    # One thread of the process computes; the others that miss the same key meanwhile wait for
    # it and read its result (after a commit every request in flight misses at once).
    with _computing_guard:
        computing = _computing.setdefault(key, [threading.RLock(), 0])
        computing[1] += 1
    try:
        with computing[0]:
            found = cache.get(key)
            if found is None:
                found = compute()
                cache.set(key, found, getattr(settings, "CONDITIONAL_CACHE_TIMEOUT", 300))
    finally:
        with _computing_guard:
            computing[1] -= 1
            if not computing[1]:
                del _computing[key]
    return found


# The keys being computed in this process: {key: [lock, threads waiting or computing]}.
_computing: dict[str, list] = {}
_computing_guard = threading.Lock()


def once_per_state[T](what: tuple, compute: Callable[[], T]) -> T:
    """`compute()`, a read of the database that `what` identifies (with everything else it
    depends on), kept until anything commits: under the database's present state
    (api.committed). Every query of `compute` reads the database the state was read from."""
    with committed.reading() as state:
        return once_per_version(None if state is None else (state, what), compute)


def kept_version(request, view: tuple, version_of: Callable[[], ReadVersion | None]):
    """The version a request's response shows, kept until anything commits (once_per_state) per
    `view` (what answers: a page's function, a viewset's action and format), reader and address."""
    return once_per_state((*view, viewer(request), request.get_full_path()), version_of)


def viewer(request) -> str:
    """Who reads: anonymous readers share representations; a signed-in reader has their own
    (they may see drafts, and pages may name them)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "anonymous"
    return f"user:{user.pk}"


def is_public(request) -> bool:
    return viewer(request) == "anonymous"


def etag_of(version: ReadVersion, request, media_type: str = "", weak: bool = False) -> str:
    """The ETag: the version, the viewer, the media type and the absolute address (the host and
    scheme too: bodies hold absolute links)."""
    address = (request.scheme, request.get_host(), request.get_full_path())
    material = repr((version.parts, viewer(request), media_type, address))
    digest = hashlib.blake2b(material.encode(), digest_size=12).hexdigest()
    tag = f"{version.record_version}-{digest}" if version.record_version is not None else digest
    return f'{"W/" if weak else ""}"{tag}"'


def matches(request, etag: str) -> bool:
    """True when If-None-Match names `etag` (weak comparison, as RFC 9110 asks for GET)."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    wanted = parse_etags(header)
    return "*" in wanted or etag.removeprefix("W/") in {e.removeprefix("W/") for e in wanted}


def _cache():
    return caches[getattr(settings, "CONDITIONAL_CACHE", "default")]


def cache_key(etag: str) -> str:
    return _KEY_PREFIX + etag


# A page's CSP nonce differs per response: its body is kept with this placeholder instead, and
# each response served from the cache gets the nonce of its own request (and CSP header).
_NONCE_PLACEHOLDER = b"\x00csp-nonce\x00"


def _nonce(request):
    nonce = getattr(request, "_csp_nonce", None)
    return str(nonce) if nonce else None  # a LazyNonce is false until something used it


def remember(request, etag: str, response) -> None:
    """Keep an anonymous 200's body under its ETag (not a streamed one, not one setting cookies)."""
    if (
        response.status_code != 200
        or getattr(response, "streaming", False)
        or response.cookies
        or response.has_header("Content-Disposition")
    ):
        return
    content = response.content
    nonce = _nonce(request)
    if nonce:
        content = content.replace(nonce.encode(), _NONCE_PLACEHOLDER)
    _cache().set(
        cache_key(etag),
        (content, response["Content-Type"], bool(nonce)),
        getattr(settings, "CONDITIONAL_CACHE_TIMEOUT", 300),
    )


def from_cache(request, etag: str) -> HttpResponse | None:
    hit = _cache().get(cache_key(etag))
    if hit is None:
        return None
    content, content_type, uses_nonce = hit
    if uses_nonce:
        nonce = getattr(request, "_csp_nonce", None)
        if nonce is None:
            return None
        content = content.replace(_NONCE_PLACEHOLDER, str(nonce).encode())
    return HttpResponse(content, content_type=content_type)


def not_modified() -> HttpResponse:
    return HttpResponseNotModified()


def decorate(response, request, etag: str) -> None:
    """ETag, Cache-Control and Vary of a conditional response (200 or 304)."""
    if response.status_code not in (200, 304):
        return
    response["ETag"] = etag
    if is_public(request):
        max_age = getattr(settings, "PUBLIC_MAX_AGE", 30)
        response["Cache-Control"] = f"public, max-age={max_age}, must-revalidate"
    else:
        response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, VARY)


def answer_early(request, etag: str) -> HttpResponse | None:
    """The response a request gets before its view runs: 304, or the cached public body."""
    if matches(request, etag):
        return not_modified()
    return cached_public(request, etag)


def cached_public(request, etag: str) -> HttpResponse | None:
    """The public body kept under `etag`, for an anonymous GET (None for anything else)."""
    if request.method == "GET" and is_public(request):
        return from_cache(request, etag)
    return None


def conditional_page(version_of: Callable[..., ReadVersion | None]):
    """Decorate a page view: `version_of(request, **kwargs)` reads what the page shows."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            # The page is read under the state its version was (one token, no second query):
            # from the same database, so a body is never older than the ETag it is kept under.
            with committed.reading():
                return _answer(request, view, version_of, args, kwargs)

        return wrapper

    return decorator


def _answer(request, view, version_of, args, kwargs):
    """A page's GET: its version, then a 304, the kept body, or the view's rendering."""
    version = kept_version(
        request,
        ("page", view.__module__, view.__qualname__),
        lambda: version_of(request, *args, **kwargs),
    )
    request.read_version = version
    if version is None:
        return view(request, *args, **kwargs)
    # Weak: the body differs by its CSP nonce from one response to the next.
    etag = etag_of(version, request, "text/html", weak=True)
    response = answer_early(request, etag)
    if response is None:
        response = view(request, *args, **kwargs)
        if request.method == "GET" and is_public(request):
            remember(request, etag, response)
    decorate(response, request, etag)
    return response


class AnsweredEarly(Exception):
    """Raised in a viewset's initial() to answer before the handler runs."""

    def __init__(self, response):
        self.response = response


class ConditionalViewSetMixin:
    """For DRF viewsets: `read_version()` (override per action) gives the version of what a GET
    shows; the ETag, 304, cache and headers follow from it. Formats whose body holds per-request
    data (the browsable API: CSRF token, user name) get no ETag."""

    uncacheable_formats = ("api",)

    def read_version(self) -> ReadVersion | None:
        return None

    def initial(self, request, *args, **kwargs):
        # DRF's checks in its order, but the throttles count after the revalidation: a 304 tells
        # the client nothing new and costs one row's read, so, as GitHub's API does, it does not
        # count against the rate (a cached 200 does). A client already over its rate is refused
        # before anything is read (check_throttles).
        self._throttles_deferred = True
        try:
            super().initial(request, *args, **kwargs)
        finally:
            self._throttles_deferred = False
        self._conditional_etag = None
        if request.method in ("GET", "HEAD"):
            etag = self._conditional_etag = self._etag(request)
            if etag is not None and matches(request, etag):
                raise AnsweredEarly(not_modified())
        self.check_throttles(request)
        if self._conditional_etag is not None:
            cached = cached_public(request, self._conditional_etag)
            if cached is not None:
                raise AnsweredEarly(cached)

    def check_throttles(self, request):
        if not getattr(self, "_throttles_deferred", False):
            super().check_throttles(request)
            return
        # Before the revalidation: count nothing, but refuse a client over its rate at once, so
        # that a throttled client costs no version read.
        waits = [
            throttle.wait()
            for throttle in self.get_throttles()
            if getattr(throttle, "exhausted", None) and throttle.exhausted(request, self)
        ]
        if waits:
            self.throttled(request, max(waits))

    def _etag(self, request) -> str | None:
        renderer = getattr(request, "accepted_renderer", None)
        if renderer is None or renderer.format in self.uncacheable_formats:
            return None
        view = (type(self).__module__, type(self).__qualname__, self.action, renderer.format)
        version = kept_version(request, view, self.read_version)
        request.read_version = version
        if version is None:
            return None
        return etag_of(version, request, request.accepted_media_type)

    def handle_exception(self, exc):
        if isinstance(exc, AnsweredEarly):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        etag = getattr(self, "_conditional_etag", None)
        if etag is None or response.status_code not in (200, 304):
            return response
        if response.status_code == 200 and request.method == "GET" and is_public(request):
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            remember(request, etag, response)
        decorate(response, request, etag)
        return response
