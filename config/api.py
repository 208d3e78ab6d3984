"""The API router (/api/v1/), its OpenAPI schema and the Swagger UI served from local assets."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from claims.api import (
    ActorViewSet,
    AttributionViewSet,
    ChangesView,
    ClaimViewSet,
    DocumentViewSet,
    EventViewSet,
    FigureViewSet,
    OutletViewSet,
    WebhookSubscriptionViewSet,
)

router = DefaultRouter()
# Claims first: the most read resource, its addresses matched before the others are tried.
router.register("claims", ClaimViewSet, basename="claim")
router.register("outlets", OutletViewSet, basename="outlet")
router.register("documents", DocumentViewSet, basename="document")
router.register("actors", ActorViewSet, basename="actor")
router.register("events", EventViewSet, basename="event")
router.register("attributions", AttributionViewSet, basename="attribution")
router.register("figures", FigureViewSet, basename="figure")
router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")

app_name = "api"

urlpatterns = [
    path("changes/", ChangesView.as_view(), name="changes"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        # The split view loads its init script from a URL: no inline script, so the CSP holds.
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    path("", include(router.urls)),
]
