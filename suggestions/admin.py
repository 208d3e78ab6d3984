"""Admin pages for importing articles and reviewing suggestions, as a mixin for DocumentAdmin.

`class DocumentAdmin(DocumentSuggestionsAdminMixin, admin.ModelAdmin)` gains:
- <document>/suggestions/          the review workspace: the text with every suggestion marked, and
                                   each suggestion in plain words with the claims it may join;
- <document>/suggestions/accept/   POST: record the attribution (+ figure), edited in place, on a
                                   chosen or new claim (dates checked, twins retired);
- <document>/suggestions/reject/   POST: record the rejection, so it is not suggested again;
- import/                          upload a .txt or .html file (same function as import_document);
- import-batch/                    upload a zip or feed file: queued for the worker (import_batch);
- import-batch/<id>/               the batch's progress, refreshing itself until it is finished.
The views only translate: the work is in suggestions.services and sources.importing.
The sources app knows nothing of suggestions: this module re-registers its Document admin with
the mixin.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from claims.admin.document import DocumentAdmin
from claims.models import Attribution, Claim, Event, Figure
from curation.admin import SafeAutocompleteMixin
from sources.importing import MAX_BATCH_BYTES, MAX_BYTES, ImportRefused, import_document
from sources.models import Document
from suggestions.models import ImportBatch, SuggestionDecision
from suggestions.review import find_candidate, suggestions_for
from suggestions.services import (
    PRESELECT_CONFIDENCE,
    accept_reviewed,
    locate_quote,
    reject_suggestion,
)
from suggestions.tasks import start_batch
from suggestions.workspace import workspace

# The longest text the suggestions page runs the engine on (a long article is 20,000-50,000).
SUGGESTIONS_MAX_CHARS = 100_000


class ImportDocumentForm(forms.Form):
    file = forms.FileField(help_text="A .txt file (stored as it is) or a saved .html page.")
    outlet = forms.CharField(
        required=False, max_length=200, help_text="Publisher name; created if unknown."
    )
    url = forms.URLField(required=False, max_length=1000, assume_scheme="https")
    published = forms.DateField(required=False, help_text="YYYY-MM-DD")
    title = forms.CharField(required=False, max_length=500)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
        return upload


class AcceptForm(forms.Form):
    fingerprint = forms.CharField(max_length=64)
    claim = forms.ModelChoiceField(queryset=Claim.objects.all(), required=False)
    new_claim_text = forms.CharField(required=False, max_length=500)
    event = forms.ModelChoiceField(queryset=Event.objects.all(), required=False)
    dates_confirmed = forms.BooleanField(required=False)
    # Edits made in place before accepting; empty keeps what was suggested.
    speaker = forms.CharField(required=False, max_length=300)
    voice = forms.ChoiceField(required=False, choices=[("", ""), *Attribution.Voice.choices])
    stance = forms.ChoiceField(required=False, choices=[("", ""), *Attribution.Stance.choices])
    quote = forms.CharField(required=False, strip=False, max_length=20000)
    qualifier = forms.ChoiceField(required=False, choices=[("", ""), *Figure.Qualifier.choices])
    value = forms.IntegerField(required=False, min_value=0)
    value_high = forms.IntegerField(required=False, min_value=0)

    def edits(self, document, candidate) -> dict:
        """The fields the editor changed, as suggestions.services.edit_candidate takes them."""
        data = self.cleaned_data
        edits = {
            key: data[key]
            for key in ("voice", "stance", "qualifier", "value", "value_high")
            if data[key] not in (None, "") and data[key] != getattr(candidate, key)
        }
        if "speaker" in self.data and (data["speaker"] or None) != (candidate.speaker or None):
            edits["speaker"] = data["speaker"]
        quote = data["quote"].replace("\r\n", "\n").strip()
        if quote and quote != candidate.quote:
            edits["start"], edits["end"] = locate_quote(document, quote, near=candidate.start)
        return edits

    def clean(self):
        data = super().clean()
        if not data.get("claim") and not (data.get("new_claim_text") or "").strip():
            raise ValidationError("Choose an existing claim or write the text of a new one.")
        if data.get("claim") and (data.get("new_claim_text") or "").strip():
            raise ValidationError(
                "Choose an existing claim or write the text of a new one, not both."
            )
        return data


class ImportBatchForm(forms.Form):
    file = forms.FileField(
        help_text="A .zip of .txt and .html files, or an RSS or Atom feed file (.xml, .rss, .atom)."
    )
    outlet = forms.CharField(
        required=False,
        max_length=200,
        help_text="Publisher of every article; created if unknown. Empty: read from each page.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BATCH_BYTES:
            raise ValidationError(
                f"The file is larger than {MAX_BATCH_BYTES // (1024 * 1024)} MB: split the batch."
            )
        return upload


class RejectForm(forms.Form):
    fingerprint = forms.CharField(max_length=64)


class DocumentSuggestionsAdminMixin:
    """Suggestions and import pages for the Document admin (mix in before ModelAdmin)."""

    change_form_template = "admin/suggestions/document/change_form.html"
    change_list_template = "admin/suggestions/document/change_list.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="{}_{}_import".format(*info)),
            path(
                "import-batch/",
                wrap(self.import_batch_view),
                name="{}_{}_import_batch".format(*info),
            ),
            path(
                "import-batch/<int:batch_id>/",
                wrap(self.import_batch_status_view),
                name="{}_{}_import_batch_status".format(*info),
            ),
            path(
                "<path:object_id>/suggestions/",
                wrap(self.suggestions_view),
                name="{}_{}_suggestions".format(*info),
            ),
            path(
                "<path:object_id>/suggestions/accept/",
                wrap(require_POST(self.accept_suggestion_view)),
                name="{}_{}_suggestion_accept".format(*info),
            ),
            path(
                "<path:object_id>/suggestions/reject/",
                wrap(require_POST(self.reject_suggestion_view)),
                name="{}_{}_suggestion_reject".format(*info),
            ),
            *super().get_urls(),
        ]

    # --- helpers ---------------------------------------------------------------------------------

    def _document_or_404(self, request, object_id):
        document = self.get_object(request, unquote(object_id))
        if document is None:
            raise Http404("There is no such document.")
        if not self.has_view_permission(request, document):
            raise PermissionDenied
        return document

    def _suggestions_url(self, document) -> str:
        info = self.opts.app_label, self.opts.model_name
        return reverse(
            "{}:{}_{}_suggestions".format(self.admin_site.name, *info), args=[document.pk]
        )

    @staticmethod
    def _can_decide(request) -> bool:
        return request.user.has_perm("claims.add_attribution")

    # --- views -----------------------------------------------------------------------------------

    def suggestions_view(self, request, object_id):
        document = self._document_or_404(request, object_id)
        if len(document.text) > SUGGESTIONS_MAX_CHARS:
            # A 2.4 MB text took 66 s and 262 MB: the page says so instead of trying.
            messages.warning(
                request,
                f"This document is {len(document.text):,} characters long; suggestions are made "
                f"for documents of up to {SUGGESTIONS_MAX_CHARS:,}. Split it, or attribute "
                "its quotes by hand.",
            )
            candidates = []
        else:
            candidates = suggestions_for(document)
        rows, text_html = workspace(document, candidates)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Review suggestions for “{document.title}”",
            "document": document,
            "rows": rows,
            "text_html": text_html,
            "threshold": round(100 * PRESELECT_CONFIDENCE),
            "events": list(Event.objects.order_by("-date", "name").only("pk", "name", "date")),
            "voices": Attribution.Voice.choices,
            "stances": Attribution.Stance.choices,
            "qualifiers": Figure.Qualifier.choices,
            "can_decide": self._can_decide(request),
        }
        return TemplateResponse(
            request, "admin/suggestions/document/document_suggestions.html", context
        )

    def accept_suggestion_view(self, request, object_id):
        document = self._document_or_404(request, object_id)
        if not self._can_decide(request):
            raise PermissionDenied
        form = AcceptForm(request.POST)
        back = HttpResponseRedirect(self._suggestions_url(document))
        if not form.is_valid():
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
            return back
        candidates = suggestions_for(document, include_decided=True)
        fingerprint = form.cleaned_data["fingerprint"]
        candidate = next((c for c in candidates if c.fingerprint == fingerprint), None)
        if candidate is None:
            messages.error(request, "This suggestion no longer matches the document's text.")
            return back
        try:
            attribution = accept_reviewed(
                document=document,
                candidate=candidate,
                candidates=candidates,
                edits=form.edits(document, candidate),
                claim=form.cleaned_data["claim"],
                new_claim_text=form.cleaned_data["new_claim_text"],
                event=form.cleaned_data["event"],
                dates_confirmed=form.cleaned_data["dates_confirmed"],
                by=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return back
        messages.success(request, f"Accepted onto the claim “{attribution.claim.text}”.")
        return back

    def reject_suggestion_view(self, request, object_id):
        document = self._document_or_404(request, object_id)
        if not self._can_decide(request):
            raise PermissionDenied
        form = RejectForm(request.POST)
        back = HttpResponseRedirect(self._suggestions_url(document))
        candidate = (
            find_candidate(document, form.data.get("fingerprint", "")) if form.is_valid() else None
        )
        if candidate is None:
            messages.error(request, "This suggestion no longer matches the document's text.")
            return back
        try:
            reject_suggestion(document=document, candidate=candidate, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return back
        messages.success(request, "Rejected: it will not be suggested again for this document.")
        return back

    def import_view(self, request):
        if not request.user.has_perm("sources.add_document"):
            raise PermissionDenied
        status = 200
        if request.method == "POST":
            form = ImportDocumentForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                published: datetime.date | None = form.cleaned_data["published"]
                try:
                    with transaction.atomic():  # the document and its change-feed entries
                        result = import_document(
                            upload.read(MAX_BYTES + 1),
                            name=upload.name,
                            outlet=form.cleaned_data["outlet"],
                            url=form.cleaned_data["url"],
                            published=published,
                            title=form.cleaned_data["title"],
                        )
                except ImportRefused as error:
                    form.add_error("file", str(error))
                else:
                    level = messages.SUCCESS if result.created else messages.WARNING
                    messages.add_message(request, level, result.message)
                    return HttpResponseRedirect(self._suggestions_url(result.document))
            status = 400
        else:
            form = ImportDocumentForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import a document",
            "form": form,
        }
        return TemplateResponse(
            request, "admin/suggestions/document/import.html", context, status=status
        )

    def import_batch_view(self, request):
        """Upload a zip or feed file: stored as a batch and handed to the worker; the request
        returns at once to the batch's status page."""
        if not request.user.has_perm("sources.add_document"):
            raise PermissionDenied
        status = 200
        if request.method == "POST":
            form = ImportBatchForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                batch = start_batch(
                    data=upload.read(MAX_BATCH_BYTES + 1),
                    name=upload.name,
                    outlet=form.cleaned_data["outlet"],
                    by=request.user,
                )
                info = self.opts.app_label, self.opts.model_name
                return HttpResponseRedirect(
                    reverse(
                        "{}:{}_{}_import_batch_status".format(self.admin_site.name, *info),
                        args=[batch.pk],
                    )
                )
            status = 400
        else:
            form = ImportBatchForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import a batch of articles",
            "form": form,
            "recent": list(ImportBatch.objects.order_by("-created_at").defer("payload")[:10]),
        }
        return TemplateResponse(
            request, "admin/suggestions/document/import_batch.html", context, status=status
        )

    def import_batch_status_view(self, request, batch_id):
        if not request.user.has_perm("sources.view_document"):
            raise PermissionDenied
        batch = (
            ImportBatch.objects.defer("payload").select_related("created_by").filter(pk=batch_id)
        ).first()
        if batch is None:
            raise Http404("There is no such batch.")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Batch “{batch.name}”",
            "batch": batch,
            "entries": list(batch.entries.select_related("document")),
            "refresh_seconds": 2,
        }
        return TemplateResponse(
            request, "admin/suggestions/document/import_batch_status.html", context
        )


