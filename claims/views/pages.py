"""Public pages about claims and events. Views translate: the reading is done by QuerySet methods
and claims.comparison, and every join the templates touch is declared here."""

import json
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from api.conditional import ReadVersion, conditional_page, once_per_version, paged_version
from api.filters import by_key as rows_by_key
from claims import appearance, comparison, dataset, evidence, relations, versions
from claims.evidence import attribution_origins
from claims.filters import ClaimFilter, EventFilter
from claims.models import Attribution, Claim, ClaimRelation, Event
from claims.search import search as run_search
from claims.serializers import claim_review
from claims.visibility import sees_drafts
from sources.models import Actor, Document

PAGE_SIZE = 25


def by_key(queryset: QuerySet, key: str):
    """The object whose id or slug is `key` (api.filters.lookup), or 404."""
    obj = rows_by_key(queryset, key).first()
    if obj is None:
        raise Http404("No such page.")
    return obj


def _page(request, queryset: QuerySet, count: int | None = None):
    """The requested page of `queryset`; `count`, when given, is how many rows it holds (as a
    FilterSet counts them: ClaimFilter.count)."""
    paginator = Paginator(queryset, PAGE_SIZE)
    if count is not None:
        paginator.count = count  # a cached_property: this value stands
    return paginator.get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _filtered(filterset) -> QuerySet:
    """The FilterSet's rows; none while a parameter is invalid (the form shows why), as the API
    answers 400 to the same parameters."""
    return filterset.qs if filterset.is_valid() else filterset.queryset.none()


def _api_list(path: str, request) -> str:
    """The API list with the page's filters: the same parameters give the same rows there."""
    query = _query_without_page(request)
    return path + (f"?{query}" if query else "")


@conditional_page(lambda request: versions.home(request.user))
def home(request):
    claims = Claim.objects.visible_to(request.user).select_related("event")
    context = {
        "contested": list(claims.contested().order_by("-updated_at", "pk")[:10]),
        "claims": list(
            claims.exclude(status=Claim.Status.CONTESTED).order_by("-updated_at", "pk")[:10]
        ),
        "events": list(Event.objects.visible_to(request.user).order_by("-date", "name")[:8]),
        "documents": list(
            Document.objects.select_related("outlet").defer("text").order_by("-published", "pk")[:8]
        ),
        "permalink": reverse("claims:home"),
        "api_url": "/api/v1/",
    }
    return render(request, "claims/home.html", context)


def _claim_filter(request) -> ClaimFilter:
    """The list's FilterSet, built once per request (its version and its page read it)."""
    if not hasattr(request, "_claim_filter"):
        request._claim_filter = ClaimFilter(
            request.GET, queryset=Claim.objects.visible_to(request.user), request=request
        )
    return request._claim_filter


def _claim_page(request):
    """The list's requested page, read once per request (its version and its body show it)."""
    if not hasattr(request, "_claim_page"):
        filterset = _claim_filter(request)
        claims = _filtered(filterset).select_related("event").order_by("-updated_at", "pk")
        request._claim_page = _page(
            request, claims, filterset.count() if filterset.is_valid() else 0
        )
    return request._claim_page


def _claim_list_version(request) -> ReadVersion:
    """The version of the page of the list shown: its claims, their order and the count (an
    aggregate over every matching claim cost 53 ms for the 80,000 public ones at scale 1)."""
    page = _claim_page(request)
    ids = list(page.object_list.values_list("pk", flat=True))
    shown = versions.claims(Claim.objects.filter(pk__in=ids))
    return paged_version(shown, ids, (page.paginator.count, page.number))


@conditional_page(_claim_list_version)
def claim_list(request):
    filterset = _claim_filter(request)
    page = _claim_page(request)
    return render(
        request,
        "claims/claim_list.html",
        {
            "form": filterset.form,
            "page": page,
            "filter_query": _query_without_page(request),
            "permalink": request.get_full_path(),
            "api_url": _api_list("/api/v1/claims/", request),
        },
    )


# Characters that would end or confuse a <script> data block, escaped inside JSON strings.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def ld_json(data: dict) -> SafeString:
    """JSON for a <script type="application/ld+json"> data block, safe inside HTML."""
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES))


def review_author() -> str:
    return getattr(settings, "CLAIMREVIEW_AUTHOR", "Claim-and-attribution tracker")


@conditional_page(lambda request, slug: versions.claim(request.user, slug))
def claim_detail(request, slug):
    claim = by_key(
        Claim.objects.visible_to(request.user).select_related("event").prefetch_related("tags"),
        slug,
    )
    attributions = comparison.claim_attributions(claim, request.user)
    origins = attribution_origins(attributions)
    columns = comparison.stance_matrix(attributions, origins)
    related = ClaimRelation.objects.seen_from([claim.pk], Claim.objects.visible_to(request.user))[
        claim.pk
    ]
    has_figures = any(a.figures.all() for a in attributions)
    compared = (
        comparison.compare_figures(comparison.claim_figures(claim, request.user))
        if has_figures
        else None
    )
    return render(
        request,
        "claims/claim_detail.html",
        {
            "claim": claim,
            "columns": [c for c in columns if c.groups],
            "empty_columns": [c for c in columns if not c.groups],
            "compared": compared,
            "claim_review": ld_json(
                claim_review(
                    claim, request, review_author(), attributions=attributions, origins=origins
                )
            ),
            "version_url": reverse(
                "claims:claim-version", kwargs={"slug": claim.slug, "version": claim.version}
            ),
            "first_appearance": appearance.first_appearance(attributions, origins),
            "relations": [(kind, relations.LABELS[kind], other) for kind, other in related],
            "attribution_count": len(attributions),
            "permalink": reverse("claims:claim", kwargs={"slug": claim.pk}),
            "api_url": f"/api/v1/claims/{claim.pk}/",
            "show_review": sees_drafts(request.user),
            # Staff only: what the status would become once every pending change is approved.
            "status_preview": (
                evidence.previews([claim]).get(claim.pk) if sees_drafts(request.user) else None
            ),
        },
    )


