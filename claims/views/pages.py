"""Public pages about claims and events. Views translate: the reading is done by QuerySet methods
and claims.comparison, and every join the templates touch is declared here."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from claims import appearance, comparison, relations
from claims.forms import ClaimFilterForm, EventFilterForm
from claims.models import Claim, ClaimRelation, Event
from claims.search import search as run_search
from claims.services import attribution_origins
from sources.models import Document

PAGE_SIZE = 25


def visible_claims(user) -> QuerySet:
    return Claim.objects.visible_to(user)


def visible_events(user) -> QuerySet:
    """Every event for staff; for the public, events that a published claim is about."""
    if user.is_authenticated and user.is_staff:
        return Event.objects.all()
    return Event.objects.filter(pk__in=Claim.objects.published().values("event_id"))


def by_key(queryset: QuerySet, key: str):
    """The object whose id (all digits) or slug is `key`, or 404."""
    if key.isdigit() and len(key) > 18:
        raise Http404("No such page.")
    lookup = {"pk": int(key)} if key.isdigit() else {"slug": key}
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404("No such page.")
    return obj


def _page(request, queryset: QuerySet):
    paginator = Paginator(queryset, PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def home(request):
    claims = visible_claims(request.user).select_related("event")
    context = {
        "contested": list(claims.contested().order_by("-updated_at", "pk")[:10]),
        "claims": list(
            claims.exclude(status=Claim.Status.CONTESTED).order_by("-updated_at", "pk")[:10]
        ),
        "events": list(visible_events(request.user).order_by("-date", "name")[:8]),
        "documents": list(
            Document.objects.select_related("outlet").defer("text").order_by("-published", "pk")[:8]
        ),
        "permalink": reverse("claims:home"),
        "api_url": "/api/v1/",
    }
    return render(request, "claims/home.html", context)


def claim_list(request):
    form = ClaimFilterForm(request.GET)
    claims = (
        form.filter(visible_claims(request.user))
        .select_related("event")
        .order_by("-updated_at", "pk")
    )
    page = _page(request, claims)
    api_query = request.GET.urlencode()
    return render(
        request,
        "claims/claim_list.html",
        {
            "form": form,
            "page": page,
            "filter_query": _query_without_page(request),
            "permalink": request.get_full_path(),
            "api_url": "/api/v1/claims/" + (f"?{api_query}" if api_query else ""),
        },
    )


def claim_detail(request, slug):
    claim = by_key(
        visible_claims(request.user).select_related("event").prefetch_related("tags"), slug
    )
    attributions = comparison.claim_attributions(claim)
    origins = attribution_origins(attributions)
    columns = comparison.stance_matrix(attributions, origins)
    related = ClaimRelation.objects.seen_from([claim.pk], visible_claims(request.user))[claim.pk]
    return render(
        request,
        "claims/claim_detail.html",
        {
            "claim": claim,
            "columns": columns,
            "first_appearance": appearance.first_appearance(attributions, origins),
            "relations": [(kind, relations.LABELS[kind], other) for kind, other in related],
            "attribution_count": len(attributions),
            "permalink": reverse("claims:claim", kwargs={"slug": claim.pk}),
            "api_url": f"/api/v1/claims/{claim.pk}/",
        },
    )


def event_list(request):
    form = EventFilterForm(request.GET)
    claims = visible_claims(request.user)
    events = form.filter(visible_events(request.user), claims).order_by("-date", "name")
    page = _page(request, events)
    api_query = request.GET.urlencode()
    return render(
        request,
        "claims/event_list.html",
        {
            "form": form,
            "page": page,
            "filter_query": _query_without_page(request),
            "permalink": request.get_full_path(),
            "api_url": "/api/v1/events/" + (f"?{api_query}" if api_query else ""),
        },
    )


# Claims listed on an event page; the rest are one click away on the filtered claim list.
EVENT_CLAIMS_SHOWN = 50


def event_detail(request, slug):
    event = by_key(Event.objects.all(), slug)
    event_claims = visible_claims(request.user).filter(event=event)
    claims = list(
        event_claims.select_related("event").order_by("status", "text", "pk")[
            : EVENT_CLAIMS_SHOWN + 1
        ]
    )
    if not claims and not (request.user.is_authenticated and request.user.is_staff):
        raise Http404("No such page.")
    more_claims = len(claims) > EVENT_CLAIMS_SHOWN
    compared = comparison.compare_event(
        event, event_claims.values("pk"), page=request.GET.get("figures")
    )
    return render(
        request,
        "claims/event_detail.html",
        {
            "event": event,
            "claims": claims[:EVENT_CLAIMS_SHOWN],
            "more_claims": more_claims,
            "all_claims_url": reverse("claims:claims") + f"?event={event.pk}",
            "compared": compared,
            "permalink": reverse("claims:event", kwargs={"slug": event.pk}),
            "api_url": f"/api/v1/events/{event.pk}/figures/",
        },
    )


def search(request):
    query = request.GET.get("q", "")
    results = run_search(query, visible_claims(request.user)) if query.strip() else None
    return render(
        request,
        "claims/search.html",
        {
            "query": query,
            "results": results,
            "permalink": request.get_full_path(),
            "api_url": "/api/v1/claims/?" + urlencode({"search": results.query if results else ""}),
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
