"""Webhook subscriptions for API consumers, managed by staff, with their delivery log."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from claims.models import WebhookDelivery, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["url", "description", "active", "failure_count", "deliveries", "created_at"]
    list_filter = ["active"]
    search_fields = ["url", "description"]
    readonly_fields = ["failure_count", "created_by", "created_at"]
    fields = ["url", "description", "secret", "active", *readonly_fields]

    @admin.display(description="Delivery log")
    def deliveries(self, obj):
        url = (
            reverse("admin:claims_webhookdelivery_changelist")
            + f"?subscription__id__exact={obj.pk}"
        )
        return format_html('<a href="{}">Deliveries</a>', url)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        if change and "active" in form.changed_data and obj.active:
            obj.failure_count = 0  # switched back on: start counting afresh
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["pk", "subscription", "status", "attempts", "response_status", "created_at"]
    list_filter = ["status", "subscription"]
    list_select_related = ["subscription"]
    readonly_fields = [
        "subscription",
        "payload",
        "status",
        "attempts",
        "response_status",
        "error",
        "next_attempt_at",
        "created_at",
        "delivered_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
