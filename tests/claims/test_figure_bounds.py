"""Figure bounds are stored and rendered exactly: no float noise in the database, JSON or CSV."""

# ruff: noqa: F811  (pytest fixtures imported from tests.api_helpers)

from decimal import Decimal

import pytest

from claims.models import Figure
from tests.api_helpers import _generous_throttles, anon  # noqa: F401  (fixtures)
from tests.factories import FigureFactory

pytestmark = pytest.mark.django_db


def test_around_100_is_stored_as_85_to_115_and_does_not_diverge_from_115(anon):
    around = FigureFactory(qualifier=Figure.Qualifier.APPROXIMATELY, value=100, text="around 100")
    exactly = FigureFactory(
        attribution__claim=around.attribution.claim,
        event=around.event,
        qualifier=Figure.Qualifier.EXACT,
        value=115,
        text="115",
    )
    around.refresh_from_db()
    assert (around.low, around.high) == (Decimal("85"), Decimal("115"))
    response = anon.get(f"/api/v1/events/{around.event.pk}/figures/")
    group = response.json()["groups"][0]
    assert (group["low"], group["high"]) == (85, 115)
    assert group["divergences"] == [] and group["divergence_count"] == 0
    assert {f["id"]: f["diverges"] for f in group["figures"]} == {
        around.pk: False,
        exactly.pk: False,
    }


def test_json_and_csv_carry_bounds_in_whole_people_without_float_noise(anon):
    figure = FigureFactory(qualifier=Figure.Qualifier.APPROXIMATELY, value=170, text="some 170")
    body = anon.get(f"/api/v1/figures/{figure.pk}/").content.decode()
    # Stored exactly as 144.5 to 195.5; counts are whole, so the same counts are 145 to 195.
    assert '"interval":{"low":145,"high":195}' in body
    csv = b"".join(anon.get("/api/v1/figures/?format=csv").streaming_content).decode()
    header, row = csv.splitlines()[:2]
    cells = dict(zip(header.split(","), row.split(","), strict=False))
    assert (cells["interval.low"], cells["interval.high"]) == ("145", "195")
