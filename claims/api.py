"""API views for events, claims, attributions and figures, the comparisons, history and changes.

Anonymous readers (and signed-in users without the view-claim permission who are not staff) see
only published claims and the attributions and figures of published claims. Events, like outlets,
documents and actors, are public reference material.
"""

from collections import defaultdict
from datetime import UTC

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse

from api.filters import is_id
from api.renderers import JSONLDRenderer
from api.viewsets import (
    MAX_PAGE_SIZE,
    ApiSchema,
    CuratedViewSet,
    IdCursorPagination,
)
from claims import intervals
from claims.filters import AttributionFilter, ClaimFilter, EventFilter, FigureFilter
from claims.models import Attribution, Claim, Event, Figure
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
    claim_review,
)
from claims.services import attribution_origins
from sources import api as source_api
from sources.models import Actor, Document, Outlet
from sources.serializers import OriginSerializer

PUBLISHED = Claim.Publication.PUBLISHED

# Diverging pairs listed per group; a hot event can hold a million, all of them counted.
DIVERGENCES_LISTED = 50


def sees_drafts(user) -> bool:
    """Staff and users allowed to view claims see drafts and claims in review."""
    return bool(
        user and user.is_authenticated and (user.is_staff or user.has_perm("claims.view_claim"))
    )


def visible_claims(user):
    return Claim.objects.all() if sees_drafts(user) else Claim.objects.published()


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


