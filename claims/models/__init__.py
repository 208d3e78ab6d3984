from claims.models.attribution import Attribution, AttributionQuerySet, Figure, FigureQuerySet
from claims.models.claim import Claim, ClaimQuerySet, Tag
from claims.models.event import Event
from claims.models.feed import PublicChange, PublicRecord
from claims.models.relation import ClaimRelation, ClaimRelationQuerySet
from claims.models.webhook import WebhookDelivery, WebhookSubscription

__all__ = [
    "Attribution",
    "AttributionQuerySet",
    "Claim",
    "ClaimQuerySet",
    "ClaimRelation",
    "ClaimRelationQuerySet",
    "Event",
    "Figure",
    "FigureQuerySet",
    "PublicChange",
    "PublicRecord",
    "Tag",
    "WebhookDelivery",
    "WebhookSubscription",
]