admin.site.unregister(Document)


@admin.register(Document)
class DocumentWithSuggestionsAdmin(DocumentSuggestionsAdminMixin, DocumentAdmin):
    """The sources app's Document admin, with the import and review pages."""


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """Bulk imports, read-only: each links to its progress page."""

    list_display = ["name", "status", "imported", "duplicates", "failed", "created_at", "progress"]
    list_filter = ["status"]
    list_select_related = ["created_by"]
    exclude = ["payload"]
    readonly_fields = [
        f.name for f in ImportBatch._meta.fields if f.name != "payload"
    ]  # fmt: skip

    def get_queryset(self, request):
        return super().get_queryset(request).defer("payload")

    def has_add_permission(self, request):
        return False  # batches start from Documents → Import a batch

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Progress")
    def progress(self, batch):
        from django.utils.html import format_html

        url = reverse("admin:sources_document_import_batch_status", args=[batch.pk])
        return format_html('<a href="{}">{}%</a>', url, batch.percent)


@admin.register(SuggestionDecision)
class SuggestionDecisionAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = ["document", "kind", "quote_start", "quote_end", "decision", "decided_by"]
    list_filter = ["decision", "kind"]
    list_select_related = ["document", "decided_by"]
    search_fields = ["document__title", "fingerprint"]
    autocomplete_fields = ["document", "attribution", "decided_by"]
    date_hierarchy = "decided_at"
