"""API views for events, claims, attributions and figures, the comparisons, history and changes.

Who sees what is the models' `visible_to(user)` (claims.visibility): readers without the
view-claim permission see published claims, their attributions and figures, and the events a
published claim is about. Outlets, documents and actors are public reference material.
"""

import json
from collections import defaultdict
from datetime import UTC

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
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

from api.filters import is_id
from api.renderers import JSONLDRenderer, TurtleRenderer
from api.serializers import field_errors
from api.viewsets import (
    MAX_PAGE_SIZE,
    ApiSchema,
    CuratedViewSet,
    IdCursorPagination,
    PagePagination,
)
from claims import intervals, provenance, services, versions
from claims.evidence import attribution_origins, speaker_label
from claims.filters import AttributionFilter, ClaimFilter, EventFilter, FigureFilter
from claims.models import (
    Attribution,
    Claim,
    ClaimRelation,
    Event,
    Figure,
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
from sources.models import Actor, Document, Outlet
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


def figures_prefetch() -> Prefetch:
    return Prefetch("figures", queryset=Figure.objects.select_related("event").order_by("pk"))


def attributions_prefetch() -> Prefetch:
    return Prefetch(
        "attributions",
        queryset=Attribution.objects.select_related("claim", "speaker", "via", "document__outlet")
        .prefetch_related(figures_prefetch())
        .order_by("document_id", "quote_start"),
    )


def origin(value) -> dict:
    return OriginSerializer().to_representation(value)


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
        graph = provenance.provenance_graph(claims, self.request.build_absolute_uri("/"), events)
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


class EventViewSet(ProvenanceMixin, CuratedViewSet):
    serializer_class = EventSerializer
    filterset_class = EventFilter
    ordering_fields = ["date", "name", "created_at", "updated_at"]
    ordering = ["-date", "name", "id"]

    action_versions = {"figures": "detail"}

    def get_queryset(self):
        return Event.objects.visible_to(self.request.user)

    def detail_version(self, key):
        return versions.event(self.request.user, key)

    def list_version(self, queryset):
        return versions.events(queryset)

    @extend_schema(responses=provenance_responses(EventSerializer))
    def retrieve(self, request, *args, **kwargs):
        if self.wants_provenance():
            event = self.get_object()
            claims = Claim.objects.visible_to(request.user).filter(event=event)
            return self.provenance_response(claims, [event])
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Every figure for the event, grouped by measure and population",
        description="Each figure with its interval, origin and document; per group the overall "
        "low/high and the pairs of estimates that diverge (intervals that do not overlap; "
        "sub-populations of one attribution roll up into a lower bound for the total). "
        f"At most {intervals.DIVERGENCES_LISTED} pairs are listed per group, the widest apart; "
        "`divergence_count` counts them all.",
        responses={200: EventFiguresSerializer},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def figures(self, request, pk=None):
        event = self.get_object()
        figures = (
            Figure.objects.visible_to(request.user)
            .filter(event=event)
            .select_related(
                "attribution__speaker", "attribution__via", "attribution__document__outlet"
            )
            .defer("attribution__document__text")
        )
        figures = list(figures.order_by("measure", "population", "low", "pk"))
        origins = attribution_origins({f.attribution_id: f.attribution for f in figures}.values())
        if getattr(request.accepted_renderer, "format", None) == "csv":
            return Response(figure_rows(figures, origins))
        return Response(
            {"event": {"id": event.pk, "name": event.name}, "groups": compare(figures, origins)}
        )


def figure_rows(figures: list[Figure], origins: dict) -> list[dict]:
    """One plain row per figure for CSV: numbers, words and ISO dates, nothing nested."""
    diverging = intervals.find_divergences((f.fact() for f in figures), limit=0).marked_figure_ids
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


def compare(figures: list[Figure], origins: dict) -> list[dict]:
    """Group figures by (measure, population) with their envelope and divergences."""
    found = intervals.find_divergences(
        (f.fact() for f in figures), limit=intervals.DIVERGENCES_LISTED
    )
    diverging = found.marked_figure_ids
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
                "figures": [],
                "divergences": [],
                "divergence_count": counts[key],
                "_bounds": [],
            }
        return groups[key]

    for f in figures:
        a = f.attribution
        entry = group(f.measure, f.population)
        entry["figures"].append(
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
        if f.superseded_by_id is None:
            entry["_bounds"].append((f.low, f.high))
    for d in found.pairs:
        group(d.measure, d.population)["divergences"].append(
            {"a": _estimate(d.a), "b": _estimate(d.b)}
        )
    for entry in groups.values():
        bounds = entry.pop("_bounds")
        if bounds:
            entry["low"] = intervals.as_number(min(low for low, _ in bounds))
            highs = [high for _, high in bounds]
            entry["high"] = None if None in highs else intervals.as_number(max(highs), upper=True)
    return list(groups.values())


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


class ClaimViewSet(ProvenanceMixin, CuratedViewSet):
    expandable = ("attributions",)
    serializer_class = ClaimSerializer
    detail_serializer_class = ClaimDetailSerializer
    write_serializer_class = ClaimWriteSerializer
    filterset_class = ClaimFilter
    ordering_fields = ["updated_at", "created_at", "text", "status"]
    ordering = ["-updated_at", "id"]
    action_versions = {"stances": "detail", "claimreview": "detail"}

    def version_queryset(self):
        return Claim.objects.visible_to(self.request.user)

    def detail_version(self, key):
        return versions.claim(self.request.user, key)

    def list_version(self, queryset):
        wanted = expanded(self.request, {"attributions"})
        return versions.claims(queryset, self.request.user, expanded="attributions" in wanted)

    def get_queryset(self):
        count = (
            Attribution.objects.filter(claim=OuterRef("pk"))
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
            queryset = queryset.prefetch_related(attributions_prefetch())
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
        queryset = self.filter_queryset(self.get_queryset())
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
        claim = self.get_queryset().prefetch_related(attributions_prefetch()).get(pk=instance.pk)
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
            claim.attributions.select_related("speaker", "via", "document__outlet").order_by(
                "document_id", "quote_start"
            )
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
                    Attribution.objects.select_related("document__outlet", "via", "speaker"),
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


class AttributionViewSet(CuratedViewSet):
    expandable = ("figures",)
    serializer_class = AttributionSerializer
    detail_serializer_class = AttributionDetailSerializer
    write_serializer_class = AttributionWriteSerializer
    filterset_class = AttributionFilter
    pagination_class = IdCursorPagination
    ordering_fields = ["id"]
    ordering = ["id"]
    slug_field = None

    def version_queryset(self):
        return Attribution.objects.visible_to(self.request.user)

    def detail_version(self, key):
        return versions.attribution(self.request.user, key)

    def list_version(self, queryset):
        return versions.attributions(queryset)

    def get_queryset(self):
        queryset = Attribution.objects.visible_to(self.request.user).select_related(
            "claim", "speaker", "via", "document__outlet"
        )
        if self.action == "retrieve" or "figures" in expanded(self.request, {"figures"}):
            queryset = queryset.prefetch_related(figures_prefetch())
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


class FigureViewSet(CuratedViewSet):
    serializer_class = FigureSerializer
    write_serializer_class = FigureWriteSerializer
    filterset_class = FigureFilter
    pagination_class = IdCursorPagination
    ordering_fields = ["id"]
    ordering = ["id"]
    slug_field = None

    def get_queryset(self):
        return Figure.objects.visible_to(self.request.user).select_related("event", "attribution")

    def version_queryset(self):
        return Figure.objects.visible_to(self.request.user)

    def detail_version(self, key):
        return versions.figure(self.request.user, key)

    def list_version(self, queryset):
        return versions.figures(queryset)

    def delete_instance(self, instance) -> None:
        services.delete_figure(figure=instance)


CHANGE_TYPES = {
    "actor": Actor,
    "attribution": Attribution,
    "claim": Claim,
    "document": Document,
    "event": Event,
    "figure": Figure,
    "outlet": Outlet,
}
EXTRA = {"claim": "publication", "attribution": "claim_id", "figure": "attribution_id"}


class ChangesView(GenericAPIView):
    """Every create, update and delete after `since`, oldest first, for mirrors.

    Readers who see only published claims (claims.visibility) get changes of published claims
    (publishing shows as a create, unpublishing as a delete), of the attributions and figures and
    events visible to them now (`visible_to`), and every event delete; outlets, documents and
    actors are public and always listed. Pages follow `next`; a page may hold fewer rows than
    page_size when some were not visible to the reader.
    """

    permission_classes = [permissions.AllowAny]
    schema = ApiSchema()
    filter_backends = []
    pagination_class = None
    serializer_class = ChangeSerializer

    @staticmethod
    def page_after(since, after_type, after_id, size) -> tuple[list, bool]:
        """Up to `size` history rows after the cursor, oldest first, as (date, type, history id,
        row), and whether more follow. Webhooks (claims.webhooks) read the feed through this and
        `public_records`."""
        rows = []
        for name, model in CHANGE_TYPES.items():
            history = model.history.model.objects
            if after_type is None or name < after_type:
                q = Q(history_date__gt=since)
            elif name == after_type:
                q = Q(history_date__gt=since) | Q(history_date=since, history_id__gt=after_id)
            else:
                q = Q(history_date__gte=since)
            fields = ["id", "history_id", "history_date", "history_type"]
            if name in EXTRA:
                fields.append(EXTRA[name])
            for row in (
                history.filter(q).order_by("history_date", "history_id").values(*fields)[: size + 1]
            ):
                rows.append((row["history_date"], name, row["history_id"], row))
        rows.sort(key=lambda r: r[:3])
        return rows[:size], len(rows) > size

    @classmethod
    def public_records(cls, page) -> list[dict]:
        """The records of a page that anonymous readers may see."""
        return cls._visible(page, None)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.DATETIME,
                required=True,
                description="ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z; changes after it.",
            ),
            OpenApiParameter(
                "after",
                str,
                pattern=f"^({'|'.join(CHANGE_TYPES)}):[1-9][0-9]{{0,17}}$",
                description="Tie-breaker from the `next` link (type:history id).",
            ),
            OpenApiParameter("page_size", int, description=f"At most {MAX_PAGE_SIZE}."),
        ],
        responses={
            200: inline_serializer(
                "ChangePage",
                fields={
                    "next": serializers.URLField(allow_null=True),
                    "results": ChangeSerializer(many=True),
                },
            )
        },
    )
    def get(self, request):
        since, after_type, after_id = self._cursor(request)
        size = self._page_size(request)
        page, more = self.page_after(since, after_type, after_id, size)
        results = self._visible(page, request.user)
        next_url = None
        if more and page:
            last_date, last_type, last_id, _ = page[-1]
            next_url = (
                reverse("api:changes", request=request)
                + f"?since={last_date.isoformat().replace('+00:00', 'Z')}"
                + f"&after={last_type}:{last_id}&page_size={size}"
            )
        return Response({"next": next_url, "results": results})

    def _cursor(self, request):
        raw = request.query_params.get("since")
        if not raw:
            raise ValidationError({"since": ["Required: an ISO 8601 date-time."]})
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
        after = request.query_params.get("after")
        if not after:
            return since, None, None
        kind, _, number = after.partition(":")
        if kind not in CHANGE_TYPES or not is_id(number):
            raise ValidationError({"after": ["Use the value from the `next` link."]})
        return since, kind, int(number)

    def _page_size(self, request) -> int:
        raw = request.query_params.get("page_size", "100")
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise ValidationError({"page_size": ["A positive whole number."]})
        return min(int(raw), MAX_PAGE_SIZE)

    @staticmethod
    def _visible(page, user) -> list[dict]:
        def change(name, row, action=None):
            return {
                "type": name,
                "id": row["id"],
                "action": action or ACTIONS[row["history_type"]],
                "time": row["history_date"],
            }

        if sees_drafts(user):
            return [change(name, row) for _, name, _, row in page]
        claim_rows = [row for _, name, _, row in page if name == "claim"]
        previous = ChangesView._previous_publication(claim_rows)
        attribution_ids = {row["attribution_id"] for _, name, _, row in page if name == "figure"}
        claim_of_attribution = dict(
            Attribution.history.filter(id__in=attribution_ids).values_list("id", "claim_id")
        )
        claim_ids = {row["claim_id"] for _, name, _, row in page if name == "attribution"}
        claim_ids |= set(claim_of_attribution.values())
        published_now = set(
            Claim.objects.visible_to(user).filter(pk__in=claim_ids).values_list("pk", flat=True)
        )
        event_ids = {row["id"] for _, name, _, row in page if name == "event"}
        events_now = set(
            Event.objects.visible_to(user).filter(pk__in=event_ids).values_list("pk", flat=True)
            if event_ids
            else ()
        )
        results = []
        for _, name, _, row in page:
            if name == "claim":
                # A historical row has no QuerySet: it was visible to this reader when published.
                was = previous.get(row["history_id"]) == PUBLISHED
                now = row["publication"] == PUBLISHED
                if now and row["history_type"] != "-":
                    results.append(
                        change(name, row, None if was or row["history_type"] == "+" else "create")
                    )
                elif was or (row["history_type"] == "-" and now):
                    results.append(change(name, row, "delete"))
            elif name == "attribution":
                if row["claim_id"] in published_now:
                    results.append(change(name, row))
            elif name == "figure":
                if claim_of_attribution.get(row["attribution_id"]) in published_now:
                    results.append(change(name, row))
            elif name == "event":
                if row["id"] in events_now or row["history_type"] == "-":
                    results.append(change(name, row))
            else:
                results.append(change(name, row))
        return results

    @staticmethod
    def _previous_publication(claim_rows) -> dict[int, str | None]:
        """For each historical claim row: the publication state of the row before it."""
        if not claim_rows:
            return {}
        latest = max(row["history_date"] for row in claim_rows)
        by_claim = defaultdict(list)
        for row in (
            Claim.history.filter(id__in={r["id"] for r in claim_rows}, history_date__lte=latest)
            .order_by("history_date", "history_id")
            .values("id", "history_id", "publication")
        ):
            by_claim[row["id"]].append(row)
        previous = {}
        for rows in by_claim.values():
            before = None
            for row in rows:
                previous[row["history_id"]] = before
                before = row["publication"]
        return previous


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


class DocumentViewSet(source_api.DocumentViewSet):
    """Documents as the claims app serves them: writes go through claims.services.save_document."""

    write_serializer_class = DocumentWriteSerializer