class EventViewSet(CuratedViewSet):
    serializer_class = EventSerializer
    filterset_class = EventFilter
    ordering_fields = ["date", "name", "created_at", "updated_at"]
    ordering = ["-date", "name", "id"]

    def get_queryset(self):
        return Event.objects.all()

    @extend_schema(
        summary="Every figure for the event, grouped by measure and population",
        description="Each figure with its interval, origin and document; per group the overall "
        "low/high and the pairs of estimates that diverge (intervals that do not overlap; "
        "sub-populations of one attribution roll up into a lower bound for the total). "
        f"At most {DIVERGENCES_LISTED} pairs are listed per group, the widest apart; "
        "`divergence_count` counts them all.",
        responses={200: EventFiguresSerializer},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def figures(self, request, pk=None):
        event = self.get_object()
        figures = (
            Figure.objects.filter(event=event)
            .select_related(
                "attribution__speaker", "attribution__via", "attribution__document__outlet"
            )
            .defer("attribution__document__text")
        )
        if not sees_drafts(request.user):
            figures = figures.published()
        figures = list(figures.order_by("measure", "population", "low", "pk"))
        origins = attribution_origins({f.attribution_id: f.attribution for f in figures}.values())
        return Response(
            {"event": {"id": event.pk, "name": event.name}, "groups": compare(figures, origins)}
        )


def _estimate(est: intervals.Estimate) -> dict:
    return {
        "attribution": est.attribution_id,
        "figures": list(est.figure_ids),
        "interval": {
            "low": intervals.as_number(est.interval.low),
            "high": intervals.as_number(est.interval.high),
        },
        "rolled_up": est.rolled_up,
    }


def compare(figures: list[Figure], origins: dict) -> list[dict]:
    """Group figures by (measure, population) with their envelope and divergences."""
    found = intervals.find_divergences((f.fact() for f in figures), limit=DIVERGENCES_LISTED)
    diverging = found.figure_ids
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
                    "high": intervals.as_number(f.high),
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
            entry["high"] = None if None in highs else intervals.as_number(max(highs))
    return list(groups.values())


def stance_entry(a: Attribution, origins: dict) -> dict:
    return {
        "attribution": a.pk,
        "speaker": actor_ref(a.speaker),
        "speaker_description": a.speaker_description,
        "voice": a.voice,
        "origin": origin(origins[a.pk]),
        "quote": a.quote,
        "date": a.stated_on or a.document.published,
        "document": document_ref(a.document),
    }


ACTIONS = {"+": "create", "~": "update", "-": "delete"}


class ClaimViewSet(CuratedViewSet):
    expandable = ("attributions",)
    serializer_class = ClaimSerializer
    detail_serializer_class = ClaimDetailSerializer
    write_serializer_class = ClaimWriteSerializer
    filterset_class = ClaimFilter
    ordering_fields = ["updated_at", "created_at", "text", "status"]
    ordering = ["-updated_at", "id"]

    def get_queryset(self):
        count = (
            Attribution.objects.filter(claim=OuterRef("pk"))
            .order_by()
            .values("claim")
            .annotate(n=Count("pk"))
            .values("n")
        )
        queryset = (
            visible_claims(self.request.user)
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
        return context

    @extend_schema(parameters=[EXPAND])
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        claims = list(page) if page is not None else list(queryset)
        serializer = self.get_serializer_class()(
            claims, many=True, context=self._context_with_origins(claims)
        )
        if page is not None:
            return self.get_paginated_response(serializer.data)
        return Response(serializer.data)

    def retrieve(self, request, *args, **kwargs):
        claim = self.get_object()
        data = ClaimDetailSerializer(claim, context=self._context_with_origins([claim])).data
        response = Response(data)
        response["ETag"] = f'"{claim.version}"'
        return response

    def read_representation(self, instance):
        claim = self.get_queryset().prefetch_related(attributions_prefetch()).get(pk=instance.pk)
        return ClaimDetailSerializer(claim, context=self._context_with_origins([claim])).data

    @extend_schema(
        summary="The claim's attributions split by stance",
        description="supports / refutes / questions / neutral, each with speaker, origin, quote.",
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
                Prefetch("attributions", Attribution.objects.select_related("document__outlet"))
            )
            .get()
        )
        author = getattr(settings, "CLAIMREVIEW_AUTHOR", "Claim-and-attribution tracker")
        return Response(claim_review(claim, request, author))

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
        fields = [
            f.attname
            for f in Claim._meta.concrete_fields
            if f.attname not in {"id", "version", "created_at", "updated_at"}
        ]
        entries, previous = [], None
        for record in records:
            changes = []
            if previous is not None:
                for name in fields:
                    old, new = getattr(previous, name), getattr(record, name)
                    if old != new:
                        changes.append({"field": name, "old": old, "new": new})
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

    def get_queryset(self):
        queryset = Attribution.objects.select_related("claim", "speaker", "via", "document__outlet")
        if self.action == "retrieve" or "figures" in expanded(self.request, {"figures"}):
            queryset = queryset.prefetch_related(figures_prefetch())
        if not sees_drafts(self.request.user):
            queryset = queryset.published()
        return queryset

    def get_serializer_class(self):
        if self.action == "list" and "figures" in expanded(self.request, {"figures"}):
            return AttributionDetailSerializer
        return super().get_serializer_class()

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
        queryset = Figure.objects.select_related("event", "attribution")
        if not sees_drafts(self.request.user):
            queryset = queryset.published()
        return queryset


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

    Readers who see only published claims get changes of published claims (publishing shows as a
    create, unpublishing as a delete) and of the attributions and figures of claims published now;
    outlets, documents, actors and events are public and always listed. Pages follow `next`; a
    page may hold fewer rows than page_size when some were not visible to the reader.
    """

    permission_classes = [permissions.AllowAny]
    schema = ApiSchema()
    filter_backends = []
    pagination_class = None
    serializer_class = ChangeSerializer

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
        page, more = rows[:size], len(rows) > size
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

    def _visible(self, page, user) -> list[dict]:
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
        previous = self._previous_publication(claim_rows)
        attribution_ids = {row["attribution_id"] for _, name, _, row in page if name == "figure"}
        claim_of_attribution = dict(
            Attribution.history.filter(id__in=attribution_ids).values_list("id", "claim_id")
        )
        claim_ids = {row["claim_id"] for _, name, _, row in page if name == "attribution"}
        claim_ids |= set(claim_of_attribution.values())
        published_now = set(
            Claim.objects.filter(pk__in=claim_ids, publication=PUBLISHED).values_list(
                "pk", flat=True
            )
        )
        results = []
        for _, name, _, row in page:
            if name == "claim":
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
            else:
                results.append(change(name, row))
        return results

    def _previous_publication(self, claim_rows) -> dict[int, str | None]:
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


class DocumentViewSet(source_api.DocumentViewSet):
    """Documents as the claims app serves them: writes go through claims.services.save_document."""

    write_serializer_class = DocumentWriteSerializer
