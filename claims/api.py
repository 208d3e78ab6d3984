"""API views for events, claims, attributions and figures, the comparisons, history and changes.

Who sees what is the models' `visible_to(user)` (claims.visibility): readers without the
view-claim permission see published claims, their attributions and figures, and the events a
published claim is about. Outlets, documents and actors are public reference material.
"""

import json
from collections import defaultdict
from datetime import UTC
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, StreamingHttpResponse
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse

from api.conditional import once_per_version
from api.filters import MAX_ID, is_id
from api.renderers import CSVRenderer, JSONLDRenderer, TurtleRenderer, stream_csv
from api.serializers import field_errors
from api.viewsets import (
    CSV_CHUNK,
    MAX_PAGE_SIZE,
    ApiSchema,
    Conflict,
    CuratedViewSet,
    IdCursorPagination,
    PagePagination,
)
from claims import feed, intervals, provenance, services, versions
from claims.comparison import (
    FIGURES_PER_PAGE,
    Facts,
    facts_and_divergences,
)
from claims.comparison import ORDER as FIGURE_ORDER
from claims.evidence import attribution_origins, previews, speaker_label
from claims.filters import AttributionFilter, ClaimFilter, EventFilter, FigureFilter
from claims.models import (
    Attribution,
    Claim,
    ClaimRelation,
    Event,
    Figure,
    PublicChange,
    WebhookSubscription,
)
from claims.serializers import (
    AttributionDetailSerializer,
    AttributionSerializer,
    AttributionWriteSerializer,
    ChangeSerializer,
    ClaimDetailSerializer,
    ClaimSerializer,
    ClaimWriteSerializer,
    DocumentWriteSerializer,
    EventFiguresSerializer,
    EventSerializer,
    FigureSerializer,
    FigureWriteSerializer,
    HistoryEntrySerializer,
    ReviewBulkSerializer,
    ReviewDecisionSerializer,
    ReviewRejectSerializer,
    StancesSerializer,
    TransitionReasonSerializer,
    WebhookDeliverySerializer,
    WebhookSubscriptionSerializer,
    claim_review,
)
from claims.visibility import sees_drafts
from curation.history import changes as version_changes
from sources import api as source_api
from sources import dates
from sources.models import one_of
from sources.serializers import OriginSerializer

PUBLISHED = Claim.Publication.PUBLISHED


def expanded(request, allowed: set[str]) -> set[str]:
    """The ?expand= values, refused with a 400 naming the parameter when unknown."""
    raw = request.query_params.get("expand", "")
    wanted = {part.strip() for part in raw.split(",") if part.strip()}
    unknown = wanted - allowed
    if unknown:
        raise ValidationError(
            {
                "expand": [
                    f"Unknown value {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}."
                ]
            }
        )
    return wanted


def figures_prefetch(user) -> Prefetch:
    """An attribution's figures, those `user` sees (the public: approved ones)."""
    return Prefetch(
        "figures",
        queryset=Figure.objects.reviewed_for(user).select_related("event").order_by("pk"),
    )


def attributions_prefetch(user) -> Prefetch:
    """A claim's attributions with their figures, those `user` sees (the public: approved)."""
    return Prefetch(
        "attributions",
        queryset=Attribution.objects.reviewed_for(user)
        .select_related("claim", "speaker", "via", "document__outlet")
        .prefetch_related(figures_prefetch(user))
        .order_by("document_id", "quote_start"),
    )


# One instance for every row: its representation reads nothing but the origin it is given.
_ORIGIN = OriginSerializer()


def origin(value) -> dict:
    return _ORIGIN.to_representation(value)


def document_ref(document) -> dict:
    outlet = document.outlet
    return {
        "id": document.pk,
        "title": document.title,
        "published": document.published,
        "outlet": {"id": outlet.pk, "name": outlet.name} if outlet else None,
    }


def actor_ref(actor) -> dict | None:
    return {"id": actor.pk, "name": actor.name} if actor else None


EXPAND = OpenApiParameter(
    "expand",
    str,
    description="Comma-separated: `attributions` adds every attribution with its figures.",
    enum=["attributions"],
)


class ProvenanceMixin:
    """Detail endpoints also answer `Accept: text/turtle` and `Accept: application/ld+json` (or
    `?format=ttl`, `?format=jsonld`) with the W3C PROV-O / Web Annotation graph of what the
    reader may see (claims.provenance)."""

    def get_renderers(self):
        renderers = super().get_renderers()
        if getattr(self, "action", None) == "retrieve":
            renderers += [JSONLDRenderer(), TurtleRenderer()]
        return renderers

    def wants_provenance(self) -> bool:
        renderer = getattr(self.request, "accepted_renderer", None)
        return isinstance(renderer, (JSONLDRenderer, TurtleRenderer))

    def provenance_response(self, claims, events=()) -> Response:
        graph = provenance.provenance_graph(
            claims, self.request.build_absolute_uri("/"), events, user=self.request.user
        )
        if isinstance(self.request.accepted_renderer, TurtleRenderer):
            return Response(provenance.serialize(graph, provenance.TURTLE))
        return Response(json.loads(provenance.serialize(graph, provenance.JSON_LD)))


