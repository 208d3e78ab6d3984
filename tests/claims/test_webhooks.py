"""Webhooks: signed POSTs of public changes to a local receiver (a tiny HTTP server on
127.0.0.1:8108), verified by a verifier written from the README alone; retries, the switch-off
after repeated failures, no delivery of drafts, and deliveries queued outside the write."""

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from claims import services, webhooks
from claims.models import Claim, WebhookDelivery, WebhookSubscription
from tests.api_helpers import editor_permissions, grant, token_client
from tests.factories import ClaimFactory, EventFactory, UserFactory

# Deliveries run as tasks: here at once, in the process that enqueues them.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_tasks")]

PORT = 8108
SECRET = "a-shared-secret-of-enough-length"


def verify(secret: str, headers: dict, body: bytes, now: float | None = None) -> bool:
    """A receiver's check, written from the README's "Webhooks" section alone."""
    timestamp = headers.get("X-Webhook-Timestamp", "")
    signature = headers.get("X-Webhook-Signature", "")
    if not timestamp.isdigit():
        return False
    if abs((now or time.time()) - int(timestamp)) > 300:
        return False
    expected = hmac.new(
        secret.encode("utf-8"), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(signature, "sha256=" + expected)


class Receiver:
    """Records every POST; answers with the statuses queued in `answers` (then 200)."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{PORT}/hook"

    def changes(self) -> list[dict]:
        return [json.loads(body)["change"] for _, body in self.received]


@pytest.fixture
def receiver():
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def subscription(receiver):
    return WebhookSubscription.objects.create(url=receiver.url, secret=SECRET)


@pytest.fixture
def reviewer_client():
    user = UserFactory(is_staff=True)
    grant(user, *editor_permissions(), "publish_claim")
    return token_client(user)


def dispatch(capture) -> int:
    """Run the dispatcher; the deliveries it queues on commit run too (immediate backend)."""
    with capture(execute=True):
        return webhooks.dispatch_changes.call()


def create_claim(client, publication: str, capture) -> dict:
    """Create a draft through the API and, for "published", submit and publish it (the only way
    publication moves)."""
    event = EventFactory()
    with capture(execute=True):
        response = client.post(
            "/api/v1/claims/", {"text": f"A {publication} claim", "event": event.pk}, format="json"
        )
        assert response.status_code == 201, response.content
        if publication == "published":
            for step in ("submit", "publish"):
                response = client.post(f"/api/v1/claims/{response.json()['id']}/{step}/")
                assert response.status_code == 200, response.content
    return response.json()


def public_change() -> Claim:
    """One change in the public feed: a published claim about no event (an event alone is public
    only once a published claim is about it), logged by the loaders' refresh service."""
    claim = ClaimFactory(event=None)
    services.refresh_claims([claim.pk])
    return claim


def test_a_published_claim_is_posted_signed_with_the_change_feeds_record(
    receiver, subscription, reviewer_client, django_capture_on_commit_callbacks
):
    before = timezone.now() - timedelta(seconds=1)
    claim = create_claim(reviewer_client, "published", django_capture_on_commit_callbacks)

    assert receiver.received
    for headers, body in receiver.received:
        assert verify(SECRET, headers, body)
        assert not verify("another secret", headers, body)
        assert not verify(SECRET, headers, body + b" ")
    since = before.isoformat().replace("+00:00", "Z")
    feed = APIClient().get("/api/v1/changes/", {"since": since}).json()["results"]
    assert receiver.changes() == feed
    assert {"type": "claim", "id": claim["id"], "action": "upsert"} in [
        {k: c[k] for k in ("type", "id", "action")} for c in receiver.changes()
    ]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_a_draft_is_never_delivered(
    receiver, subscription, reviewer_client, django_capture_on_commit_callbacks
):
    create_claim(reviewer_client, "draft", django_capture_on_commit_callbacks)
    assert "claim" not in [c["type"] for c in receiver.changes()]
    claim = Claim.objects.get(text="A draft claim")
    assert claim.publication == "draft"
    assert not [d for d in WebhookDelivery.objects.all() if d.payload["change"]["type"] == "claim"]


def test_a_failed_delivery_is_retried_with_back_off_until_it_succeeds(
    receiver, subscription, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    receiver.answers = [500, 500]
    public_change()
    assert dispatch(django_capture_on_commit_callbacks) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("retrying", 1, 500)
    first_wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=25) < first_wait <= timedelta(seconds=30)

    assert webhooks.retry_due() == []  # not due yet
    assert webhooks.retry_due(now=delivery.next_attempt_at) == ["retrying"]
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert timedelta(seconds=55) < delivery.next_attempt_at - timezone.now() <= timedelta(60)

    assert webhooks.retry_due(now=delivery.next_attempt_at) == ["delivered"]
    subscription.refresh_from_db()
    assert subscription.failure_count == 0 and subscription.active
    assert len(receiver.received) == 3
    assert all(verify(SECRET, h, b) for h, b in receiver.received)


def test_a_subscription_is_switched_off_after_repeated_failures(
    receiver, subscription, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_FAILURES = 3
    receiver.answers = [500] * 10
    for _ in range(2):
        public_change()
    dispatch(django_capture_on_commit_callbacks)
    later = timezone.now() + timedelta(days=1)
    webhooks.retry_due(now=later)
    subscription.refresh_from_db()
    assert not subscription.active
    assert subscription.failure_count == 3
    assert len(receiver.received) == 3
    # Switched off: neither new changes nor due retries are sent.
    public_change()
    dispatch(django_capture_on_commit_callbacks)
    webhooks.retry_due(now=later)
    assert len(receiver.received) == 3


def test_the_write_only_queues_the_dispatch(
    receiver, subscription, reviewer_client, django_capture_on_commit_callbacks, settings
):
    from django.tasks import default_task_backend

    # A backend that only queues (as a worker's would): the request does not run the task.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    create_claim(reviewer_client, "published", django_capture_on_commit_callbacks)
    assert receiver.received == []
    queued = [r.task.name for r in default_task_backend.results]
    # One dispatch queued per write request (create, submit, publish), none run.
    assert queued == ["dispatch_changes"] * 3
    default_task_backend.clear()


# Managing subscriptions ----------------------------------------------------------------------


def test_staff_manage_subscriptions_with_a_token_and_read_the_delivery_log(
    receiver, django_capture_on_commit_callbacks
):
    staff = token_client(UserFactory(is_staff=True))
    response = staff.post("/api/v1/webhooks/", {"url": receiver.url}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert len(body["secret"]) == 64 and body["active"] and body["failure_count"] == 0
    public_change()
    dispatch(django_capture_on_commit_callbacks)
    log = staff.get(f"/api/v1/webhooks/{body['id']}/deliveries/").json()["results"]
    assert [(d["status"], d["attempts"], d["response_status"]) for d in log] == [
        ("delivered", 1, 200)
    ]
    [(headers, raw)] = receiver.received
    assert verify(body["secret"], headers, raw)


def test_only_staff_may_see_or_create_subscriptions(receiver):
    assert APIClient().get("/api/v1/webhooks/").status_code == 401
    user = token_client(UserFactory())
    assert user.post("/api/v1/webhooks/", {"url": receiver.url}, format="json").status_code == 403


def test_staff_add_a_subscription_in_the_admin(client, receiver):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get("/admin/claims/webhooksubscription/add/")
    assert page.status_code == 200
    response = client.post(
        "/admin/claims/webhooksubscription/add/",
        {"url": receiver.url, "description": "Mirror", "secret": SECRET, "active": "on"},
    )
    assert response.status_code == 302
    assert WebhookSubscription.objects.get().created_by == admin


def test_the_sweep_command_sends_changes_made_outside_requests(
    receiver, subscription, django_capture_on_commit_callbacks
):
    import io

    from django.core.management import call_command

    claim = public_change()
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("deliver_webhooks", stdout=out)
    assert out.getvalue().startswith("1 deliveries logged")
    assert [(c["type"], c["id"], c["action"]) for c in receiver.changes()] == [
        ("claim", claim.pk, "upsert")
    ]
