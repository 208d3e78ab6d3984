"""Optimistic concurrency for API writes: ETag from a record's `version`, If-Match required.

Every write response carries `ETag: "<version>"`; a detail read's ETag is "<version>-<digest>"
(api.conditional), and either form names the version in If-Match. PUT, PATCH and DELETE must send that value in
If-Match (428 without it) and are refused with 412 when the record changed meanwhile. The check
locks the row (select_for_update) inside the write's transaction, so of two racing writers with
the same If-Match exactly one wins.
"""

import re

from django.db import transaction
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound

_ETAG = re.compile(r'^\s*(?:W/)?"([^"]*)"\s*$')


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        "This write needs an If-Match header with the ETag of the version you edited. "
        "Read the record first (GET) to get its ETag."
    )
    default_code = "precondition_required"


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record changed since you read it. Reload it and apply your change again."
    default_code = "precondition_failed"


def etag_for(version: int) -> str:
    return f'"{version}"'


def requested_versions(header: str | None, current: int) -> set[str]:
    """The versions named by an If-Match header ("3", W/"3", or a comma-separated list).

    The messages suggest the record's `current` ETag, which a client that read it would send.
    """
    example = f"If-Match: {etag_for(current)}"
    if not header or not header.strip():
        raise PreconditionRequired(
            "This write needs an If-Match header with the ETag of the version you edited "
            f"(the record is now at {example}). Read the record first (GET) to get its ETag."
        )
    versions = set()
    for part in header.split(","):
        match = _ETAG.match(part)
        if not match:
            raise PreconditionRequired(
                f"If-Match must hold the quoted ETag of the record, e.g. {example}; "
                f"got {header[:40]!r}."
            )
        # A GET's ETag is "<version>-<digest of what it showed>" (api.conditional): the
        # version is what a write must name.
        versions.add(match.group(1).partition("-")[0])
    return versions


class ConcurrencyMixin:
    """For (ReadOnly)ModelViewSets over models with a `version` field."""

    def _lock_and_check(self, request):
        instance = self.get_object()
        wanted = requested_versions(request.headers.get("If-Match"), instance.version)
        current = (
            type(instance)
            # FOR NO KEY UPDATE: it serialises writers of this row but lets another transaction
            # insert a row that references it (a figure of this attribution), which a plain
            # FOR UPDATE would block, deadlocking with that insert's lock on the claim.
            ._default_manager.select_for_update(of=("self",), no_key=True)
            .filter(pk=instance.pk)
            # Not the model's default ordering: ordering by a nullable foreign key (a figure's
            # event) joins its table, and PostgreSQL cannot lock the nullable side of an outer
            # join; the lock is for this row alone.
            .order_by()
            .values_list("version", flat=True)
            .first()
        )
        if current is None:  # deleted by a concurrent request since get_object()
            raise NotFound("This record has just been deleted.")
        if str(current) not in wanted:
            raise PreconditionFailed(
                f"The record is at version {current}, you edited version "
                f"{', '.join(sorted(wanted))}. Reload it (GET) and apply your change again."
            )

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        version = response.data.get("version") if isinstance(response.data, dict) else None
        if version is not None:
            response["ETag"] = etag_for(version)
        return response

    def update(self, request, *args, **kwargs):
        with transaction.atomic():
            self._lock_and_check(request)
            response = super().update(request, *args, **kwargs)
        version = response.data.get("version") if isinstance(response.data, dict) else None
        if version is not None:
            response["ETag"] = etag_for(version)
        return response

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            self._lock_and_check(request)
            return super().destroy(request, *args, **kwargs)
