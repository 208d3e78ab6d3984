from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("", views.home, name="home"),
    path("claims/", views.claim_list, name="claims"),
    path("claims/<str:slug>/", views.claim_detail, name="claim"),
    path("events/", views.event_list, name="events"),
    path("events/<str:slug>/", views.event_detail, name="event"),
    path("search/", views.search, name="search"),
    path("about/", views.about, name="about"),
]
