"""Admin machinery shared by every curated (versioned, history-tracked) model.

- Stale edits are refused: each change form and inline row carries the version the editor saw;
  on save the row is locked (select_for_update, inside the admin's transaction) and a different
  current version is a form error that says what changed since, field by field, with a reload link.
- History: simple-history's list, plus a field-by-field diff between any two versions and a
  "restore this version" button. simple-history's own revert form is disabled because it would
  save an old version number and skip the stale-edit check.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, transaction
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin

from curation.history import changes as version_changes

VERSION_FIELD = "seen_version"


# --- changelists that fit 1366 px --------------------------------------------------------------


def clipped(text, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis; the full text on hover (title). Both
    escaped. Short text is shown as is."""
    text = "" if text is None else str(text)
    if len(text) <= limit:
        return text
    return format_html('<span class="clipped" title="{}">{}…</span>', text, text[: limit - 1])


def clipped_column(path: str, label: str, limit: int, ordering: str | None = None):
    """A changelist column for `path` ("claim", "document__title"): the value clipped to `limit`
    characters with the full text on hover, headed `label`, sortable by `ordering` (by default
    the path itself). Unlike a bare foreign key column, the cell may wrap."""

    def column(obj):
        value = obj
        for part in path.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return "-"
        return clipped(value, limit)

    column.__name__ = path.replace("__", "_")
    column.short_description = label
    column.admin_order_field = ordering or path
    return column


def day_column(field: str, label: str):
    """A date-time changelist column shown as its day (2026-11-30), the full time on hover."""

    def column(obj):
        value = getattr(obj, field)
        if value is None:
            return "-"
        local = timezone.localtime(value)
        return format_html(
            '<span title="{}">{}</span>', f"{local:%Y-%m-%d %H:%M}", f"{local:%Y-%m-%d}"
        )

    column.__name__ = field
    column.short_description = label
    column.admin_order_field = field
    return column


class TopRelatedFilter(admin.SimpleListFilter):
    """A filter on a related record that stays small however large the table: the `limit` records
    with the most rows (one grouped query), the chosen one, and a search box that lists the
    records whose name matches instead. Never renders thousands of links.

    Set `title`, `parameter_name`, `path` (the related id's lookup from this model:
    "event", "attributions__speaker") and `label` (its name: "event__name"). A path through a
    many-valued relation filters with a subquery, so no row is listed twice.
    """

    template = "admin/curated/top_related_filter.html"
    path = ""
    label = ""
    limit = 12

    @property
    def search_parameter(self) -> str:
        return f"{self.parameter_name}_q"

    def __init__(self, request, params, model, model_admin):
        searched = params.pop(self.search_parameter, None)
        self.search = (searched[-1] if searched else "").strip()[:100]
        self.model = model
        super().__init__(request, params, model, model_admin)

    def expected_parameters(self):
        return [self.parameter_name, self.search_parameter]

    def _chosen(self) -> int | None:
        value = self.value()
        if value is None:
            return None
        try:
            chosen = int(value)
        except ValueError:
            chosen = None
        if chosen is None or not 0 < chosen < 2**63:  # beyond a key column: the query would fail
            raise IncorrectLookupParameters(f"{self.parameter_name}: not a record id")
        return chosen

    def lookups(self, request, model_admin):
        rows = self.model._default_manager.exclude(**{f"{self.path}__isnull": True})
        if self.search:
            rows = rows.filter(**{f"{self.label}__icontains": self.search})
        top = [
            (row[self.path], row[self.label])
            for row in rows.values(self.path, self.label)
            .annotate(n=Count("pk"))
            .order_by("-n", self.label)[: self.limit]
        ]
        chosen = self._chosen()
        if chosen is not None and chosen not in {pk for pk, _ in top}:
            found = (
                self.model._default_manager.filter(**{self.path: chosen})
                .values_list(self.path, self.label)
                .first()
            )
            top.insert(0, found or (chosen, f"#{chosen}"))
        return [(str(pk), str(name)) for pk, name in top]

    def queryset(self, request, queryset):
        chosen = self._chosen()
        if chosen is None:
            return queryset
        if "__" in self.path:
            matching = self.model._default_manager.filter(**{self.path: chosen}).values("pk")
            return queryset.filter(pk__in=matching)
        return queryset.filter(**{self.path: chosen})

    def has_output(self):
        return True  # the search box, even when nothing matched

    def choices(self, changelist):
        # The search box keeps the other filters: hidden fields for every other parameter.
        self.kept = [
            (k, v) for k, v in changelist.params.items() if k not in self.expected_parameters()
        ]
        yield from super().choices(changelist)


