"""Middleware at the edge: control characters refused, API errors always JSON."""

import io
import json
import re
from urllib.parse import unquote_plus

from django.http import HttpResponse

# C0 controls and DEL. No page or record has them in its address, and PostgreSQL refuses NUL in
# any string, so a query carrying one would fail deep inside a view.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
API_PREFIX = "/api/"


def _error(request, status: int, detail: str) -> HttpResponse:
    if request.path_info.startswith(API_PREFIX):
        return HttpResponse(
            json.dumps({"detail": detail}), status=status, content_type="application/json"
        )
    return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")


class RefuseControlCharactersMiddleware:
    """A path or query string holding a control character (NUL, newline...) is a 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = unquote_plus(request.META.get("QUERY_STRING", ""), errors="replace")
        if CONTROL.search(request.path_info) or CONTROL.search(query):
            return _error(
                request, 400, "The address holds a control character (such as NUL): refused."
            )
        return self.get_response(request)


class JsonApiNotFoundMiddleware:
    """A 404 under /api/ is JSON, even where Django would render its HTML page (DEBUG)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path_info.startswith(API_PREFIX)
            and not response.get("Content-Type", "").startswith("application/")
        ):
            return _error(request, 404, "Not found.")
        return response


class ChunkedBodyMiddleware:
    """WSGI middleware: a chunked request body (no Content-Length) is read, up to the upload
    limit, and handed to Django with its length. Django reads only Content-Length bytes, so it
    saw such a body as empty and answered a misleading 400."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not environ.get("CONTENT_LENGTH"):
            from django.conf import settings

            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2**31
            # One byte over the limit is enough for the size check to refuse it (413).
            data = environ["wsgi.input"].read(limit + 1)
            environ["wsgi.input"] = io.BytesIO(data)
            environ["CONTENT_LENGTH"] = str(len(data))
        return self.application(environ, start_response)
