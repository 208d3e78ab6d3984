"""Public pages about where information comes from: documents, actors, outlets.

Only attributions of claims the reader may see are shown (published ones for the public)."""

from collections import defaultdict

from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html

from api.conditional import conditional_page
from claims import evidence, versions
from claims.models import Attribution, Claim
from sources.highlight import Span, mark_spans
from sources.models import Actor, Document, Outlet

OPPOSED = {
    Attribution.Stance.SUPPORTS: {Attribution.Stance.REFUTES, Attribution.Stance.QUESTIONS},
    Attribution.Stance.REFUTES: {Attribution.Stance.SUPPORTS},
    Attribution.Stance.QUESTIONS: {Attribution.Stance.SUPPORTS},
}


@conditional_page(lambda request, pk: versions.document_page(request.user, pk))
def document_detail(request, pk):
    document = get_object_or_404(
        Document.objects.select_related("outlet", "origin_outlet", "derived_from__outlet"), pk=pk
    )
    origin = document.origin()
    attributions = list(
        document.attributions.visible_to(request.user)
        .select_related("claim", "speaker", "via")
        .order_by("quote_start", "pk")
    )
    derivatives = list(document.derivatives.select_related("outlet").defer("text"))

    def after(span: Span) -> str:
        a = by_id[span.key]
        return format_html(
            ' <a class="quote-ref stance-{}" href="{}#att-{}">'
            '<span class="stance-word">{}</span>: {}</a>',
            a.stance,
            a.claim.get_absolute_url(),
            a.pk,
            a.get_stance_display(),
            a.claim.text,
        )

    by_id = {a.pk: a for a in attributions}
    spans = [
        Span(
            start=a.quote_start,
            end=a.quote_end,
            key=a.pk,
            label=f"{a.get_stance_display()}: {a.claim.text}",
            css=f"stance-{a.stance}",
        )
        for a in attributions
    ]
    return render(
        request,
        "sources/document_detail.html",
        {
            "document": document,
            "origin_label": origin[1],
            "origin_is_publisher": origin[0] == ("outlet", document.outlet_id),
            "attributions": attributions,
            "derivatives": derivatives,
            "marked_text": mark_spans(document.text, spans, after=after),
            "permalink": reverse("sources:document", kwargs={"pk": document.pk}),
            "api_url": f"/api/v1/documents/{document.pk}/",
        },
    )


@conditional_page(lambda request, slug: versions.actor_page(request.user, slug))
def actor_detail(request, slug):
    actor = get_object_or_404(
        Actor.objects.select_related("affiliation", "outlet").prefetch_related("aliases"),
        slug=slug,
    )
    members = list(actor.members.order_by("name"))
    statements = list(
        actor.attributions.visible_to(request.user)
        .select_related("claim", "document__outlet", "via")
        .order_by("claim__text", "stance", "stated_on", "pk")
    )
    # Grouped by claim, then by stance within the claim.
    by_claim: dict[int, dict] = {}
    for a in statements:
        entry = by_claim.setdefault(a.claim_id, {"claim": a.claim, "stances": defaultdict(list)})
        entry["stances"][a.get_stance_display()].append(a)
    grouped = [
        {"claim": e["claim"], "stances": sorted(e["stances"].items())} for e in by_claim.values()
    ]

    # Where another named speaker takes the opposite stance on the same claim.
    others = list(
        Attribution.objects.reviewed_for(request.user)
        .filter(claim_id__in=list(by_claim), speaker__isnull=False)
        .exclude(speaker=actor)
        .select_related("speaker", "claim")
        .order_by("claim__text", "speaker__name", "pk")
    )
    own_stances: dict[int, set[str]] = defaultdict(set)
    for a in statements:
        own_stances[a.claim_id].add(a.stance)
    contradictions, seen = [], set()
    for other in others:
        mine = own_stances[other.claim_id]
        opposed = [s for s in mine if other.stance in OPPOSED.get(s, set())]
        key = (other.claim_id, other.speaker_id, other.stance)
        if opposed and key not in seen:
            seen.add(key)
            contradictions.append(
                {
                    "claim": other.claim,
                    "other": other.speaker,
                    "mine": Attribution.Stance(opposed[0]).label,
                    "theirs": other.get_stance_display(),
                    "attribution": other,
                }
            )

    # Claims that name the actor (as subject) without quoting them.
    names = [actor.name, *(alias.name for alias in actor.aliases.all())]
    condition = Q()
    for name in names:
        condition |= Q(text__icontains=name)
    mentioned = list(
        Claim.objects.visible_to(request.user)
        .filter(condition)
        .exclude(pk__in=list(by_claim))
        .select_related("event")
        .order_by("text", "pk")[:50]
    )
    return render(
        request,
        "sources/actor_detail.html",
        {
            "actor": actor,
            "members": members,
            "grouped": grouped,
            "contradictions": contradictions,
            "mentioned": mentioned,
            "permalink": reverse("sources:actor", kwargs={"slug": actor.slug}),
            "api_url": f"/api/v1/actors/{actor.pk}/",
        },
    )


@conditional_page(lambda request, slug: versions.outlet_page(request.user, slug))
def outlet_detail(request, slug):
    outlet = get_object_or_404(Outlet.objects.select_related("actor"), slug=slug)
    attributions = Attribution.objects.visible_to(request.user)
    documents = list(
        outlet.documents.defer("text").select_related("derived_from", "origin_outlet")[:100]
    )
    own_voice = list(
        attributions.filter(voice=Attribution.Voice.OWN, document__outlet=outlet)
        .select_related("claim", "document", "via")
        .defer("document__text")
        .order_by("-document__published", "pk")[:100]
    )
    relayed = list(
        attributions.filter(
            Q(via=outlet)
            | Q(document__outlet=outlet, voice__in=["quoted", "paraphrased", "unnamed"])
        )
        .select_related("claim", "speaker", "document__outlet", "via")
        .defer("document__text")
        .order_by("speaker__name", "pk")[:200]
    )
    evidence.label(relayed)
    return render(
        request,
        "sources/outlet_detail.html",
        {
            "outlet": outlet,
            "documents": documents,
            "own_voice": own_voice,
            "relayed": relayed,
            "permalink": reverse("sources:outlet", kwargs={"slug": outlet.slug}),
            "api_url": f"/api/v1/outlets/{outlet.pk}/",
        },
    )
