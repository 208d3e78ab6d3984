from claims.models.attribution import Attribution, AttributionQuerySet, Figure, FigureQuerySet
from claims.models.claim import Claim, ClaimQuerySet, Tag
from claims.models.event import Event
from claims.models.suggestion import SuggestionDecision

__all__ = [
    "Attribution",
    "AttributionQuerySet",
    "Claim",
    "ClaimQuerySet",
    "Event",
    "Figure",
    "FigureQuerySet",
    "SuggestionDecision",
    "Tag",
]
