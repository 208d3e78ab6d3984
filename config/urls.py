from django.contrib import admin
from django.urls import include, path

from claims.urls import source_patterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api")),
    path("", include((source_patterns, "sources"))),
    path("", include("claims.urls")),
]
