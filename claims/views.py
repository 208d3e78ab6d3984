from django.shortcuts import get_object_or_404, render

from claims.models import Claim, Event


def home(request):
    claims = Claim.objects.visible_to(request.user).select_related("event")[:50]
    return render(request, "claims/home.html", {"claims": claims})


def claim_detail(request, slug):
    claim = get_object_or_404(Claim.objects.visible_to(request.user), slug=slug)
    return render(request, "claims/claim_detail.html", {"claim": claim})


def event_detail(request, slug):
    event = get_object_or_404(Event, slug=slug)
    return render(request, "claims/event_detail.html", {"event": event})
