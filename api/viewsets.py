"""The shape every API resource shares: pagination, error responses in the schema, If-Match
concurrency, compact lists and full details, validated writes, 409 for protected deletes."""

import copy
from itertools import batched

from django.conf import settings
from django.core.paginator import InvalidPage
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, StreamingHttpResponse
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissionsOrAnonReadOnly
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from api.concurrency import ConcurrencyMixin
from api.conditional import ConditionalViewSetMixin, ReadVersion, paged_version
from api.filters import lookup
from api.renderers import CSVRenderer, stream_csv

MAX_PAGE_SIZE = 100
# Rows read, serialized and written per step of a streamed CSV list: the queries of a step
# (the rows, their prefetches, the serializer's context) do not grow with its length.
CSV_CHUNK = 1000


def _whole_from_one(raw: str) -> bool:
    return raw.isascii() and raw.isdigit() and int(raw) >= 1


class StrictPageSizeMixin:
    """`page_size` is a whole number of at least 1 (larger than MAX_PAGE_SIZE gives MAX_PAGE_SIZE);
    anything else (`true`, `0`, `-3`) is a 400 naming the parameter, not silently the default."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not _whole_from_one(raw):
            raise ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 (at most {MAX_PAGE_SIZE})."]}
            )
        return min(int(raw), self.max_page_size)

    def check_query(self, request) -> None:
        """A malformed `page` or `page_size` is a 400 however the list is read, also where paging
        does not apply (a CSV streams every row): the parameters are declared as whole numbers."""
        self.get_page_size(request)
        name = getattr(self, "page_query_param", None)  # cursor pages have none
        page = request.query_params.get(name) if name else None
        if page is not None and not (_whole_from_one(page) or page in self.last_page_strings):
            raise ValidationError({"page": ["A page number: a whole number from 1."]})

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] in (self.page_size_query_param, "page"):
                parameter["schema"] = {**parameter["schema"], "minimum": 1}
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Results per page, from 1; above {MAX_PAGE_SIZE} gives {MAX_PAGE_SIZE}."
                )
        return parameters


class PagePagination(StrictPageSizeMixin, PageNumberPagination):
    """Page numbers, with `shown` for the list's ETag: the ids of the requested page and the
    count, which the list then reuses instead of counting again. The count is the view's
    (count_rows) when it has one."""

    _known_count: int | None = None

    def paginate_queryset(self, queryset, request, view=None):
        if self._known_count is None and hasattr(view, "count_rows"):
            self._known_count = view.count_rows(queryset)
        return super().paginate_queryset(queryset, request, view)

    def django_paginator_class(self, queryset, page_size):
        paginator = DjangoPaginator(queryset, page_size)
        if self._known_count is not None:
            paginator.count = self._known_count  # a cached_property: this value stands
        return paginator

    def shown(self, queryset, request, view=None) -> tuple[list, tuple] | None:
        """(ids of the rows the page shows, (count,)), or None for a page that does not exist
        (the list answers 404). The count is the view's (count_rows), when it has one."""
        paginator = DjangoPaginator(
            queryset.values_list("pk", flat=True), self.get_page_size(request)
        )
        counted = view.count_rows(queryset) if hasattr(view, "count_rows") else None
        if counted is not None:
            paginator.count = counted  # a cached_property: this value stands
        try:
            page = paginator.page(self.get_page_number(request, paginator))
        except InvalidPage:
            return None
        self._known_count = paginator.count
        return list(page.object_list), (paginator.count,)


class IdCursorPagination(StrictPageSizeMixin, CursorPagination):
    """For the largest lists (attributions, figures): stable pages however fast rows are added."""

    ordering = "id"

    def shown(self, queryset, request, view=None) -> tuple[list, tuple] | None:
        """(ids of the rows the page shows, whether pages come before and after it), or None for
        a cursor that does not decode (the list answers 404)."""
        probe = copy.copy(self)
        try:
            rows = probe.paginate_queryset(queryset, request, view)
        except NotFound:
            return None
        return [row.pk for row in rows], (probe.has_next, probe.has_previous)


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This record is still referenced and cannot be deleted."
    default_code = "protected"