def provenance_responses(detail) -> dict:
    """A detail endpoint's 200 in each media type: the JSON detail, the PROV-O graph as JSON-LD
    (an object) or Turtle (text), and the CSV row."""
    return {
        (200, "application/json"): detail,
        (200, "application/ld+json"): OpenApiTypes.OBJECT,
        (200, "text/turtle"): OpenApiTypes.STR,
        (200, "text/csv"): OpenApiTypes.STR,
    }


class FeedWritesMixin:
    """API writes log their public changes (claims.feed) in the transaction of the write.

    The feed's lock is taken before the row lock of the If-Match check, in the order the write
    services take them. Viewsets whose writes go through services that log (`records = False`:
    attributions, figures, documents) only take the lock.
    """

    records = True

    def _lock_and_check(self, request):
        feed.lock()
        return super()._lock_and_check(request)

    def perform_create(self, serializer):
        with transaction.atomic():
            feed.lock()
            super().perform_create(serializer)
            if self.records:
                feed.record_objects([serializer.instance])

    def perform_update(self, serializer):
        with transaction.atomic():
            feed.lock()
            super().perform_update(serializer)
            if self.records:
                feed.record_objects([serializer.instance])

    def perform_destroy(self, instance):
        with transaction.atomic():
            feed.lock()
            affected = feed.affected_by([instance])
            super().perform_destroy(instance)
            feed.record(affected, expand=False)


# A page size as every paginated list declares it (api.viewsets.StrictPageSizeMixin): from 1, any
# larger number accepted and read as the most a page holds.
PAGE_SIZE_SCHEMA = {"type": "integer", "minimum": 1}

# The event figures API pages as the event page does: a hot event holds thousands of figures.
FIGURES_PAGE_SIZE = FIGURES_PER_PAGE


class FigurePagePagination(PagePagination):
    page_size = FIGURES_PAGE_SIZE
    max_page_size = FIGURES_PAGE_SIZE


