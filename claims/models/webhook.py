import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def new_secret() -> str:
    return secrets.token_hex(32)


class WebhookSubscriptionQuerySet(models.QuerySet):
    def active(self) -> "WebhookSubscriptionQuerySet":
        """Subscriptions that still receive deliveries."""
        return self.filter(active=True)


class WebhookSubscription(models.Model):
    """An API consumer's address that receives a signed POST for each public change (the records
    of /api/v1/changes/ that anonymous readers see). Managed by staff."""

    url = models.URLField(
        max_length=500, help_text="Where to POST each change (https in production)."
    )
    secret = models.CharField(
        max_length=128,
        default=new_secret,
        help_text="Shared secret for the HMAC-SHA256 signature; the receiver keeps a copy.",
    )
    description = models.CharField(max_length=200, blank=True, help_text="Who consumes it.")
    active = models.BooleanField(
        default=True, help_text="Off after too many consecutive failed attempts; turn on to resume."
    )
    failure_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Consecutive failed attempts; reset by a success."
    )
    # The change feed position up to which deliveries were made (see claims.webhooks): the last
    # sequence number sent, 0 before the first; until then, entries after cursor_time.
    cursor_time = models.DateTimeField(default=timezone.now, editable=False)
    cursor_id = models.PositiveBigIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WebhookSubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        indexes = [
            # The dispatcher reads the active subscriptions after every write.
            models.Index(fields=["active"], name="webhooksub_active"),
        ]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RETRYING = "retrying", "Retrying"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """One change sent to one subscription: the delivery log."""

    Status = DeliveryStatus

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    payload = models.JSONField(help_text="The body sent (the change record).")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=DeliveryStatus.values),
                name="webhookdelivery_status_valid",
            ),
        ]
        indexes = [
            # Due retries, for the sweep (manage.py deliver_webhooks).
            models.Index(fields=["status", "next_attempt_at"], name="webhookdelivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.payload.get('change', {}).get('type', '?')} → {self.subscription_id}"
