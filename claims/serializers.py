"""API representations of events, claims, attributions and figures, and the ClaimReview export.

Origins of attributions are computed in bulk by the views (claims.evidence.attribution_origins)
and passed in the serializer context as `origins`, so a page of claims costs the same number of
queries whatever its size.
"""

from collections.abc import Mapping
from datetime import date

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.reverse import reverse

from api.serializers import StrictInputMixin, StrictModelSerializer, StrictSerializer
from claims import intervals, services
from claims.appearance import first_appearance
from claims.models import (
    Attribution,
    Claim,
    Event,
    Figure,
    Tag,
    WebhookDelivery,
    WebhookSubscription,
)
from claims.visibility import sees_drafts
from sources import serializers as source_serializers
from sources.serializers import (
    CURATED_READ_ONLY,
    DocumentRefSerializer,
    OriginSerializer,
    RefSerializer,
)


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
            "date_precision",
            "place",
            "description",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = CURATED_READ_ONLY


class ReviewStateMixin:
    """Adds `review` (approved / pending / pending_deletion) for callers who see drafts; the
    public sees approved evidence only, every row marked approved (a deletion waiting for review
    is not announced)."""

    def get_fields(self):
        fields = super().get_fields()
        fields["review"] = serializers.ChoiceField(
            choices=Attribution.Review.choices,
            read_only=True,
            required=False,
            help_text="Whether a reviewer approved this evidence, it waits for review (pending), "
            "or its deletion does (pending_deletion). Only callers with claims.view_claim see "
            "pending states; everyone else sees approved evidence only, always `approved`.",
        )
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if not sees_drafts(getattr(request, "user", None)):
            data["review"] = Attribution.Review.APPROVED  # the public sees approved rows only
        return data


class FigureSerializer(ReviewStateMixin, StrictModelSerializer):
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
            "as_of_precision",
            "interval",
            "superseded_by",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = (*CURATED_READ_ONLY, "attribution")

    @extend_schema_field(IntervalSerializer)
    def get_interval(self, figure) -> dict:
        return {
            "low": intervals.as_number(figure.low),
            "high": intervals.as_number(figure.high, upper=True),
        }


class SupersedingFigureField(serializers.PrimaryKeyRelatedField):
    """A figure id, among the figures the caller may see (published claims' for the public)."""

    def get_queryset(self):
        request = self.context.get("request")
        user = request.user if request is not None else None
        return Figure.objects.visible_to(user)


class FigureWriteSerializer(StrictModelSerializer):
    superseded_by = SupersedingFigureField(
        allow_null=True,
        required=False,
        help_text="A later figure from the same origin that updates this one. A figure of a "
        "published claim can only be updated by a figure of a published claim.",
    )

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
            "as_of_precision",
            "superseded_by",
            "version",
        ]
        read_only_fields = ("id", "version")

    def save_instance(self, instance) -> None:
        services.save_figure(figure=instance)


class AttributionSerializer(ReviewStateMixin, StrictModelSerializer):
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

    def save_instance(self, instance) -> None:
        services.save_attribution(attribution=instance)


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
        # Publication moves only through the claim's actions (submit, publish, ...).
        read_only_fields = (*CURATED_READ_ONLY, "publication", "published_at", "review_note")


class RelatedClaimSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["same_as", "narrower", "broader", "contradicts"],
        help_text="Read from this claim's side: this claim is `kind` the other claim.",
    )
    claim = ClaimRefSerializer()
    status = serializers.CharField(help_text="The other claim's status.")


class ReviewDecisionSerializer(serializers.Serializer):
    """The answer to approving or rejecting evidence."""

    decision = serializers.ChoiceField(choices=["approved", "rejected"])
    claims = serializers.ListField(
        child=serializers.IntegerField(), help_text="The claims whose evidence changed."
    )


class ReviewRejectSerializer(StrictSerializer):
    """The body of rejecting one pending change."""

    reason = serializers.CharField(
        max_length=2000, help_text="Why the change is rejected; kept in the evidence's history."
    )