class EventViewSet(FeedWritesMixin, ProvenanceMixin, CuratedViewSet):
    serializer_class = EventSerializer
    filterset_class = EventFilter
    ordering_fields = ["date", "name", "created_at", "updated_at"]
    ordering = ["-date", "name", "id"]

    action_versions = {"figures": "figures"}
    paged_actions = ("list", "figures")

    def get_queryset(self):
        return Event.objects.visible_to(self.request.user)

    def detail_version(self, key):
        return versions.event(self.request.user, key)

    def list_version(self, queryset):
        return versions.events(queryset)

    def figures_version(self, key):
        return versions.event_figures(self.request.user, key)

    @extend_schema(responses=provenance_responses(EventSerializer))
    def retrieve(self, request, *args, **kwargs):
        if self.wants_provenance():
            event = self.get_object()
            claims = Claim.objects.visible_to(request.user).filter(event=event)
            return self.provenance_response(claims, [event])
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="The event's figures, grouped by measure and population, a page at a time",
        description="Every group of the event's figures (by measure and population) with its "
        "overall low/high, its figure count and the pairs of estimates that diverge (intervals "
        "that do not overlap; sub-populations of one attribution roll up into a lower bound for "
        "the total), all computed over every figure of the event; each group's `figures` holds "
        "the figures of this page only, with their interval, origin and document. Pages follow "
        "(measure, population, low, id) order: `page` and `page_size` (default and at most "
        f"{FIGURES_PAGE_SIZE}) as in every list, `count`, `next` and `previous` as there. "
        f"At most {intervals.DIVERGENCES_LISTED} pairs are listed per group, the widest apart; "
        "`divergence_count` counts them all. `?format=csv` streams every figure, one per row, "
        "unpaginated.",
        parameters=[
            OpenApiParameter("page", int, description="A page number, from 1."),
            OpenApiParameter(
                "page_size",
                PAGE_SIZE_SCHEMA,
                description=f"Figures per page, from 1; above {FIGURES_PAGE_SIZE} gives "
                f"{FIGURES_PAGE_SIZE}.",
            ),
            OpenApiParameter(
                "format",
                str,
                enum=["json", "csv"],
                description="csv: every figure of the event, one per row, streamed (`page` and "
                "`page_size` are ignored).",
            ),
        ],
        responses={200: EventFiguresSerializer, (200, "text/csv"): OpenApiTypes.STR},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=FigurePagePagination)
    def figures(self, request, pk=None):
        event = self.get_object()
        visible = Figure.objects.visible_to(request.user).filter(event=event)
        # Groups, envelopes and divergences are over every figure: from one narrow query, no
        # model rows, computed once per version of the event's figures.
        summary = once_per_version(
            versions.figures_key(request, "event figures"),
            lambda: summarise(facts_and_divergences(visible.order_by(*FIGURE_ORDER))),
        )
        if self.wants_csv():
            return self.stream_figures_csv(visible, summary)
        paginator = self.paginator
        page = paginator.paginate_queryset(summary["ids"], request, view=self)
        figures = _figure_rows_for(visible, list(page))
        origins = attribution_origins({f.attribution_id: f.attribution for f in figures}.values())
        return Response(
            {
                "event": {"id": event.pk, "name": event.name},
                "count": paginator.page.paginator.count,
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
                "groups": placed(summary, figures, origins),
            }
        )

    def stream_figures_csv(self, visible, summary: dict) -> StreamingHttpResponse:
        """Every figure as a CSV row, read CSV_CHUNK figures (and their origins) at a time."""
        diverging, ids = summary["diverging"], summary["ids"]

        def chunks():
            for start in range(0, len(ids), CSV_CHUNK):
                figures = _figure_rows_for(visible, ids[start : start + CSV_CHUNK])
                attributions = {f.attribution_id: f.attribution for f in figures}
                yield figure_rows(figures, attribution_origins(attributions.values()), diverging)

        response = StreamingHttpResponse(
            stream_csv(chunks()), content_type=f"{CSVRenderer.media_type}; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="event-figures.csv"'
        return response


def _figure_rows_for(visible, ids: list[int]) -> list[Figure]:
    """These figures (ids among `visible`) as model rows with what a figure row shows, in the
    order of `ids`."""
    loaded = (
        visible.filter(*one_of(Figure, "id", ids))
        .order_by()  # placed in the order of `ids`: not the model's (a join to the event)
        .select_related("attribution__speaker", "attribution__via", "attribution__document__outlet")
        .defer("attribution__document__text")
        .in_bulk()
    )
    return [loaded[pk] for pk in ids if pk in loaded]


def figure_rows(figures: list[Figure], origins: dict, diverging: set[int]) -> list[dict]:
    """One plain row per figure for CSV: numbers, words and ISO dates, nothing nested.

    `diverging`: the ids of the figures that diverge, found among every figure of the event."""
    rows = []
    for f in figures:
        a = f.attribution
        document = a.document
        rows.append(
            {
                "figure": f.pk,
                "claim": a.claim_id,
                "attribution": a.pk,
                "measure": f.measure,
                "population": f.population,
                "qualifier": f.qualifier,
                "value": f.value,
                "value_high": f.value_high,
                "text": f.text,
                "low": intervals.as_number(f.low),
                "high": intervals.as_number(f.high, upper=True),
                "as_of": dates.iso(f.as_of, f.as_of_precision),
                "speaker": a.speaker.name if a.speaker_id else "",
                "voice": a.voice,
                "stance": a.stance,
                "via": a.via.name if a.via_id else "",
                "outlet": document.outlet.name if document.outlet_id else "",
                "origin": origins[a.pk][1],
                "document": document.pk,
                "document_published": dates.iso(document.published, document.published_precision),
                "diverging": f.pk in diverging,
                "superseded_by": f.superseded_by_id,
            }
        )
    return rows


def _estimate(est: intervals.Estimate) -> dict:
    return {
        "attribution": est.attribution_id,
        "figures": list(est.figure_ids),
        "interval": {
            "low": intervals.as_number(est.interval.low),
            "high": intervals.as_number(est.interval.high, upper=True),
        },
        "rolled_up": est.rolled_up,
    }


def summarise(computed: Facts) -> dict:
    """What the event figures API shows over every figure (`computed.facts`, in FIGURE_ORDER):
    each group (by measure and population) with its envelope, figure count and divergences
    (`computed.found`), with no figures yet; the ids of every figure in order (the pages); the
    ids that diverge. Plain data, kept per version of the figures
    (api.conditional.once_per_version)."""
    facts, found = computed.facts, computed.found
    counts: dict[tuple, int] = defaultdict(int)
    for (_event, measure, population), n in found.counts.items():
        counts[(measure, population)] += n
    groups: dict[tuple, dict] = {}

    def group(measure: str, population: str) -> dict:
        key = (measure, intervals.normalise_population(population))
        if key not in groups:
            groups[key] = {
                "measure": measure,
                "population": population,
                "low": None,
                "high": None,
                "figure_count": 0,
                "figures": [],
                "divergences": [],
                "divergence_count": counts[key],
                "_bounds": [],
            }
        return groups[key]

    for fact in facts:
        entry = group(fact.measure, fact.population)
        entry["figure_count"] += 1
        if not fact.superseded:
            entry["_bounds"].append((fact.interval.low, fact.interval.high))
    for d in found.pairs:
        group(d.measure, d.population)["divergences"].append(
            {"a": _estimate(d.a), "b": _estimate(d.b)}
        )
    for entry in groups.values():
        bounds = entry.pop("_bounds")
        if bounds:
            entry["low"] = intervals.as_number(min(low for low, _ in bounds))
            entry["high"] = intervals.as_number(max(high for _, high in bounds), upper=True)
    return {
        "groups": list(groups.values()),
        "ids": [f.id for f in facts],
        "diverging": set(found.marked_figure_ids),
    }


def placed(summary: dict, figures: list[Figure], origins: dict) -> list[dict]:
    """The groups of `summary` with `figures` (one page of them, with their attribution,
    speaker, via and document loaded) listed in their groups."""
    groups = [{**entry, "figures": []} for entry in summary["groups"]]
    by_key = {(g["measure"], intervals.normalise_population(g["population"])): g for g in groups}
    diverging = summary["diverging"]
    for f in figures:
        a = f.attribution
        by_key[(f.measure, intervals.normalise_population(f.population))]["figures"].append(
            {
                "id": f.pk,
                "claim": a.claim_id,
                "attribution": a.pk,
                "qualifier": f.qualifier,
                "value": f.value,
                "value_high": f.value_high,
                "text": f.text,
                "as_of": f.as_of,
                "interval": {
                    "low": intervals.as_number(f.low),
                    "high": intervals.as_number(f.high, upper=True),
                },
                "superseded": f.superseded_by_id is not None,
                "diverges": f.pk in diverging,
                "speaker": actor_ref(a.speaker),
                "voice": a.voice,
                "origin": origin(origins[a.pk]),
                "document": document_ref(a.document),
            }
        )
    return groups


def stance_entry(a: Attribution, origins: dict) -> dict:
    return {
        "attribution": a.pk,
        "speaker": actor_ref(a.speaker),
        "speaker_label": speaker_label(a, origins[a.pk][1]),
        "speaker_description": a.speaker_description,
        "voice": a.voice,
        "origin": origin(origins[a.pk]),
        "quote": a.quote,
        "date": a.stated_on or a.document.published,
        "document": document_ref(a.document),
    }


ACTIONS = {"+": "create", "~": "update", "-": "delete"}

# The claim's publication actions: any signed-in caller reaches the service, which decides who
# may apply which transition (403) and from which state (400).
TRANSITION_ACTION = {
    "filter_backends": [],
    "pagination_class": None,
    "permission_classes": [permissions.IsAuthenticated],
}
IF_MATCH_OPTIONAL = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description='Optional: the ETag you read, e.g. "3"; the transition is refused (412) if the '
    "claim changed since.",
)