ErrorSerializer = inline_serializer(
    "Error", fields={"detail": serializers.CharField(help_text="What went wrong.")}
)

ERROR_RESPONSES = {
    "400": OpenApiResponse(
        response=inline_serializer(
            "ValidationError",
            fields={
                "field_name": serializers.ListField(
                    child=serializers.CharField(),
                    required=False,
                    help_text="Messages for each invalid field or parameter, keyed by its name.",
                )
            },
        ),
        description="Invalid input: the body maps each bad field or parameter to its messages.",
    ),
    "401": OpenApiResponse(ErrorSerializer, description="Credentials are missing or wrong."),
    "403": OpenApiResponse(ErrorSerializer, description="Not allowed for this user."),
    "404": OpenApiResponse(ErrorSerializer, description="No such record (or not visible to you)."),
    "406": OpenApiResponse(ErrorSerializer, description="No representation matches Accept."),
    "409": OpenApiResponse(ErrorSerializer, description="Still referenced; cannot be deleted."),
    "412": OpenApiResponse(ErrorSerializer, description="If-Match is stale: the record changed."),
    "413": OpenApiResponse(ErrorSerializer, description="The request body is too large."),
    "415": OpenApiResponse(ErrorSerializer, description="Send application/json."),
    "428": OpenApiResponse(ErrorSerializer, description="If-Match is required for this write."),
    "429": OpenApiResponse(ErrorSerializer, description="Too many requests: slow down."),
}
READ_ERRORS = ("400", "401", "403", "404", "406", "429")
WRITE_ERRORS = ("400", "401", "403", "404", "406", "409", "412", "413", "415", "428", "429")


WRITE_ACTIONS = ("create", "update", "partial_update")


class ApiSchema(AutoSchema):
    """Each viewset's own write and read shapes, the error responses every operation can give,
    and If-Match on writes.

    A write's request body is the view's `write_serializer_class` (when it has one) and its
    response is the read shape (`detail_serializer_class` or `serializer_class`), read from the
    view class itself, so every resource documents its own shapes.
    """

    def _is_write(self) -> bool:
        return getattr(self.view, "action", None) in WRITE_ACTIONS

    def get_request_serializer(self):
        write = getattr(self.view, "write_serializer_class", None)
        if self._is_write() and write:
            return write
        return super().get_request_serializer()

    def get_auth(self):
        """Anonymous reads are allowed where the permission lets anyone read: say so ({})."""
        auths = super().get_auth()
        anyone_reads = any(
            isinstance(p, DjangoModelPermissionsOrAnonReadOnly) for p in self.view.get_permissions()
        )
        if self.method in SAFE_METHODS and anyone_reads and {} not in auths:
            auths.append({})
        return auths

    def get_response_serializers(self):
        if self._is_write():
            return getattr(self.view, "detail_serializer_class", None) or self.view.serializer_class
        return super().get_response_serializers()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = READ_ERRORS if self.method == "GET" else WRITE_ERRORS
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ERROR_RESPONSES[code], code)
        if direction == "response" and self._is_conditional():
            responses["304"] = {
                "description": "Not modified: If-None-Match names the current ETag (no body)."
            }
        return responses

    def _is_conditional(self) -> bool:
        """A GET whose response carries an ETag from what it shows (api.conditional)."""
        action = getattr(self.view, "action", None)
        return (
            self.method == "GET"
            and isinstance(self.view, CuratedViewSet)
            and (action in ("list", "retrieve") or action in self.view.action_versions)
        )

    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        if self.method in ("PUT", "PATCH", "DELETE") and isinstance(self.view, ConcurrencyMixin):
            params.append(
                OpenApiParameter(
                    "If-Match",
                    str,
                    OpenApiParameter.HEADER,
                    required=True,
                    description='The ETag of the version you edited, e.g. "3".',
                )
            )
        if self.method == "GET" and getattr(self.view, "action", None) == "list":
            params.append(
                OpenApiParameter(
                    "format",
                    str,
                    enum=["json", "csv"],
                    description=(
                        "csv: every matching row (not one page: `page` and `page_size` are "
                        "ignored), streamed, with the list's columns; nested objects become "
                        "`parent.child` columns, lists are joined with `; `, and a cell starting "
                        "with = + - @ is prefixed with an apostrophe."
                    ),
                )
            )
        return params

    def _get_response_headers_for_code(self, status_code, direction="response"):
        headers = super()._get_response_headers_for_code(status_code, direction)
        if status_code in ("200", "304") and self._is_conditional():
            headers["ETag"] = {
                "schema": {"type": "string"},
                "description": "The version of everything the response shows: send it in "
                "If-None-Match to get 304 while nothing changed. A record's ETag starts with its "
                'version ("3-…"), which If-Match on writes names.',
            }
            headers["Cache-Control"] = {
                "schema": {"type": "string"},
                "description": "Anonymous readers: `public, max-age=N, must-revalidate`; "
                "signed-in readers: `private, no-cache`.",
            }
        elif status_code == "200" and getattr(self.view, "action", None) in (
            "update",
            "partial_update",
        ):
            headers["ETag"] = {
                "schema": {"type": "string"},
                "description": "The record's version; send it back in If-Match to write.",
            }
        return headers


