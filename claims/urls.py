from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("", views.home, name="home"),
    path("claims/<str:slug>/", views.claim_detail, name="claim"),
    path("events/<str:slug>/", views.event_detail, name="event"),
]