class ClaimViewSet(FeedWritesMixin, ProvenanceMixin, CuratedViewSet):
    expandable = ("attributions",)
    serializer_class = ClaimSerializer
    detail_serializer_class = ClaimDetailSerializer
    write_serializer_class = ClaimWriteSerializer
    filterset_class = ClaimFilter
    ordering_fields = ["updated_at", "created_at", "text", "status"]
    ordering = ["-updated_at", "id"]
    action_versions = {"stances": "detail", "claimreview": "detail"}

    def detail_version(self, key):
        return versions.claim(self.request.user, key)

    def list_version(self, queryset):
        wanted = expanded(self.request, {"attributions"})
        return versions.claims(queryset, expanded="attributions" in wanted)

    def get_queryset(self):
        count = (
            Attribution.objects.reviewed_for(self.request.user)
            .filter(claim=OuterRef("pk"))
            .order_by()
            .values("claim")
            .annotate(n=Count("pk"))
            .values("n")
        )
        queryset = (
            Claim.objects.visible_to(self.request.user)
            .select_related("event")
            .prefetch_related("tags")
            .annotate(attribution_count=Coalesce(Subquery(count, output_field=IntegerField()), 0))
        )
        if self.action == "retrieve" or (
            self.action == "list" and "attributions" in expanded(self.request, {"attributions"})
        ):
            queryset = queryset.prefetch_related(attributions_prefetch(self.request.user))
        return queryset

    def get_serializer_class(self):
        if self.action == "list" and "attributions" in expanded(self.request, {"attributions"}):
            return ClaimDetailSerializer
        return super().get_serializer_class()

    def _context_with_origins(self, claims) -> dict:
        attributions = [
            a
            for c in claims
            if "attributions" in getattr(c, "_prefetched_objects_cache", {})
            for a in c.attributions.all()
        ]
        context = self.get_serializer_context()
        context["origins"] = attribution_origins(attributions) if attributions else {}
        detailed = [
            c.pk for c in claims if "attributions" in getattr(c, "_prefetched_objects_cache", {})
        ]
        if detailed and sees_drafts(self.request.user):
            context["previews"] = previews([c for c in claims if c.pk in set(detailed)])
        if detailed:
            # Relations of every claim shown in detail, in one query.
            context["relations"] = ClaimRelation.objects.seen_from(
                detailed, Claim.objects.visible_to(self.request.user)
            )
        return context

    def csv_rows(self, rows):
        return self.get_serializer_class()(
            rows, many=True, context=self._context_with_origins(rows)
        ).data

    @extend_schema(parameters=[EXPAND])
    def list(self, request, *args, **kwargs):
        queryset = self.filtered_queryset()
        if self.wants_csv():
            return self.stream_csv(queryset)
        page = self.paginate_queryset(queryset)
        claims = list(page) if page is not None else list(queryset)
        serializer = self.get_serializer_class()(
            claims, many=True, context=self._context_with_origins(claims)
        )
        if page is not None:
            return self.get_paginated_response(serializer.data)
        return Response(serializer.data)

    @extend_schema(responses=provenance_responses(ClaimDetailSerializer))
    def retrieve(self, request, *args, **kwargs):
        claim = self.get_object()
        if self.wants_provenance():
            return self.provenance_response(Claim.objects.filter(pk=claim.pk))
        data = ClaimDetailSerializer(claim, context=self._context_with_origins([claim])).data
        response = Response(data)
        response["ETag"] = f'"{claim.version}"'
        return response

    def read_representation(self, instance):
        claim = (
            self.get_queryset()
            .prefetch_related(attributions_prefetch(self.request.user))
            .get(pk=instance.pk)
        )
        return ClaimDetailSerializer(claim, context=self._context_with_origins([claim])).data

    # --- publication: the transitions, each through its service ---------------------------------

    def _transition(self, request, service, **kwargs):
        """Apply one transition to the claim and answer with its detail representation.

        The service locks the row, checks the caller's permission and the claim's state. An
        If-Match header is optional here; when sent, it must name the current version (412).
        """
        claim = self.get_object()
        try:
            with transaction.atomic():
                if request.headers.get("If-Match"):
                    self._lock_and_check(request)
                service(claim=claim, by=request.user, **kwargs)
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error) or None) from None
        except DjangoValidationError as error:
            raise ValidationError(field_errors(error)) from None
        try:
            data = self.read_representation(claim)
        except Claim.DoesNotExist:  # unpublished by a reviewer who reads only published claims
            raise Http404("The claim is no longer visible to you.") from None
        response = Response(data)
        response["ETag"] = f'"{data["version"]}"'
        return response

    def _reason(self, request) -> str:
        body = TransitionReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data["reason"]

    @extend_schema(
        summary="Submit a draft for review",
        description="draft → in review. Needs the change-claim permission (editors, reviewers). "
        "400 when the claim is not a draft. No body. If-Match is optional: when sent, the "
        "claim must still be at that version (412).",
        request=None,
        parameters=[IF_MATCH_OPTIONAL],
        responses={200: ClaimDetailSerializer},
    )
    @action(detail=True, methods=["post"], **TRANSITION_ACTION)
    def submit(self, request, pk=None):
        return self._transition(request, services.submit_for_review)

    @extend_schema(
        summary="Publish a claim in review",
        description="in review → published, recording who published it and when. Needs the "
        "publish-claim permission (reviewers). 400 when the claim is not in review. No body. "
        "If-Match is optional: when sent, the claim must still be at that version (412).",
        request=None,
        parameters=[IF_MATCH_OPTIONAL],
        responses={200: ClaimDetailSerializer},
    )
    @action(detail=True, methods=["post"], **TRANSITION_ACTION)
    def publish(self, request, pk=None):
        return self._transition(request, services.publish)

    @extend_schema(
        summary="Return a claim in review to draft, with a reason",
        description="in review → draft. Needs the publish-claim permission (reviewers). The "
        "reason is kept on the claim (`review_note`) and in its history. 400 when the claim is "
        "not in review (a published claim is unpublished) or the reason is empty.",
        request=TransitionReasonSerializer,
        parameters=[IF_MATCH_OPTIONAL],
        responses={200: ClaimDetailSerializer},
    )
    @action(detail=True, methods=["post"], url_path="return-to-draft", **TRANSITION_ACTION)
    def return_to_draft(self, request, pk=None):
        return self._transition(request, services.return_to_draft, reason=self._reason(request))

    @extend_schema(
        summary="Unpublish a claim, with a reason",
        description="published → draft. Needs the publish-claim permission (reviewers). The "
        "reason is kept on the claim (`review_note`) and in its history. 400 when the claim is "
        "not published or the reason is empty.",
        request=TransitionReasonSerializer,
        parameters=[IF_MATCH_OPTIONAL],
        responses={200: ClaimDetailSerializer},
    )
    @action(detail=True, methods=["post"], **TRANSITION_ACTION)
    def unpublish(self, request, pk=None):
        return self._transition(request, services.unpublish, reason=self._reason(request))

    @extend_schema(
        summary="The claim's attributions split by stance",
        description="supports / refutes / questions / neutral, each with speaker (and the label "
        "the status reason names it by), origin, quote.",
        responses={200: StancesSerializer},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def stances(self, request, pk=None):
        claim = self.get_object()
        attributions = list(
            claim.attributions.reviewed_for(request.user)
            .select_related("speaker", "via", "document__outlet")
            .order_by("document_id", "quote_start")
        )
        origins = attribution_origins(attributions)
        split = {stance: [] for stance in Attribution.Stance.values}
        for a in attributions:
            split[a.stance].append(stance_entry(a, origins))
        return Response(
            {
                "claim": {"id": claim.pk, "slug": claim.slug, "text": claim.text},
                "status": claim.status,
                "status_reason": claim.status_reason,
                **split,
            }
        )

    @extend_schema(
        summary="The claim as schema.org ClaimReview JSON-LD",
        responses={
            (200, "application/ld+json"): {"type": "object"},
            (200, "application/json"): {"type": "object"},
        },
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        renderer_classes=[JSONLDRenderer, JSONRenderer],
    )
    def claimreview(self, request, pk=None):
        claim = self.get_object()
        claim = (
            Claim.objects.filter(pk=claim.pk)
            .prefetch_related(
                Prefetch(
                    "attributions",
                    Attribution.objects.reviewed_for(request.user).select_related(
                        "document__outlet", "via", "speaker"
                    ),
                )
            )
            .get()
        )
        author = getattr(settings, "CLAIMREVIEW_AUTHOR", "Claim-and-attribution tracker")
        origins = attribution_origins(claim.attributions.all())
        return Response(claim_review(claim, request, author, origins=origins))

    @extend_schema(
        summary="Every recorded version of the claim (staff only)",
        description="Who changed what and when, field by field, oldest first. Works for deleted "
        "claims too, by id.",
        responses={200: HistoryEntrySerializer(many=True)},
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        permission_classes=[permissions.IsAdminUser],
    )
    def history(self, request, pk=None):
        value = str(self.kwargs["pk"])
        claim_id = int(value) if is_id(value) else self.get_object().pk
        records = list(
            Claim.history.filter(id=claim_id)
            .select_related("history_user")
            .order_by("history_date", "history_id")
        )
        if not records:
            raise Http404
        entries, previous = [], None
        for record in records:
            changes = [
                {"field": change.field, "old": change.old, "new": change.new}
                for change in version_changes(previous, record)
            ]
            entries.append(
                {
                    "history_id": record.history_id,
                    "action": ACTIONS[record.history_type],
                    "time": record.history_date,
                    "user": record.history_user.get_username() if record.history_user else None,
                    "reason": record.history_change_reason,
                    "version": record.version,
                    "changes": changes,
                }
            )
            previous = record
        return Response(HistoryEntrySerializer(entries, many=True).data)


REVIEW_ACTION = {
    "filter_backends": [],
    "pagination_class": None,
    "permission_classes": [permissions.IsAuthenticated],
}


def _review_description(kind: str, verb: str) -> str:
    return (
        f"{verb.capitalize()} a pending change to {kind} (a new one, an edit or a deletion) on a "
        "published claim. Reviewers only (claims.publish_claim): 403 otherwise, and for "
        "approving a change you proposed yourself unless REVIEW_ALLOW_SELF_APPROVAL; 404 when "
        "you cannot see it; 409 when it is not pending."
        + (" A reason is required (400 without one)." if verb == "reject" else "")
    )


class ReviewActionsMixin:
    """approve / reject actions on pending evidence (claims.services.approve_evidence and
    reject_evidence), one row by id or several at once."""

    def _rows(self, ids: list[int]) -> list:
        model = self.get_queryset().model
        user = self.request.user
        # Staff see every row, pending copies of edits included (the review queue lists them).
        queryset = model.objects.all() if sees_drafts(user) else model.objects.visible_to(user)
        rows = list(queryset.filter(pk__in=ids))
        if len(rows) != len(set(ids)):
            raise Http404("No such pending evidence.")
        return rows

    def _decide(self, request, ids: list[int], decision: str, reason: str = ""):
        rows = self._rows(ids)
        try:
            if decision == "approved":
                touched = services.approve_evidence(items=rows, by=request.user)
            else:
                touched = services.reject_evidence(items=rows, by=request.user, reason=reason)
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error) or None) from None
        except DjangoValidationError as error:
            if hasattr(error, "error_dict") and "reason" in error.error_dict:
                raise ValidationError(field_errors(error)) from None
            raise Conflict(" ".join(error.messages)) from None
        return Response({"decision": decision, "claims": touched})

    def _reason(self, request) -> str:
        body = ReviewRejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data["reason"]

    def _bulk(self, request) -> tuple[list[int], str]:
        body = ReviewBulkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data["ids"], body.validated_data.get("reason", "")

    def _pk(self) -> int:
        value = self.kwargs.get("pk", "")
        if not is_id(value):
            raise Http404
        return int(value)

    @extend_schema(
        summary="Approve a pending change",
        description=_review_description("this row", "approve"),
        request=None,
        responses={200: ReviewDecisionSerializer},
    )
    @action(detail=True, methods=["post"], **REVIEW_ACTION)
    def approve(self, request, pk=None):
        return self._decide(request, [self._pk()], "approved")

    @extend_schema(
        summary="Reject a pending change",
        description=_review_description("this row", "reject"),
        request=ReviewRejectSerializer,
        responses={200: ReviewDecisionSerializer},
    )
    @action(detail=True, methods=["post"], **REVIEW_ACTION)
    def reject(self, request, pk=None):
        return self._decide(request, [self._pk()], "rejected", self._reason(request))

    @extend_schema(
        summary="Approve several pending changes",
        description=_review_description("these rows (`ids`)", "approve"),
        request=ReviewBulkSerializer,
        responses={200: ReviewDecisionSerializer},
    )
    @action(detail=False, methods=["post"], url_path="approve-many", **REVIEW_ACTION)
    def approve_many(self, request):
        ids, _ = self._bulk(request)
        return self._decide(request, ids, "approved")

    @extend_schema(
        summary="Reject several pending changes",
        description=_review_description("these rows (`ids`)", "reject"),
        request=ReviewBulkSerializer,
        responses={200: ReviewDecisionSerializer},
    )
    @action(detail=False, methods=["post"], url_path="reject-many", **REVIEW_ACTION)
    def reject_many(self, request):
        ids, reason = self._bulk(request)
        return self._decide(request, ids, "rejected", reason)


