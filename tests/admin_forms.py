"""Helpers to submit admin change forms the way a browser would: read the rendered form, change
some fields, post it back."""

from django.contrib.auth.models import Group

from tests.factories import UserFactory


def staff_in(group_name: str, **kwargs):
    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def _field_value(bound_field):
    value = bound_field.value()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return str(value)


def _form_fields(form, into: dict) -> None:
    for name in form.fields:
        bound = form[name]
        value = _field_value(bound)
        if value is not None:
            into[bound.html_name] = value


def _formset_fields(formset, into: dict) -> None:
    management = formset.management_form
    for name in management.fields:
        into[management[name].html_name] = str(management[name].value())
    for form in formset.forms:
        _form_fields(form, into)
        nested = getattr(form, "nested", None)  # figures nested under an attribution
        if nested is not None:
            _formset_fields(nested, into)


def form_data(response) -> dict:
    """Every field of a rendered admin add/change page, as the browser would post it."""
    context = response.context
    data: dict = {}
    _form_fields(context["adminform"].form, data)
    for inline in context.get("inline_admin_formsets", []):
        _formset_fields(inline.formset, data)
    return {k: v for k, v in data.items() if "__prefix__" not in k}
