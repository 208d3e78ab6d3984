"""API representations of events, claims, attributions and figures, and the ClaimReview export.

Origins of attributions are computed in bulk by the views (claims.services.attribution_origins)
and passed in the serializer context as `origins`, so a page of claims costs the same number of
queries whatever its size.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.reverse import reverse

from api.serializers import StrictModelSerializer
from claims import intervals
from claims.models import Attribution, Claim, Event, Figure, Tag
from sources import serializers as source_serializers
from sources.serializers import (
    CURATED_READ_ONLY,
    DocumentRefSerializer,
    OriginSerializer,
    RefSerializer,
)

PUBLISH_PERMISSION = "claims.publish_claim"


class IntervalSerializer(serializers.Serializer):
    low = serializers.FloatField(help_text="The smallest count the figure admits.")
    high = serializers.FloatField(
        allow_null=True, help_text="The largest count it admits; null means no upper bound."
    )


class ClaimRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    slug = serializers.CharField(read_only=True)
    text = serializers.CharField(read_only=True)


class EventSerializer(StrictModelSerializer):
    slug = serializers.SlugField(max_length=200, required=False)

    class Meta:
        model = Event
        fields = [
            "id",
            "slug",
            "name",
            "date",
            "place",
            "description",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = CURATED_READ_ONLY


class FigureSerializer(StrictModelSerializer):
    claim = serializers.IntegerField(source="attribution.claim_id", read_only=True)
    event = RefSerializer(read_only=True, allow_null=True)
    interval = serializers.SerializerMethodField()
    superseded_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Figure
        fields = [
            "id",
            "attribution",
            "claim",
            "event",
            "measure",
            "population",
            "qualifier",
            "value",
            "value_high",
            "text",
            "as_of",
            "interval",
            "superseded_by",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = (*CURATED_READ_ONLY, "attribution")

    @extend_schema_field(IntervalSerializer)
    def get_interval(self, figure) -> dict:
        return {"low": intervals.as_number(figure.low), "high": intervals.as_number(figure.high)}


class FigureWriteSerializer(StrictModelSerializer):
    class Meta:
        model = Figure
        fields = [
            "id",
            "attribution",
            "event",
            "measure",
            "population",
            "qualifier",
            "value",
            "value_high",
            "text",
            "as_of",
            "superseded_by",
            "version",
        ]
        read_only_fields = ("id", "version")


class AttributionSerializer(StrictModelSerializer):
    """An attribution in a list: who, where, when, which way, the quote and its offsets."""

    claim = ClaimRefSerializer(read_only=True)
    document = DocumentRefSerializer(read_only=True)
    speaker = RefSerializer(read_only=True, allow_null=True)
    via = RefSerializer(read_only=True, allow_null=True)
    date = serializers.SerializerMethodField()

    class Meta:
        model = Attribution
        fields = [
            "id",
            "claim",
            "document",
            "speaker",
            "speaker_description",
            "via",
            "stated_on",
            "date",
            "voice",
            "stance",
            "quote",
            "quote_start",
            "quote_end",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = CURATED_READ_ONLY

    @extend_schema_field(
        serializers.DateField(
            allow_null=True,
            help_text="When it was said: the stated date, else the document's date; null if neither is known.",
        )
    )
    def get_date(self, attribution):
        """When it was said: the stated date, else the document's date."""
        return attribution.stated_on or attribution.document.published


class AttributionDetailSerializer(AttributionSerializer):
    """An attribution with its origin, W3C Web Annotation target and figures."""

    origin = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()
    figures = FigureSerializer(many=True, read_only=True)

    class Meta(AttributionSerializer.Meta):
        fields = [
            *AttributionSerializer.Meta.fields,
            "quote_prefix",
            "quote_suffix",
            "note",
            "origin",
            "target",
            "figures",
        ]

    @extend_schema_field(OriginSerializer)
    def get_origin(self, attribution) -> dict:
        origins = self.context.get("origins") or {}
        origin = origins.get(attribution.pk) or attribution.origin()
        return OriginSerializer().to_representation(origin)

    @extend_schema_field(
        {
            "type": "object",
            "description": "A W3C Web Annotation target: the document and two selectors.",
            "properties": {
                "source": {"type": "string", "format": "uri"},
                "selector": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "type": {
                                "type": "string",
                                "enum": ["TextQuoteSelector", "TextPositionSelector"],
                            },
                            "exact": {"type": "string"},
                            "prefix": {"type": "string"},
                            "suffix": {"type": "string"},
                            "start": {"type": "integer"},
                            "end": {"type": "integer"},
                        },
                        "required": ["type"],
                    },
                },
            },
        }
    )
    def get_target(self, attribution) -> dict:
        request = self.context.get("request")
        return {
            "source": reverse(
                "api:document-detail", kwargs={"pk": attribution.document_id}, request=request
            ),
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": attribution.quote,
                    "prefix": attribution.quote_prefix,
                    "suffix": attribution.quote_suffix,
                },
                {
                    "type": "TextPositionSelector",
                    "start": attribution.quote_start,
                    "end": attribution.quote_end,
                },
            ],
        }


