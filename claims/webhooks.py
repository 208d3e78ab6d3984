"""Webhooks: a signed POST to each active subscription for each public change.

The records are the entries of the change feed (/api/v1/changes/, claims.feed), read through
claims.api.ChangesView: public records only, so drafts and claims in review never leave the
building.

Flow, all in background tasks (Django's tasks framework, settings.TASKS):
1. After a write request commits, WebhookDispatchMiddleware enqueues `dispatch_changes`.
   Writes outside requests (loaders, imports) are picked up by `manage.py deliver_webhooks`.
2. `dispatch_changes` reads the feed after each subscription's cursor, logs one WebhookDelivery
   per public record, moves the cursor, and enqueues `deliver` for each delivery after commit.
3. `deliver` signs and POSTs; a 2xx is a success. A failure schedules a retry with exponential
   back-off (on backends that can defer; otherwise the sweep retries when due). After
   WEBHOOK_MAX_FAILURES consecutive failed attempts the subscription is switched off.

Signature (see README, "Webhooks"): header X-Webhook-Timestamp is the Unix time in seconds;
X-Webhook-Signature is "sha256=" + hex HMAC-SHA256 with the subscription's secret over
the timestamp, a full stop, and the raw body bytes.
"""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from claims.models import WebhookDelivery, WebhookSubscription

SIGNATURE_HEADER = "X-Webhook-Signature"
TIMESTAMP_HEADER = "X-Webhook-Timestamp"
# Change records read from the feed per step of the dispatcher.
BATCH = 100


def max_failures() -> int:
    return settings.WEBHOOK_MAX_FAILURES


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value for a body sent at `timestamp`."""
    message = str(timestamp).encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode("utf-8")


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: doubling from WEBHOOK_RETRY_BASE_SECONDS."""
    return timedelta(seconds=settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def _record(change: dict) -> dict:
    return {**change, "time": change["time"].isoformat().replace("+00:00", "Z")}


@transaction.atomic
def record_changes(subscription: WebhookSubscription) -> list[int]:
    """Log a delivery for each feed entry after the subscription's cursor (its last sequence
    number; a new subscription starts with the entries logged after it was created) and move the
    cursor. Returns the new deliveries' ids."""
    from claims.api import ChangesView

    sub = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    created = []
    while True:
        since = None if sub.cursor_id else sub.cursor_time
        page, more = ChangesView.page_after(sub.cursor_id, BATCH, since)
        if not page:
            break
        for change in ChangesView.public_records(page):
            payload = {"subscription": sub.pk, "change": _record(change)}
            created.append(WebhookDelivery.objects.create(subscription=sub, payload=payload).pk)
        sub.cursor_id = page[-1].pk
        if not more:
            break
    sub.save(update_fields=["cursor_id"])
    return created


@task
def dispatch_changes() -> int:
    """Log deliveries of the new public changes for every active subscription and enqueue them
    once logged. Returns how many were logged."""
    total = 0
    for sub in WebhookSubscription.objects.active():
        ids = record_changes(sub)
        total += len(ids)
        for pk in ids:
            transaction.on_commit(lambda pk=pk: deliver.enqueue(pk))
    return total


@task
def deliver(delivery_id: int) -> str:
    """POST one delivery, signed; record the outcome and schedule a retry when it failed."""
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    sub = delivery.subscription
    if delivery.status in (WebhookDelivery.Status.DELIVERED, WebhookDelivery.Status.FAILED):
        return delivery.status
    if not sub.active:
        return delivery.status
    body = body_of(delivery)
    timestamp = int(time.time())
    request = urllib.request.Request(
        sub.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "claim-tracker-webhooks",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(sub.secret, timestamp, body),
        },
    )
    status, error = None, ""
    try:
        with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        error = str(getattr(exc, "reason", exc))[:500]
    return _outcome(delivery, status, error)


@transaction.atomic
def _outcome(delivery: WebhookDelivery, status: int | None, error: str) -> str:
    sub = WebhookSubscription.objects.select_for_update().get(pk=delivery.subscription_id)
    now = timezone.now()
    delivery.attempts += 1
    delivery.response_status = status
    delivery.error = error
    if status is not None and 200 <= status < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
        sub.failure_count = 0
    else:
        sub.failure_count += 1
        if sub.failure_count >= max_failures():
            sub.active = False
        if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS or not sub.active:
            delivery.status, delivery.next_attempt_at = "failed", None
        else:
            delivery.status = "retrying"
            delivery.next_attempt_at = now + backoff(delivery.attempts)
            if deliver.get_backend().supports_defer:
                at = delivery.next_attempt_at
                transaction.on_commit(lambda: deliver.using(run_after=at).enqueue(delivery.pk))
    delivery.save()
    sub.save(update_fields=["failure_count", "active"])
    return delivery.status


def retry_due(now=None) -> list[str]:
    """Attempt every delivery whose retry is due (the sweep, for backends that cannot defer)."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(
        status__in=["pending", "retrying"],
        subscription__active=True,
    ).filter(next_attempt_at__isnull=True) | WebhookDelivery.objects.filter(
        status="retrying", next_attempt_at__lte=now, subscription__active=True
    )
    return [deliver.call(pk) for pk in due.order_by("pk").values_list("pk", flat=True)]


class WebhookDispatchMiddleware:
    """After a write request succeeds, enqueue `dispatch_changes` once its writes are committed.

    It does not look at what changed: the dispatcher reads the change feed, which is the one
    record of public changes. Reads never enqueue anything.
    """

    WRITES = {"POST", "PUT", "PATCH", "DELETE"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method in self.WRITES and response.status_code < 400:
            transaction.on_commit(dispatch_changes.enqueue)
        return response