class ReviewBulkSerializer(StrictSerializer):
    """The body of approving or rejecting several pending changes."""

    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        min_length=1,
        max_length=500,
        help_text="The pending rows to decide, all or nothing.",
    )
    reason = serializers.CharField(
        max_length=2000, required=False, help_text="Required to reject: why."
    )


class StatusPreviewSerializer(serializers.Serializer):
    """What the claim's status and reason would become if every pending change to its evidence
    were approved (claims.evidence.preview). Only for callers with claims.view_claim, and only
    when it differs from the stored status; null otherwise."""

    status = serializers.ChoiceField(choices=Claim.Status.choices)
    status_reason = serializers.CharField()


class FirstAppearanceSerializer(serializers.Serializer):
    attribution = serializers.IntegerField(help_text="The earliest attribution.")
    date = serializers.DateField(
        allow_null=True, help_text="When the speaker said it, else the document's date."
    )
    origin = serializers.CharField(help_text="The outlet that first published it.")
    speaker = serializers.CharField(allow_null=True)
    document = DocumentRefSerializer()
    outlets = serializers.IntegerField(help_text="Publishers of the documents it appears in.")
    origins = serializers.IntegerField(help_text="Independent origins among them.")


def first_appearance_data(first) -> dict | None:
    """A claims.appearance.FirstAppearance as the API and ClaimReview show it."""
    if first is None:
        return None
    a = first.attribution
    document = a.document
    return {
        "attribution": a.pk,
        "date": first.on,
        "origin": first.origin_label,
        "speaker": a.speaker.name if a.speaker_id else None,
        "document": {
            "id": document.pk,
            "title": document.title,
            "published": document.published,
            "outlet": {"id": document.outlet.pk, "name": document.outlet.name}
            if document.outlet_id
            else None,
        },
        "outlets": first.outlets,
        "origins": first.origins,
    }


class ClaimDetailSerializer(ClaimSerializer):
    """A claim with every attribution (speaker, document, origin, selectors) and its figures,
    its relations to other claims and its first appearance."""

    attributions = AttributionDetailSerializer(many=True, read_only=True)
    relations = serializers.SerializerMethodField()
    first_appearance = serializers.SerializerMethodField()
    status_preview = serializers.SerializerMethodField()

    class Meta(ClaimSerializer.Meta):
        fields = [
            *ClaimSerializer.Meta.fields,
            "verdict_note",
            "published_at",
            "review_note",
            "attributions",
            "relations",
            "first_appearance",
            "status_preview",
        ]

    @extend_schema_field(RelatedClaimSerializer(many=True))
    def get_relations(self, claim) -> list[dict]:
        related = (self.context.get("relations") or {}).get(claim.pk, [])
        return [
            {
                "kind": kind,
                "claim": {"id": other.pk, "slug": other.slug, "text": other.text},
                "status": other.status,
            }
            for kind, other in related
        ]

    @extend_schema_field(StatusPreviewSerializer(allow_null=True))
    def get_status_preview(self, claim) -> dict | None:
        preview = (self.context.get("previews") or {}).get(claim.pk)
        return None if preview is None else {"status": preview[0], "status_reason": preview[1]}

    @extend_schema_field(FirstAppearanceSerializer(allow_null=True))
    def get_first_appearance(self, claim) -> dict | None:
        origins = self.context.get("origins") or {}
        attributions = [a for a in claim.attributions.all() if a.pk in origins]
        return first_appearance_data(first_appearance(attributions, origins))


# Set only by the publication actions (claims.services transitions); a write naming them is refused.
WORKFLOW_FIELDS = ("publication", "published_at", "published_by", "review_note")


def action_path(claim, transition) -> str:
    """Where a client applies a transition to a claim: /api/v1/claims/{id}/publish/ and so on."""
    name = f"api:claim-{transition.name.replace('_', '-')}"
    if claim is None or claim.pk is None:
        return reverse(name, kwargs={"pk": 0}).replace("/0/", "/{id}/")
    return reverse(name, kwargs={"pk": claim.pk})


