from django.urls import path

from claims.views import pages, sources

app_name = "claims"

urlpatterns = [
    path("", pages.home, name="home"),
    path("claims/", pages.claim_list, name="claims"),
    path("claims/<str:slug>/", pages.claim_detail, name="claim"),
    path("claims/<str:slug>/v/<int:version>/", pages.claim_version, name="claim-version"),
    path("events/", pages.event_list, name="events"),
    path("events/<str:slug>/", pages.event_detail, name="event"),
    path("search/", pages.search, name="search"),
    path("about/", pages.about, name="about"),
    path("dataset.zip", pages.dataset_download, name="dataset"),
]

# Pages of the sources app's records, under its URL namespace ("sources:document"), so the
# sources models name their own pages without knowing that claims serves them.
source_patterns = [
    path("documents/<int:pk>/", sources.document_detail, name="document"),
    path("actors/<slug:slug>/", sources.actor_detail, name="actor"),
    path("outlets/<slug:slug>/", sources.outlet_detail, name="outlet"),
]