class AttributionViewSet(FeedWritesMixin, ReviewActionsMixin, CuratedViewSet):
    records = False
    expandable = ("figures",)
    serializer_class = AttributionSerializer
    detail_serializer_class = AttributionDetailSerializer
    write_serializer_class = AttributionWriteSerializer
    filterset_class = AttributionFilter
    pagination_class = IdCursorPagination
    ordering_fields = ["id"]
    ordering = ["id"]
    slug_field = None

    def detail_version(self, key):
        return versions.attribution(self.request.user, key)

    def list_version(self, queryset):
        return versions.attributions(queryset)

    def get_queryset(self):
        queryset = Attribution.objects.visible_to(self.request.user).select_related(
            "claim", "speaker", "via", "document__outlet"
        )
        if self.action == "retrieve" or "figures" in expanded(self.request, {"figures"}):
            queryset = queryset.prefetch_related(figures_prefetch(self.request.user))
        return queryset

    def get_serializer_class(self):
        if self.action == "list" and "figures" in expanded(self.request, {"figures"}):
            return AttributionDetailSerializer
        return super().get_serializer_class()

    def delete_instance(self, instance) -> None:
        services.delete_attribution(attribution=instance)

    def get_serializer(self, *args, **kwargs):
        if args and kwargs.get("many"):
            items = list(args[0])
            context = self.get_serializer_context()
            context["origins"] = attribution_origins(items) if items else {}
            return self.get_serializer_class()(items, many=True, context=context)
        return super().get_serializer(*args, **kwargs)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "expand", str, enum=["figures"], description="`figures`: full attributions."
            )
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class FigureViewSet(FeedWritesMixin, ReviewActionsMixin, CuratedViewSet):
    records = False
    serializer_class = FigureSerializer
    write_serializer_class = FigureWriteSerializer
    filterset_class = FigureFilter
    pagination_class = IdCursorPagination
    ordering_fields = ["id"]
    ordering = ["id"]
    slug_field = None

    def get_queryset(self):
        return Figure.objects.visible_to(self.request.user).select_related("event", "attribution")

    def detail_version(self, key):
        return versions.figure(self.request.user, key)

    def list_version(self, queryset):
        return versions.figures(queryset)

    def delete_instance(self, instance) -> None:
        services.delete_figure(figure=instance)