def claim_version(request, slug, version):
    """The claim as it stood at one version, read-only, from its history: a permanent address to
    cite. Anonymous readers see only versions that were published."""
    claim = by_key(Claim.objects.all(), slug)
    records = claim.history.order_by("history_date", "history_id")
    record = records.filter(version=version).last()
    if record is None or not (
        sees_drafts(request.user) or record.publication == Claim.Publication.PUBLISHED
    ):
        raise Http404("No such version.")
    later = records.filter(version__gt=version).first()
    # The statements as they stood while this version was current.
    moment = later.history_date - timedelta(microseconds=1) if later else timezone.now()
    statements = list(
        Attribution.history.as_of(moment).filter(claim_id=claim.pk).order_by("stated_on", "pk")
    )
    actors = Actor.objects.in_bulk({a.speaker_id for a in statements if a.speaker_id})
    documents = Document.objects.defer("text").in_bulk({a.document_id for a in statements})
    for a in statements:
        a.speaker_name = actors[a.speaker_id].name if a.speaker_id in actors else ""
        a.document_record = documents.get(a.document_id)
    return render(
        request,
        "claims/claim_version.html",
        {
            "claim": claim,
            "record": record,
            "statements": statements,
            "is_current": later is None,
            "permalink": request.path,
            "api_url": f"/api/v1/claims/{claim.pk}/",
        },
    )


def _event_filter(request) -> EventFilter:
    if not hasattr(request, "_event_filter"):
        request._event_filter = EventFilter(
            request.GET, queryset=Event.objects.visible_to(request.user), request=request
        )
    return request._event_filter


@conditional_page(lambda request: versions.events(_filtered(_event_filter(request))))
def event_list(request):
    filterset = _event_filter(request)
    events = _filtered(filterset).order_by("-date", "name", "pk")
    page = _page(request, events)
    return render(
        request,
        "claims/event_list.html",
        {
            "form": filterset.form,
            "page": page,
            "filter_query": _query_without_page(request),
            "permalink": request.get_full_path(),
            "api_url": _api_list("/api/v1/events/", request),
        },
    )


# Claims listed on an event page; the rest are one click away on the filtered claim list.
EVENT_CLAIMS_SHOWN = 50


def _figures_section(request, event: Event, event_claims: QuerySet) -> str:
    """The event's figures compared ("claims/figures.html#comparison": divergences, charts,
    table, timeline), rendered once per version of those figures, page and visibility: it holds
    nothing of the request, and rendering a page of 100 figures three times was most of the
    page's time. Empty when the event has no figures."""
    # The event page's figures: those of the event's own claims (see event_figures).
    version = versions.figures_key(request, "event page")
    queryset = comparison.event_figures(event, event_claims.values("pk"), request.user)
    number = comparison.shown_page(queryset, request.GET.get("figures"), version)

    def render_section() -> str:
        compared = comparison.compare_figures(queryset, number, version=version)
        if not compared.has_figures:
            return ""
        return render_to_string("claims/figures.html#comparison", {"compared": compared})

    rendered = None if version is None else (*version, "rendered", number)
    return once_per_version(rendered, render_section)


@conditional_page(lambda request, slug: versions.event(request.user, slug))
def event_detail(request, slug):
    event = by_key(Event.objects.visible_to(request.user), slug)
    event_claims = Claim.objects.visible_to(request.user).filter(event=event)
    claims = list(
        event_claims.select_related("event").order_by("status", "text", "pk")[
            : EVENT_CLAIMS_SHOWN + 1
        ]
    )
    more_claims = len(claims) > EVENT_CLAIMS_SHOWN
    return render(
        request,
        "claims/event_detail.html",
        {
            "event": event,
            "claims": claims[:EVENT_CLAIMS_SHOWN],
            "more_claims": more_claims,
            "all_claims_url": reverse("claims:claims") + f"?event={event.pk}",
            "figures_section": _figures_section(request, event, event_claims),
            "permalink": reverse("claims:event", kwargs={"slug": event.pk}),
            "api_url": f"/api/v1/events/{event.pk}/figures/",
        },
    )


@conditional_page(lambda request: versions.search())
def search(request):
    query = request.GET.get("q", "")
    results = (
        run_search(query, Claim.objects.visible_to(request.user), request.user)
        if query.strip()
        else None
    )
    return render(
        request,
        "claims/search.html",
        {
            "query": query,
            "results": results,
            "permalink": request.get_full_path(),
            # The claims the page lists, all of them (the page shows the best LIMIT): ?q= of the
            # API matches claims by the same rule (claims.search.matching_claims).
            "api_url": "/api/v1/claims/?" + urlencode({"q": results.query if results else ""}),
        },
    )


def about(request):
    return render(
        request,
        "claims/about.html",
        {
            "permalink": reverse("claims:about"),
            "api_url": "/api/v1/",
        },
    )


def dataset_download(request):
    """The public corpus as a zipped Frictionless data package, built first if it is missing."""
    path = dataset.dataset_path()
    if not path.exists():
        dataset.build_dataset(path)
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=path.name, content_type="application/zip"
    )