class CuratedViewSet(ConditionalViewSetMixin, ConcurrencyMixin, viewsets.ModelViewSet):
    """One shape for every resource: compact lists, full details, validated and versioned writes.

    Subclasses set `serializer_class` (lists), optionally `detail_serializer_class` and
    `write_serializer_class`, and a `filterset_class`. Records are found by id, or by slug when
    the model has one.

    Conditional reads (api.conditional): a subclass names the version of its detail reads
    (`detail_version(key)`) and of its lists (`list_version(rows)`, given the rows of the page
    the list shows: `page_version`); other GET actions
    name theirs in `action_versions` (action name -> "detail" to share the detail's version, or
    NAME for the view's `NAME_version(key)`).
    """

    action_versions: dict[str, str] = {}

    detail_serializer_class = None
    write_serializer_class = None
    # What ?expand= may name on this resource; a resource with nothing to expand refuses it (400)
    # rather than ignoring it silently.
    expandable: tuple[str, ...] = ()
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]
    pagination_class = PagePagination
    schema = ApiSchema()
    lookup_value_regex = r"[^/.]+"
    slug_field: str | None = "slug"
    # The actions that answer a page of rows (and declare `page` / `page_size`) in JSON.
    paged_actions: tuple[str, ...] = ("list",)

    def initial(self, request, *args, **kwargs):
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length.isdigit() and int(length) > limit:
            raise RequestTooLarge(f"The request body is larger than {limit} bytes.")
        super().initial(request, *args, **kwargs)
        if self.action in self.paged_actions and self.paginator is not None:
            self.paginator.check_query(request)
        if request.query_params.get("expand") and not self.expandable:
            raise ValidationError({"expand": ["This resource has nothing to expand."]})

    def detail_version(self, key) -> ReadVersion | None:
        return None

    def list_version(self, queryset) -> ReadVersion | None:
        return None

    def page_version(self, queryset) -> ReadVersion | None:
        """The version of the rows a list response shows: for a page, those of the page's rows
        plus what places them (the count, or whether more pages follow), so that the ETag costs
        a look-up of one page, not an aggregate over every matching row (400,000 attributions:
        180 ms at scale 1); for CSV, which streams every row, all of them."""
        if self.paginator is None or self.wants_csv():
            return self.list_version(queryset)
        shown = self.paginator.shown(queryset, self.request, self)
        if shown is None:
            return None
        ids, placement = shown
        return paged_version(self.list_version(queryset.filter(pk__in=ids)), ids, placement)

    def count_rows(self, rows) -> int | None:
        """How many rows the filtered list holds, when `rows` is that list and its FilterSet
        counts (ClaimFilter.count: the same number, counted the fast way); else None, and the
        paginator counts `rows` itself."""
        filterset = getattr(self, "filterset", None)
        if rows is getattr(self, "_filtered", None) and hasattr(filterset, "count"):
            return filterset.count()
        return None

    def filtered_queryset(self):
        """The list's rows, filtered once per request: the ETag's page and the response read the
        same rows, and a filter that resolves a name (?speaker=) looks it up once."""
        if getattr(self, "_filtered", None) is None:
            self._filtered = self.filter_queryset(self.get_queryset())
        return self._filtered

    def read_version(self) -> ReadVersion | None:
        if self.action == "list":
            return self.page_version(self.filtered_queryset())
        key = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if self.action == "retrieve" or self.action_versions.get(self.action) == "detail":
            return self.detail_version(key)
        if self.action in self.action_versions:
            return getattr(self, f"{self.action_versions[self.action]}_version")(key)
        return None

    def wants_csv(self) -> bool:
        return getattr(self.request, "accepted_renderer", None) is not None and (
            self.request.accepted_renderer.format == CSVRenderer.format
        )

    def csv_rows(self, rows: list) -> list:
        """One chunk of a streamed CSV list, serialized as its JSON list would be."""
        return self.get_serializer(rows, many=True).data

    def stream_csv(self, queryset) -> StreamingHttpResponse:
        """Every row of the filtered list as CSV, unpaginated, read CSV_CHUNK rows at a time.

        iterator(chunk_size=...) runs the queryset's prefetches once per chunk, so the query count
        grows with the number of chunks, never with the number of rows.
        """
        chunks = (
            self.csv_rows(list(rows))
            for rows in batched(queryset.iterator(chunk_size=CSV_CHUNK), CSV_CHUNK)
        )
        response = StreamingHttpResponse(
            stream_csv(chunks), content_type=f"{CSVRenderer.media_type}; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{self.basename or "list"}.csv"'
        return response

    def list(self, request, *args, **kwargs):
        queryset = self.filtered_queryset()
        if self.wants_csv():
            return self.stream_csv(queryset)
        page = self.paginate_queryset(queryset)
        rows = queryset if page is None else page
        data = self.get_serializer(rows, many=True).data
        return Response(data) if page is None else self.get_paginated_response(data)

    def get_object(self):
        """The row the address names by id or slug (api.filters.lookup), as DRF finds it."""
        found = lookup(self.kwargs[self.lookup_url_kwarg or self.lookup_field], self.slug_field)
        if found is None:
            raise Http404
        obj = get_object_or_404(self.filter_queryset(self.get_queryset()), **found)
        self.check_object_permissions(self.request, obj)
        return obj

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update") and self.write_serializer_class:
            return self.write_serializer_class
        if self.action == "retrieve" and self.detail_serializer_class:
            return self.detail_serializer_class
        return self.serializer_class

    def read_representation(self, instance):
        serializer_class = self.detail_serializer_class or self.serializer_class
        fresh = self.get_queryset().get(pk=instance.pk)
        return serializer_class(fresh, context=self.get_serializer_context()).data

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)

        data = self.read_representation(serializer.instance)
        response = Response(data, status=status.HTTP_201_CREATED)
        response["ETag"] = f'"{data["version"]}"'
        return response

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        if response.status_code == 200 and isinstance(response.data, dict):
            response.data = self.read_representation(self._updated)
        return response

    def perform_update(self, serializer):
        super().perform_update(serializer)
        self._updated = serializer.instance

    def delete_instance(self, instance) -> None:
        """Delete the record; a domain viewset overrides this to call its service."""
        instance.delete()

    def perform_destroy(self, instance):
        try:
            self.delete_instance(instance)
        except (ProtectedError, RestrictedError) as error:
            names = sorted({str(obj._meta.verbose_name) for obj in error.protected_objects})[:5]
            raise Conflict(
                f"This {instance._meta.verbose_name} is still referenced by "
                f"{', '.join(names)} records; delete or re-point those first."
            ) from None