def change_entry(change) -> dict:
    """A feed entry (claims.models.PublicChange) as the feed and the webhooks give it."""
    return {
        "seq": change.pk,
        "type": change.type,
        "id": change.object_id,
        "action": change.action,
        "time": change.time,
        "record": change.data,
    }


class ChangesView(GenericAPIView):
    """The change feed: every change of every public record, oldest first, for mirrors.

    Entries come from the log claims.feed appends in the transaction of each write: an upsert
    holds the record exactly as an anonymous reader gets it from the list endpoint of its type,
    a delete says it is no longer public (deleted, unpublished, withdrawn). Publishing a claim
    logs the claim and all its evidence; unpublishing logs their deletes. Replaying the feed from
    the beginning into an empty mapping {(type, id): record} gives the public API. Everyone,
    staff included, reads the same public log (staff follow drafts through the claims' history).
    Pages follow `next` (`?after=<seq>`); a cursor never skips an entry committed late, because
    entries are appended one writer at a time.
    """

    permission_classes = [permissions.AllowAny]
    schema = ApiSchema()
    filter_backends = []
    pagination_class = None
    serializer_class = ChangeSerializer

    @staticmethod
    def page_after(after: int, size: int, since=None) -> tuple[list, bool]:
        """Up to `size` feed entries with a sequence number above `after` (and a time after
        `since`), oldest first, and whether more follow. Webhooks (claims.webhooks) read the feed
        through this and `public_records`."""
        rows = PublicChange.objects.filter(pk__gt=after)
        if since is not None:
            rows = rows.filter(time__gt=since)
        rows = list(rows.order_by("pk")[: size + 1])
        return rows[:size], len(rows) > size

    @staticmethod
    def public_records(page) -> list[dict]:
        """The entries of a page as the feed gives them."""
        return [change_entry(change) for change in page]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "after",
                {"type": "integer", "minimum": 0, "maximum": MAX_ID},
                description="Entries after this sequence number (`seq`); 0 or absent: from the "
                "beginning. The `next` link carries it.",
            ),
            OpenApiParameter(
                "since",
                OpenApiTypes.DATETIME,
                description="Optional: only entries logged after this ISO 8601 date-time, e.g. "
                "2026-01-31T12:00:00Z. A mirror starts from the beginning instead.",
            ),
            OpenApiParameter(
                "page_size",
                PAGE_SIZE_SCHEMA,
                description=f"From 1; above {MAX_PAGE_SIZE} gives {MAX_PAGE_SIZE}.",
            ),
        ],
        responses={
            200: inline_serializer(
                "ChangePage",
                fields={
                    "next": serializers.URLField(
                        allow_null=True, help_text="The next page; null on the last one."
                    ),
                    "last": serializers.IntegerField(
                        help_text="The sequence number to resume from later (`after`)."
                    ),
                    "results": ChangeSerializer(many=True),
                },
            )
        },
    )
    def get(self, request):
        after = self._after(request)
        since = self._since(request)
        size = self._page_size(request)
        page, more = self.page_after(after, size, since)
        last = page[-1].pk if page else after
        next_url = None
        if more:
            query = {"after": last, "page_size": size}
            if "since" in request.query_params:
                query["since"] = request.query_params["since"]
            next_url = reverse("api:changes", request=request) + "?" + urlencode(query)
        return Response(
            {
                "next": next_url,
                "last": last,
                "results": ChangeSerializer(self.public_records(page), many=True).data,
            }
        )

    @staticmethod
    def _after(request) -> int:
        raw = request.query_params.get("after") or "0"  # empty, as any optional filter: absent
        if raw == "0":
            return 0
        if not is_id(raw):
            raise ValidationError({"after": ["A sequence number (`seq`), from the `next` link."]})
        return int(raw)

    @staticmethod
    def _since(request):
        raw = request.query_params.get("since")
        if not raw:  # absent or empty, as any optional filter
            return None
        try:
            since = parse_datetime(raw.strip().replace(" ", "+"))
        except ValueError:
            since = None
        if since is None:
            raise ValidationError({"since": [f"Not an ISO 8601 date-time: {raw[:40]!r}."]})
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        try:
            # In UTC: PostgreSQL refuses offsets beyond ±15:59 (ISO 8601 allows up to 23:59).
            since = since.astimezone(UTC)
        except OverflowError:
            raise ValidationError({"since": [f"Out of range: {raw[:40]!r}."]}) from None
        return since

    @staticmethod
    def _page_size(request) -> int:
        raw = request.query_params.get("page_size", "100")
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise ValidationError({"page_size": ["A positive whole number."]})
        return min(int(raw), MAX_PAGE_SIZE)