def publication_refusal(claim, wanted) -> str:
    """Why a write cannot set `publication`, naming the action that makes the change."""
    current = claim.publication if claim is not None else Claim.Publication.DRAFT
    transition = services.transition_between(current, wanted)
    if transition is not None:
        reason = ' with {"reason": "..."}' if transition.needs_reason else ""
        return (
            "publication changes only through the claim's actions: "
            f"POST {action_path(claim, transition)}{reason}."
        )
    paths = ", ".join(action_path(claim, t) for t in services.TRANSITIONS.values())
    return (
        "publication changes only through the claim's actions, one step at a time "
        f"(draft → in review → published, and back to draft with a reason): POST {paths}."
    )


class ClaimWriteSerializer(StrictModelSerializer):
    """Creating and editing claims.

    Publication is read-only here: it moves only through the claim's actions (submit, publish,
    return-to-draft, unpublish), which call the services. The verdict and its note are the
    reviewers' (claims.services.reserved_claim_fields).
    """

    slug = serializers.SlugField(max_length=200, required=False)
    tags = serializers.SlugRelatedField(
        many=True, required=False, slug_field="slug", queryset=Tag.objects.all()
    )

    class Meta:
        model = Claim
        fields = ["id", "slug", "text", "event", "tags", "verdict", "verdict_note", "version"]
        read_only_fields = ("id", "version")

    def to_internal_value(self, data):
        if isinstance(data, Mapping) and any(name in data for name in WORKFLOW_FIELDS):
            errors = {}
            current = self.instance.publication if self.instance else Claim.Publication.DRAFT
            if "publication" in data and data["publication"] != current:
                errors["publication"] = [publication_refusal(self.instance, data["publication"])]
            for name in WORKFLOW_FIELDS[1:]:
                if name in data:
                    errors[name] = ["Read-only: set by the claim's publication actions."]
            if errors:
                raise serializers.ValidationError(errors)
            # The current publication sent back unchanged, as read: nothing to write.
            data = {k: v for k, v in data.items() if k != "publication"}
        return super().to_internal_value(data)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        user = self.context["request"].user
        changed = [
            name
            for name in services.reserved_claim_fields(user)
            if name in attrs and attrs[name] != getattr(self.instance or Claim(), name)
        ]
        if changed:
            raise PermissionDenied(
                f"Only reviewers (permission {services.PUBLISH_PERMISSION}) may change "
                f"{' and '.join(changed)}."
            )
        return attrs


class TransitionReasonSerializer(StrictSerializer):
    """The body of return-to-draft and unpublish."""

    reason = serializers.CharField(
        max_length=2000,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Why the claim goes back to draft: tell the editors what to fix. Required; "
        "kept on the claim (review_note) and in its history.",
    )

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Unknown field: send only `reason`."] for name in unknown}
                )
        return super().to_internal_value(data)


class StanceEntrySerializer(serializers.Serializer):
    attribution = serializers.IntegerField()
    speaker = RefSerializer(allow_null=True)
    speaker_label = serializers.CharField(
        help_text="Who speaks, named as the status reason and the claim page name them."
    )
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
    figure_count = serializers.IntegerField(help_text="How many figures the group holds in all.")
    figures = ComparedFigureSerializer(
        many=True, help_text="The group's figures on this page, in (low, id) order."
    )
    divergences = DivergenceSerializer(
        many=True, help_text="Diverging pairs: all of them, or the 50 widest apart."
    )
    divergence_count = serializers.IntegerField(help_text="How many pairs diverge in all.")


class EventFiguresSerializer(serializers.Serializer):
    event = RefSerializer()
    count = serializers.IntegerField(help_text="How many figures the event holds in all.")
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last.")
    previous = serializers.URLField(
        allow_null=True, help_text="The previous page; null on the first."
    )
    groups = FigureGroupSerializer(
        many=True,
        help_text="Every group, on every page; envelopes and divergences are over all figures.",
    )


