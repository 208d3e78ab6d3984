from django.urls import path

from sources import views

app_name = "sources"

urlpatterns = [
    path("documents/<int:pk>/", views.document_detail, name="document"),
    path("actors/<slug:slug>/", views.actor_detail, name="actor"),
    path("outlets/<slug:slug>/", views.outlet_detail, name="outlet"),
]