class _ValidValuesOnly:
    """Autocomplete widgets re-render the submitted value by querying for it; a forged value
    that is not a valid key ("abc") made that query raise, a 500. Drop such values instead, so
    the form shows its "Select a valid choice" error."""

    def optgroups(self, name, value, attr=None):
        opts = self.field.remote_field.model._meta
        target = opts.get_field(
            getattr(self.field.remote_field, "field_name", None) or opts.pk.name
        )
        low, high = connections[self.db or "default"].ops.integer_field_range(
            target.get_internal_type()
        )
        valid = []
        for v in value:
            try:
                key = target.to_python(v)
            except ValidationError:
                continue
            if isinstance(key, int) and not (low or -(2**63)) <= key <= (high or 2**63 - 1):
                continue  # out of the column's range: the query itself would fail
            valid.append(v)
        return super().optgroups(name, valid, attr)


class _Named:
    """select2 builds its combobox in script, named only by the value shown; a static script
    names it after the field (curation/autocomplete-labels.js)."""

    @property
    def media(self):
        return super().media + forms.Media(js=["curation/autocomplete-labels.js"])


class SafeAutocompleteSelect(_Named, _ValidValuesOnly, AutocompleteSelect):
    # {str(pk): object} a form already holds (an inline row's joined document): rendering that
    # choice needs no query, so a page of rows costs no query per row.
    known: dict | None = None

    def optgroups(self, name, value, attr=None):
        values = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if len(values) == 1 and values[0] in (self.known or {}):
            obj = self.known[values[0]]
            options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
            label = self.choices.field.label_from_instance(obj)
            options.append(self.create_option(name, obj.pk, label, set(values), len(options)))
            return [(None, options, 0)]
        return super().optgroups(name, value, attr)


def know_related(form, names) -> None:
    """Let the autocompletes of `form` render the related objects its instance already joined."""
    cache = form.instance._state.fields_cache
    for name in names:
        field = form.fields.get(name)
        related = cache.get(name)
        widget = getattr(field, "widget", None)
        widget = getattr(widget, "widget", widget)  # inside the admin's related-field wrapper
        if related is not None and isinstance(widget, SafeAutocompleteSelect):
            widget.known = {str(related.pk): related}


class SafeAutocompleteSelectMultiple(_Named, _ValidValuesOnly, AutocompleteSelectMultiple):
    pass


class NamedFieldsInlineMixin:
    """For inlines: each field's input carries its label as aria-label. A tabular row shows the
    labels only once, as column headers, which leave its inputs unnamed for a screen reader."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None:
            widget = getattr(field.widget, "widget", field.widget)  # inside the related wrapper
            widget.attrs.setdefault("aria-label", capfirst(str(field.label)))
        return field

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        def add_fields(self, form, index):
            formset.add_fields(self, form, index)
            if "DELETE" in form.fields:
                form.fields["DELETE"].widget.attrs.setdefault("aria-label", "Delete this row")

        return type(formset.__name__, (formset,), {"add_fields": add_fields})


class SafeAutocompleteMixin:
    """For any ModelAdmin or inline: autocomplete widgets that survive forged values."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def field_changes(older, newer) -> list[tuple[str, object, object]]:
    """(field label, old value, new value) for every field that differs between two records."""
    model = newer.instance_type if newer is not None else None
    rows = []
    for change in version_changes(older, newer):
        try:
            label = model._meta.get_field(change.field).verbose_name
        except Exception:
            label = change.field
        rows.append((str(label), _shown(change.old), _shown(change.new)))
    return rows


def _shown(value) -> str:
    if value in (None, ""):
        return "(empty)"
    if isinstance(value, list):  # m2m: list of through-row dicts
        return ", ".join(str(v) for row in value for k, v in row.items() if k != "id") or "(none)"
    text = str(value)
    return text if len(text) <= 200 else text[:199] + "…"