class ChangeSerializer(serializers.Serializer):
    """One entry of the change feed (claims.feed)."""

    seq = serializers.IntegerField(
        help_text="The entry's sequence number: entries are ordered by it; pass the last one "
        "you read as `after`."
    )
    type = serializers.ChoiceField(
        choices=["outlet", "actor", "document", "event", "claim", "attribution", "figure"]
    )
    id = serializers.IntegerField(help_text="The record's id in the list endpoint of `type`.")
    action = serializers.ChoiceField(
        choices=["upsert", "delete"],
        help_text="upsert: the record is now `record` (created, edited or published); delete: "
        "it is no longer public (deleted, unpublished or withdrawn).",
    )
    time = serializers.DateTimeField()
    record = serializers.JSONField(
        allow_null=True,
        help_text="For an upsert: the record exactly as an anonymous reader gets it in the list "
        "endpoint of `type` (e.g. /api/v1/claims/ for a claim); null for a delete.",
    )


class HistoryEntrySerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    action = serializers.ChoiceField(choices=["create", "update", "delete"])
    time = serializers.DateTimeField()
    user = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_null=True)
    version = serializers.IntegerField()
    changes = serializers.ListField(
        child=serializers.DictField(child=serializers.JSONField(allow_null=True)),
        help_text="Field by field, in field-name order: {field, old, new}. Foreign keys as ids "
        "(`event`, `published_by`), tags as lists of {claim, tag} rows, derived fields (`status`, "
        "`status_reason`) included; version and timestamps left out. The same diff as the admin's "
        "history (curation.history.changes).",
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


def claimant(attributions) -> dict | None:
    """Who made the claim, as a schema.org Person or Organization: the speaker of the earliest
    supporting statement, else the outlet that stated it in its own voice."""
    supporting = [a for a in attributions if a.stance == Attribution.Stance.SUPPORTS]
    supporting.sort(key=lambda a: (a.stated_on or a.document.published or date.max, a.pk))
    for a in supporting:
        if a.speaker_id:
            kind = "Person" if a.speaker.kind == "person" else "Organization"
            return {"@type": kind, "name": a.speaker.name}
        if a.document.outlet_id:
            return {"@type": "Organization", "name": a.document.outlet.name}
    return None


def claim_review(
    claim: Claim, request, author_name: str, attributions=None, origins: dict | None = None
) -> dict:
    """The claim as schema.org ClaimReview JSON-LD: one appearance per cited document, and the
    first appearance (claims.appearance) when the attributions' `origins` are given.

    `attributions`, when given, are the claim's attributions with speaker and document__outlet
    already joined (the claim page has them), so no further query is made.
    """
    attributions = claim.attributions.all() if attributions is None else attributions

    def absolute(path: str) -> str:
        return request.build_absolute_uri(path)

    documents = {}
    for attribution in attributions:
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
    if who := claimant(attributions):
        item["author"] = who
    if dates:
        item["datePublished"] = min(dates).isoformat()
    first = first_appearance(attributions, origins) if origins else None
    if first is not None:
        document = first.document
        work = {
            "@type": "CreativeWork",
            "url": document.url or absolute(document.get_absolute_url()),
            "headline": document.title,
        }
        if document.outlet_id:
            work["publisher"] = {"@type": "Organization", "name": document.outlet.name}
        if first.on:
            work["datePublished"] = first.on.isoformat()
        if first.attribution.speaker_id:
            work["author"] = {"@type": "Thing", "name": first.attribution.speaker.name}
        item["firstAppearance"] = work
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
        services.save_document(document=instance)


class WebhookSubscriptionSerializer(StrictInputMixin, serializers.ModelSerializer):
    """A webhook subscription (staff only). The secret is generated when not given."""

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "description", "secret", "active", "failure_count", "created_at"]
        read_only_fields = ["id", "failure_count", "created_at"]
        # A secret is taken as sent: trimming would change its length after the length checks.
        extra_kwargs = {"secret": {"required": False, "min_length": 16, "trim_whitespace": False}}


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "payload",
            "status",
            "attempts",
            "response_status",
            "error",
            "next_attempt_at",
            "created_at",
            "delivered_at",
        ]
        read_only_fields = fields
