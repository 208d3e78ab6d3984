import pytest
from django.urls import reverse

from sources.models import Actor
from tests.admin_forms import form_data, staff_in
from tests.factories import (
    ActorAliasFactory,
    ActorFactory,
    AttributionFactory,
    DocumentFactory,
    OutletFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    client.force_login(staff_in("Editors"))
    return client


@pytest.mark.parametrize("model", ["outlet", "document", "actor", "actoralias"])
def test_every_sources_admin_page_renders_for_an_editor(editor_client, model):
    alias = ActorAliasFactory()
    attribution = AttributionFactory()
    obj = {
        "outlet": attribution.document.outlet,
        "document": attribution.document,
        "actor": alias.actor,
        "actoralias": alias,
    }[model]
    for name, args in [
        ("changelist", []),
        ("add", []),
        ("change", [obj.pk]),
        ("history", [obj.pk]),
    ]:
        response = editor_client.get(reverse(f"admin:sources_{model}_{name}", args=args))
        assert response.status_code == 200, (model, name)


def test_searching_an_alias_finds_the_actor(editor_client):
    iskp = ActorFactory(name="Islamic State Khorasan Province")
    for alias in ["ISIS-K", "ISKP", "Daesh"]:
        ActorAliasFactory(actor=iskp, name=alias)
    ActorFactory(name="Taliban")
    response = editor_client.get(reverse("admin:sources_actor_changelist"), {"q": "iskp"})
    assert list(response.context["cl"].result_list) == [iskp]
    autocomplete = editor_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "daesh",
            "app_label": "claims",
            "model_name": "attribution",
            "field_name": "speaker",
        },
    )
    assert [r["text"] for r in autocomplete.json()["results"]] == [iskp.name]


def test_aliases_are_edited_inline_on_the_actor_page(editor_client):
    actor = ActorFactory(name="Islamic State Khorasan Province")
    url = reverse("admin:sources_actor_change", args=[actor.pk])
    data = form_data(editor_client.get(url))
    data["aliases-0-name"] = "IS-K"
    assert editor_client.post(url, data).status_code == 302
    assert list(Actor.objects.named("is-k")) == [actor]


def test_document_page_marks_each_quote_escaped_and_lists_the_attributions(editor_client):
    document = DocumentFactory(
        text="Intro <script>alert(1)</script>. Officials said at least 46 <b>people</b> died."
    )
    attribution = AttributionFactory(document=document, quote="at least 46 <b>people</b> died")
    response = editor_client.get(reverse("admin:sources_document_change", args=[document.pk]))
    html = response.content.decode()
    assert f'<mark id="a-{attribution.pk}"' in html
    assert "at least 46 &lt;b&gt;people&lt;/b&gt; died</mark>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert f'href="#a-{attribution.pk}"' in html
    assert reverse("admin:claims_claim_change", args=[attribution.claim_id]) in html


def test_outlet_edit_records_history_with_the_editor(editor_client):
    outlet = OutletFactory()
    url = reverse("admin:sources_outlet_change", args=[outlet.pk])
    data = form_data(editor_client.get(url))
    data["notes"] = "state-run"
    data["change_reason"] = "Ownership checked"
    assert editor_client.post(url, data).status_code == 302
    latest = outlet.history.first()
    assert latest.notes == "state-run"
    assert latest.history_user.username.startswith("user")
    assert latest.history_change_reason == "Ownership checked"


def test_restoring_an_earlier_document_version_keeps_its_text(editor_client):
    document = DocumentFactory(title="First title")
    first = document.history.get()
    document.title = "Second title"
    document.save()
    url = reverse("admin:sources_document_history_restore", args=[document.pk, first.history_id])
    assert editor_client.post(url).status_code == 302
    text = document.text
    document.refresh_from_db()
    assert (document.title, document.text, document.version) == ("First title", text, 3)