def stale_edit_error(model, pk, seen: int, current: int) -> ValidationError:
    """The error shown when someone saved this record after the editor opened it."""
    history = model.history.filter(id=pk)
    older = history.filter(version=seen).order_by("-history_date").first()
    newer = history.order_by("-history_date", "-history_id").first()
    changes = field_changes(older, newer)
    who = ""
    if newer is not None and newer.history_user_id:
        who = format_html(
            " by {} at {}", newer.history_user, f"{newer.history_date:%Y-%m-%d %H:%M:%S}"
        )
    listing = (
        format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li>{}: {} → {}</li>", changes),
        )
        if changes
        else ""
    )
    return ValidationError(
        format_html(
            "This {} “#{}” was changed{} after you opened it (version {} → {}). "
            "Your changes were not saved. What changed:{} "
            '<a href="">Reload the latest version</a> and make your changes again.',
            model._meta.verbose_name,
            pk,
            who,
            seen,
            current,
            listing,
        ),
        code="stale",
    )


class VersionedForm(forms.ModelForm):
    """A model form that refuses to save over a version the editor did not see."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields[VERSION_FIELD].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        if instance.pk is None or instance._state.adding:
            return cleaned
        model = type(instance)
        # Inside the admin's transaction: hold the row until this save commits.
        current = (
            model._default_manager.select_for_update(of=("self",))
            .filter(pk=instance.pk)
            .order_by()
            .values_list("version", flat=True)
            .first()
        )
        seen = cleaned.get(VERSION_FIELD)
        if current is None:
            raise ValidationError(
                f"This {model._meta.verbose_name} was deleted after you opened it.", code="gone"
            )
        if seen is None:
            raise ValidationError(
                "The form did not say which version you edited; reload the page and try again.",
                code="stale",
            )
        if seen != current:
            raise stale_edit_error(model, instance.pk, seen, current)
        return cleaned


class CuratedForm(VersionedForm):
    """The main form of a curated record's page: adds an optional reason kept in the history."""

    change_reason = forms.CharField(
        required=False,
        max_length=100,
        label="Reason for this change",
        help_text="Optional; kept in the history with your name.",
    )


def _with_version_field(fieldsets):
    names = {f for _, opts in fieldsets for f in admin.utils.flatten(opts["fields"])}
    if VERSION_FIELD in names or not fieldsets:
        return fieldsets
    (name, opts), *rest = fieldsets
    return [(name, {**opts, "fields": [*opts["fields"], VERSION_FIELD]}), *rest]


MAX_INLINE_FORMS = 100


