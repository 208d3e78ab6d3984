from claims.models.attribution import Attribution, AttributionQuerySet, Figure, FigureQuerySet
from claims.models.claim import Claim, ClaimQuerySet, Tag
from claims.models.event import Event

__all__ = [
    "Attribution",
    "AttributionQuerySet",
    "Claim",
    "ClaimQuerySet",
    "Event",
    "Figure",
    "FigureQuerySet",
    "Tag",
]