class AttributionWriteSerializer(StrictModelSerializer):
    class Meta:
        model = Attribution
        fields = [
            "id",
            "claim",
            "document",
            "speaker",
            "speaker_description",
            "via",
            "stated_on",
            "voice",
            "stance",
            "quote",
            "occurrence",
            "note",
            "version",
        ]
        read_only_fields = ("id", "version")


class ClaimSerializer(StrictModelSerializer):
    """A claim in a list: its status and reason, verdict, event and tags."""

    event = RefSerializer(read_only=True, allow_null=True)
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    attribution_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "slug",
            "text",
            "event",
            "tags",
            "status",
            "status_reason",
            "verdict",
            "publication",
            "attribution_count",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = CURATED_READ_ONLY


class ClaimDetailSerializer(ClaimSerializer):
    """A claim with every attribution (speaker, document, origin, selectors) and its figures."""

    attributions = AttributionDetailSerializer(many=True, read_only=True)

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "verdict_note", "published_at", "attributions"]


class ClaimWriteSerializer(StrictModelSerializer):
    """Creating and editing claims. Publication (beyond submitting a draft for review) and the
    verdict need the claims.publish_claim permission, which editors lack."""

    slug = serializers.SlugField(max_length=200, required=False)
    tags = serializers.SlugRelatedField(
        many=True, required=False, slug_field="slug", queryset=Tag.objects.all()
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "slug",
            "text",
            "event",
            "tags",
            "verdict",
            "verdict_note",
            "publication",
            "version",
        ]
        read_only_fields = ("id", "version")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        user = self.context["request"].user
        before = self.instance
        old_publication = before.publication if before else Claim.Publication.DRAFT
        old_verdict = before.verdict if before else ""
        new_publication = attrs.get("publication", old_publication)
        new_verdict = attrs.get("verdict", old_verdict)
        submit_only = (old_publication, new_publication) == (
            Claim.Publication.DRAFT,
            Claim.Publication.IN_REVIEW,
        )
        changes_publication = new_publication != old_publication and not submit_only
        if (changes_publication or new_verdict != old_verdict) and not user.has_perm(
            PUBLISH_PERMISSION
        ):
            raise PermissionDenied(
                "Publishing, unpublishing, returning to draft and setting a verdict are for "
                "reviewers (permission claims.publish_claim)."
            )
        return attrs

    def prepare(self, instance) -> None:
        from django.utils import timezone

        if instance.publication == Claim.Publication.PUBLISHED and not instance.published_at:
            instance.published_at = timezone.now()
            instance.published_by = self.context["request"].user
        elif instance.publication != Claim.Publication.PUBLISHED:
            instance.published_at = None


class StanceEntrySerializer(serializers.Serializer):
    attribution = serializers.IntegerField()
    speaker = RefSerializer(allow_null=True)
    speaker_description = serializers.CharField()
    voice = serializers.ChoiceField(choices=Attribution.Voice.choices)
    origin = OriginSerializer()
    quote = serializers.CharField()
    date = serializers.DateField(allow_null=True)
    document = DocumentRefSerializer()


class StancesSerializer(serializers.Serializer):
    claim = ClaimRefSerializer()
    status = serializers.ChoiceField(choices=Claim.Status.choices)
    status_reason = serializers.CharField()
    supports = StanceEntrySerializer(many=True)
    refutes = StanceEntrySerializer(many=True)
    questions = StanceEntrySerializer(many=True)
    neutral = StanceEntrySerializer(many=True)


class EstimateSerializer(serializers.Serializer):
    attribution = serializers.IntegerField()
    figures = serializers.ListField(child=serializers.IntegerField())
    interval = IntervalSerializer()
    rolled_up = serializers.BooleanField(
        help_text="A lower bound for the total added up from sub-populations."
    )


class DivergenceSerializer(serializers.Serializer):
    a = EstimateSerializer()
    b = EstimateSerializer()


class ComparedFigureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    claim = serializers.IntegerField()
    attribution = serializers.IntegerField()
    qualifier = serializers.ChoiceField(choices=Figure.Qualifier.choices)
    value = serializers.IntegerField(allow_null=True)
    value_high = serializers.IntegerField(allow_null=True)
    text = serializers.CharField()
    as_of = serializers.DateField(allow_null=True)
    interval = IntervalSerializer()
    superseded = serializers.BooleanField()
    diverges = serializers.BooleanField()
    speaker = RefSerializer(allow_null=True)
    voice = serializers.ChoiceField(choices=Attribution.Voice.choices)
    origin = OriginSerializer()
    document = DocumentRefSerializer()


class FigureGroupSerializer(serializers.Serializer):
    measure = serializers.ChoiceField(choices=Figure.Measure.choices)
    population = serializers.CharField()
    low = serializers.FloatField(allow_null=True, help_text="The lowest low of the group.")
    high = serializers.FloatField(
        allow_null=True, help_text="The highest high of the group; null when unbounded."
    )
    figures = ComparedFigureSerializer(many=True)
    divergences = DivergenceSerializer(
        many=True, help_text="Diverging pairs: all of them, or the 50 widest apart."
    )
    divergence_count = serializers.IntegerField(help_text="How many pairs diverge in all.")


class EventFiguresSerializer(serializers.Serializer):
    event = RefSerializer()
    groups = FigureGroupSerializer(many=True)


class ChangeSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=["outlet", "document", "actor", "event", "claim", "attribution", "figure"]
    )
    id = serializers.IntegerField()
    action = serializers.ChoiceField(choices=["create", "update", "delete"])
    time = serializers.DateTimeField()


class HistoryEntrySerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    action = serializers.ChoiceField(choices=["create", "update", "delete"])
    time = serializers.DateTimeField()
    user = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_null=True)
    version = serializers.IntegerField()
    changes = serializers.ListField(
        child=serializers.DictField(child=serializers.JSONField(allow_null=True)),
        help_text="Field by field: {field, old, new}.",
    )


# Numeric ratings for ClaimReview (1 = false ... 5 = true); unverifiable has only its name.
VERDICT_RATINGS = {
    "true": 5,
    "mostly_true": 4,
    "mixed": 3,
    "misleading": 2,
    "mostly_false": 2,
    "false": 1,
}
CLAIM_REVIEWED_MAX = 74  # Google required claimReviewed to be under 75 characters.


def short_text(text: str, limit: int = CLAIM_REVIEWED_MAX) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def claim_review(claim: Claim, request, author_name: str) -> dict:
    """The claim as schema.org ClaimReview JSON-LD: one appearance per cited document."""

    def absolute(path: str) -> str:
        return request.build_absolute_uri(path)

    documents = {}
    for attribution in claim.attributions.all():
        document = attribution.document
        documents.setdefault(document.pk, document)
    appearances = []
    for document in documents.values():
        work = {
            "@type": "CreativeWork",
            "url": document.url or absolute(document.get_absolute_url()),
            "headline": document.title,
        }
        if document.published:
            work["datePublished"] = document.published.isoformat()
        if document.outlet_id:
            work["publisher"] = {"@type": "Organization", "name": document.outlet.name}
        appearances.append(work)
    dates = [d.published for d in documents.values() if d.published]
    item = {"@type": "Claim", "name": claim.text, "appearance": appearances}
    if dates:
        item["datePublished"] = min(dates).isoformat()
    published = claim.published_at or claim.updated_at
    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": absolute(claim.get_absolute_url()),
        "claimReviewed": short_text(claim.text),
        "itemReviewed": item,
        "author": {"@type": "Organization", "name": author_name, "url": absolute("/")},
        "datePublished": published.date().isoformat(),
    }
    if claim.verdict:
        rating = {
            "@type": "Rating",
            "alternateName": claim.get_verdict_display(),
        }
        if claim.verdict in VERDICT_RATINGS:
            rating.update(ratingValue=VERDICT_RATINGS[claim.verdict], bestRating=5, worstRating=1)
        if claim.verdict_note:
            rating["ratingExplanation"] = claim.verdict_note
        review["reviewRating"] = rating
    return review


class DocumentWriteSerializer(source_serializers.DocumentWriteSerializer):
    """Document writes through claims.services.save_document: a revised text re-anchors the
    quotes in it and refreshes the claims that cite it."""

    def save_instance(self, instance) -> None:
        from claims import services

        services.save_document(document=instance)