class WebhookSubscriptionViewSet(viewsets.ModelViewSet):
    """Webhook subscriptions (staff only, e.g. with a staff user's token): each receives a signed
    POST for every public change, the records of /api/v1/changes/ (see README, "Webhooks")."""

    serializer_class = WebhookSubscriptionSerializer
    permission_classes = [permissions.IsAdminUser]
    parser_classes = [JSONParser]
    pagination_class = PagePagination
    schema = ApiSchema()
    filter_backends = []
    ordering = ["id"]

    def get_queryset(self):
        return WebhookSubscription.objects.order_by("pk")

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)

    def perform_update(self, serializer):
        if serializer.validated_data.get("active") and not serializer.instance.active:
            serializer.save(failure_count=0)  # switched back on: start counting afresh
        else:
            serializer.save()

    @extend_schema(
        summary="The subscription's delivery log, newest first",
        responses={200: WebhookDeliverySerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        subscription = self.get_object()
        page = self.paginate_queryset(subscription.deliveries.order_by("-pk"))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)


class DocumentViewSet(FeedWritesMixin, source_api.DocumentViewSet):
    """Documents as the claims app serves them: writes go through claims.services.save_document,
    which logs the public changes; a delete logs them here."""

    records = False

    write_serializer_class = DocumentWriteSerializer


class OutletViewSet(FeedWritesMixin, source_api.OutletViewSet):
    """Outlets as the claims app serves them: writes log their public changes (claims.feed)."""


class ActorViewSet(FeedWritesMixin, source_api.ActorViewSet):
    """Actors as the claims app serves them: writes log their public changes (claims.feed)."""


# The change feed logs each public record as the list endpoint of its type gives it.
feed.register_viewsets(
    {
        "outlet": OutletViewSet,
        "actor": ActorViewSet,
        "document": DocumentViewSet,
        "event": EventViewSet,
        "claim": ClaimViewSet,
        "attribution": AttributionViewSet,
        "figure": FigureViewSet,
    }
)