class VersionedInlineMixin(NamedFieldsInlineMixin, SafeAutocompleteMixin):
    """For inlines of curated models: each row carries its version and refuses a stale save."""

    form = VersionedForm
    # The work of one save is bounded: a forged TOTAL_FORMS (2,000 cost 27 s) builds at most
    # this many forms, and the page refuses more ("Please submit at most 100 forms").
    max_num = MAX_INLINE_FORMS

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("absolute_max", MAX_INLINE_FORMS)
        return super().get_formset(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        return _with_version_field(super().get_fieldsets(request, obj))


class NestedInlineFormSet(BaseInlineFormSet):
    """An inline formset whose every form carries a formset of its own children (an attribution
    and its figures), bound by prefix: "<form prefix>-<children prefix>", the pattern
    django-nested-admin uses. The children are validated with their parent (the admin's
    all_valid sees one formset), saved after it by CuratedAdmin.save_formset, all in the admin's
    transaction: an invalid child row saves neither the parent nor any other row.

    A POST without a child formset's management form leaves those children untouched.
    """

    nested_formset = None  # an inline formset class for the children
    # Child rows one page builds at most, over all its rows: a forged TOTAL_FORMS in every row
    # would otherwise build 100 x 100 forms. Past the budget a row's children are refused.
    nested_budget = 5 * MAX_INLINE_FORMS
    nested_extra_new = 1  # blank child rows under a new parent (no script needed)
    nested_extra_existing = 0  # under a saved parent, rows are added by the page's script

    def add_fields(self, form, index):
        super().add_fields(form, index)
        nested_class = self.nested_formset
        prefix = f"{form.prefix}-{nested_class.get_default_prefix()}"
        bound = self.is_bound and f"{prefix}-TOTAL_FORMS" in self.data
        nested = nested_class(
            data=self.data if bound else None,
            files=self.files if bound else None,
            instance=form.instance,
            prefix=prefix,
        )
        nested.extra = (
            self.nested_extra_new if form.instance.pk is None else self.nested_extra_existing
        )
        if bound:
            try:
                asked = max(0, int(self.data[f"{prefix}-TOTAL_FORMS"]))
            except (TypeError, ValueError):
                asked = 0
            left = getattr(self, "_nested_left", self.nested_budget)
            nested.absolute_max = max(1, min(nested.absolute_max, left))
            self._nested_left = left - min(asked, nested.absolute_max)
        form.nested = nested

    def _removed(self, form) -> bool:
        return self.can_delete and self._should_delete_form(form)

    def is_valid(self):
        valid = super().is_valid()
        for form in self.forms:
            nested = form.nested
            if nested.is_bound and not self._removed(form):
                valid = nested.is_valid() and valid
        return valid

    def nested_to_save(self):
        """The child formsets to save once their parents are saved."""
        return [
            form.nested
            for form in self.forms
            if form.nested.is_bound and not self._removed(form) and form.instance.pk is not None
        ]


class NestedParentForm(forms.ModelForm):
    """The form of a NestedInlineFormSet: changed when any of its child rows changed, so a new
    parent whose only input is a child row is validated (and refused if incomplete) instead of
    being skipped as blank."""

    def has_changed(self):
        nested = getattr(self, "nested", None)
        return super().has_changed() or bool(nested is not None and nested.has_changed())


def error_links(form, formsets) -> list[tuple[str, str, str]]:
    """Every error of a change page as (anchor id, where, message), for the summary at its top:
    the main form's fields, each inline row's fields and each nested row's fields."""
    links: list[tuple[str, str, str]] = []

    def add(form, where: str, container: str) -> None:
        if not form.is_bound or not form.errors:
            return
        for name, errors in form.errors.items():
            if name == forms.forms.NON_FIELD_ERRORS or name not in form.fields:
                anchor, label = container, where or "This record"
            else:
                field = form[name]
                anchor = field.id_for_label or container
                label = f"{where}: {field.label}" if where else str(field.label)
            for message in errors:
                links.append((anchor, label, message))

    def add_formset(formset, where: str) -> None:
        if not formset.is_bound:
            return
        for message in formset.non_form_errors():
            links.append((f"{formset.prefix}-group", where, message))
        name = formset.model._meta.verbose_name
        for index, row in enumerate(formset.forms):
            original = row.instance if row.instance.pk is not None else None
            row_where = f"{where} › {name} {original}" if original else f"{where} › new {name}"
            row_where = row_where.lstrip(" ›")
            add(row, row_where, f"{formset.prefix}-{index}")
            nested = getattr(row, "nested", None)
            if nested is not None:
                add_formset(nested, row_where)

    add(form, "", "content-main")
    for formset in formsets:
        add_formset(formset, "")
    return links


class CuratedAdmin(SafeAutocompleteMixin, SimpleHistoryAdmin):
    """Base admin for curated models: stale-edit check, history with diffs and restore."""

    form = CuratedForm
    object_history_template = "admin/curated/object_history.html"
    history_list_per_page = 50

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            fieldsets = _with_version_field(fieldsets)
        return [*fieldsets, ("History", {"fields": ["change_reason"]})]

    @staticmethod
    def _stamp(request, obj) -> None:
        """One history date for everything saved in one request: a record and its inline rows
        form one version, which restoring a version relies on."""
        if not hasattr(request, "_history_date"):
            request._history_date = timezone.now()
        obj._history_date = request._history_date
        obj._history_user = request.user

    @staticmethod
    def _reason(request, form) -> str:
        cleaned = getattr(form, "cleaned_data", None) or {}
        return (cleaned.get("change_reason") or "").strip()[:100]

    def stamp_history(self, request, obj, form=None) -> None:
        """Record who saves `obj` in this request, when, and the reason given on the form."""
        reason = self._reason(request, form) if form is not None else ""
        if reason:
            obj._change_reason = reason
        self._stamp(request, obj)

    # Every write of this admin goes through these two hooks: the edited record, its inline rows
    # and restored versions. A domain admin overrides them to call its write services.

    def save_instance(self, obj) -> None:
        """Save one record of this admin or of its inlines."""
        obj.save()

    def delete_instance(self, obj) -> None:
        """Delete one record of this admin or of its inlines."""
        obj.delete()

    def save_model(self, request, obj, form, change):
        self.stamp_history(request, obj, form)
        self.save_instance(obj)

    def save_formset(self, request, form, formset, change):
        self._save_rows(request, self._reason(request, form), formset)

    def _save_rows(self, request, reason: str, formset) -> None:
        """Save one inline formset's rows through the hooks, then their nested rows."""
        instances = formset.save(commit=False)
        for obj in [*formset.deleted_objects, *instances]:
            self._stamp(request, obj)
            if reason:
                obj._change_reason = reason
        for obj in formset.deleted_objects:
            self.delete_instance(obj)
        for obj in instances:
            self.save_instance(obj)
        formset.save_m2m()
        for nested in getattr(formset, "nested_to_save", list)():
            self._save_rows(request, reason, nested)

    def delete_model(self, request, obj):
        self._stamp(request, obj)
        self.delete_instance(obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        adminform = context.get("adminform")
        if adminform is not None and adminform.form.is_bound:
            formsets = [inline.formset for inline in context.get("inline_admin_formsets", [])]
            context["error_links"] = error_links(adminform.form, formsets)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- history ---------------------------------------------------------------------------

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/history-diff/",
                self.admin_site.admin_view(self.history_diff_view),
                name=f"{info}_history_diff",
            ),
            path(
                "<path:object_id>/history-restore/<int:history_id>/",
                self.admin_site.admin_view(self.history_restore_view),
                name=f"{info}_history_restore",
            ),
            *super().get_urls(),
        ]

    def _history_records(self, object_id):
        try:
            pk = int(object_id)
        except (TypeError, ValueError):
            raise Http404 from None
        return self.model.history.filter(id=pk), pk

    def history_diff_view(self, request, object_id):
        """Field-by-field differences between two versions (?older=<history id>&newer=...)."""
        records, pk = self._history_records(object_id)
        obj = self.model._default_manager.filter(pk=pk).first()
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        try:
            ids = [int(request.GET[k]) for k in ("older", "newer")]
        except (KeyError, ValueError):
            ids = list(records.order_by("-history_date").values_list("history_id", flat=True)[:2])
            ids.reverse()
        picked = {r.history_id: r for r in records.filter(history_id__in=ids)}
        if len(ids) != 2 or any(i not in picked for i in ids):
            raise Http404("Choose two versions of this record.")
        older, newer = sorted(
            (picked[i] for i in ids), key=lambda r: (r.history_date, r.history_id)
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Changes to {self.opts.verbose_name} #{pk}",
            "object_id": pk,
            "object": obj,
            "older": older,
            "newer": newer,
            "changes": field_changes(older, newer),
            "can_restore": self.can_restore(request, obj),
        }
        return TemplateResponse(request, "admin/curated/history_diff.html", context)

    def can_restore(self, request, obj) -> bool:
        return self.has_change_permission(request, obj)

    def history_restore_view(self, request, object_id, history_id):
        """POST: make this version the current one (recorded as a new change)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        records, pk = self._history_records(object_id)
        obj = self.model._default_manager.filter(pk=pk).first()
        if not self.can_restore(request, obj):
            raise PermissionDenied
        record = records.filter(history_id=history_id).first()
        if record is None:
            raise Http404
        try:
            restored = self.restore_version(request, pk, record)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(
                reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_history", args=[pk])
            )
        self.message_user(
            request,
            f"Restored {self.opts.verbose_name} “{restored}” to the version of "
            f"{record.history_date:%Y-%m-%d %H:%M:%S}.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[pk])
        )

    def restore_version(self, request, pk, record):
        """Save one record's earlier state; subclasses restore related rows too."""
        if record.history_type == "-":
            raise ValidationError("Choose a version from before the deletion.")
        with transaction.atomic():
            current = (
                self.model._default_manager.select_for_update(of=("self",))
                .filter(pk=pk)
                .order_by()
                .values_list("version", flat=True)
                .first()
            )
            instance = record.instance
            live = self.model._default_manager.filter(pk=pk).first()
            recorded = {f.attname for f in record._meta.concrete_fields}
            for field in self.model._meta.concrete_fields:
                if field.attname not in recorded and live is not None:
                    # Not kept in history (a document's text): keep the current value.
                    setattr(instance, field.attname, getattr(live, field.attname))
            instance.version = current or 0
            instance._state.adding = False
            instance._history_user = request.user
            instance._change_reason = (
                f"Restored to the version of {record.history_date:%Y-%m-%d %H:%M}"
            )
            instance.full_clean(exclude=["slug"], validate_unique=False)
            self.save_instance(instance)
        return instance
