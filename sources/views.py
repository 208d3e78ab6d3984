from django.shortcuts import get_object_or_404, render

from sources.models import Actor, Document, Outlet


def document_detail(request, pk):
    document = get_object_or_404(Document.objects.with_origin(), pk=pk)
    return render(request, "sources/document_detail.html", {"document": document})


def actor_detail(request, slug):
    actor = get_object_or_404(Actor, slug=slug)
    return render(request, "sources/actor_detail.html", {"actor": actor})


def outlet_detail(request, slug):
    outlet = get_object_or_404(Outlet, slug=slug)
    return render(request, "sources/outlet_detail.html", {"outlet": outlet})
