import pytest

from tests.factories import AttributionFactory, FigureFactory


@pytest.mark.django_db
def test_factories_build_an_anchored_attribution_with_a_figure():
    figure = FigureFactory()
    attribution = figure.attribution
    assert (
        attribution.document.text[attribution.quote_start : attribution.quote_end]
        == attribution.quote
    )
    attribution.claim.refresh_from_db()
    assert attribution.claim.status == "reported"
