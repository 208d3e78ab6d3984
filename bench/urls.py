"""The bench's URLs: the product's (config.urls) plus the raw-SQL floors under /__floor__/.

Selected only in the bench's gunicorn (BENCH_FLOOR=true in its environment, see
bench/runner.py); the product never serves a floor.
"""

from django.urls import include, path

from bench import floors

FLOOR = "__floor__/"

urlpatterns = [
    path(f"{FLOOR}claims/", floors.claims_list),
    path(f"{FLOOR}claims-expanded/", floors.claims_expanded),
    path(f"{FLOOR}claims/<int:pk>/attributions/", floors.claim_attributions),
    path(f"{FLOOR}events/<int:pk>/figures/", floors.event_figures),
    path(f"{FLOOR}claims/<int:pk>/revalidate/", floors.revalidate),
    path("", include("config.urls")),
]
