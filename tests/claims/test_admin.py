import pytest
from django.urls import reverse

from claims import services
from claims.models import Attribution, Claim, Event, Figure
from tests.admin_forms import form_data, staff_in
from tests.factories import (
    DocumentFactory,
    EventFactory,
    FigureFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return staff_in("Editors")


@pytest.fixture
def reviewer():
    return staff_in("Reviewers")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def figure():
    figure = FigureFactory()
    TagFactory()
    return figure


@pytest.mark.parametrize("model", ["claim", "attribution", "figure", "event", "tag"])
def test_every_claims_admin_page_renders_for_an_editor(editor_client, figure, model):
    obj = {
        "claim": figure.attribution.claim,
        "attribution": figure.attribution,
        "figure": figure,
        "event": figure.event,
        "tag": TagFactory(),
    }[model]
    for name, args in [
        ("changelist", []),
        ("add", []),
        ("change", [obj.pk]),
        ("history", [obj.pk]),
    ]:
        response = editor_client.get(reverse(f"admin:claims_{model}_{name}", args=args))
        assert response.status_code == 200, (model, name)


def test_claim_extra_pages_render_for_an_editor(editor_client, figure):
    claim = figure.attribution.claim
    claim.text = "Changed once"
    claim.save()
    for url in [
        reverse("admin:claims_claim_deleted"),
        reverse("admin:claims_claim_history_diff", args=[claim.pk]),
        reverse("admin:suggestions_suggestiondecision_changelist"),
    ]:
        assert editor_client.get(url).status_code == 200, url
    queue = editor_client.get(reverse("admin:claims_claim_review_queue"))
    assert queue.status_code == 302
    assert editor_client.get(queue["Location"]).status_code == 200


def test_claim_page_shows_status_reason_figures_and_links_to_each_quote(editor_client, figure):
    attribution = figure.attribution
    claim = attribution.claim
    claim.refresh_from_db()
    response = editor_client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    html = response.content.decode()
    assert claim.status_reason.split(":")[0] in html
    assert f'href="{attribution.get_absolute_url()}"' in html
    assert f"/documents/{attribution.document_id}/#a-{attribution.pk}" in html
    assert reverse("admin:claims_attribution_change", args=[attribution.pk]) in html
    assert "1 figure(s): at least 46 people" in html
    assert "at least 46 people" in html


def test_bad_quote_in_claim_inline_is_a_form_error_and_nothing_is_saved(editor_client):
    document = DocumentFactory()
    event = EventFactory()
    url = reverse("admin:claims_claim_add")
    data = form_data(editor_client.get(url))
    data.update(
        {
            "text": "A new claim",
            "slug": "a-new-claim",
            "event": str(event.pk),
            "attributions-0-document": str(document.pk),
            "attributions-0-voice": "own",
            "attributions-0-stance": "supports",
            "attributions-0-quote": "words that are nowhere in the text",
        }
    )
    response = editor_client.post(url, data)
    assert response.status_code == 200
    inline_form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert "quote" in inline_form.errors
    assert "words that are nowhere" in inline_form.errors["quote"][0]
    assert document.title in inline_form.errors["quote"][0]
    assert not Claim.objects.filter(slug="a-new-claim").exists()
    assert not Attribution.objects.exists()


def test_bad_quote_on_attribution_page_is_a_form_error_on_the_quote_field(editor_client, figure):
    attribution = figure.attribution
    url = reverse("admin:claims_attribution_change", args=[attribution.pk])
    data = form_data(editor_client.get(url))
    data["quote"] = "not in the document"
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "not in the document" in response.context["adminform"].form.errors["quote"][0]
    attribution.refresh_from_db()
    assert attribution.quote == "killing at least 46 people"


def test_figures_are_edited_inline_on_the_attribution_page(editor_client, figure, reviewer):
    url = reverse("admin:claims_attribution_change", args=[figure.attribution.pk])
    data = form_data(editor_client.get(url))
    data["figures-0-value"] = "50"
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    # The claim is published: the edit waits for review in a copy; the live figure is unchanged.
    figure.refresh_from_db()
    assert (figure.value, figure.version) == (46, 1)
    edit = Figure.objects.get(replaces=figure)
    assert edit.value == 50
    services.approve_evidence(items=[edit], by=reviewer)
    figure.refresh_from_db()
    assert (figure.value, figure.version) == (50, 2)


def test_second_save_of_a_claim_is_refused_with_what_changed(client, figure):
    first, second = staff_in("Editors"), staff_in("Editors")
    claim = figure.attribution.claim
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    client.force_login(first)
    first_form = form_data(client.get(url))
    client.force_login(second)
    second_form = form_data(client.get(url))

    client.force_login(first)
    first_form["text"] = "First editor's wording"
    assert client.post(url, first_form).status_code == 302

    client.force_login(second)
    second_form["text"] = "Second editor's wording"
    response = client.post(url, second_form)
    assert response.status_code == 200
    error = str(response.context["adminform"].form.non_field_errors())
    assert "changed" in error and "after you opened it" in error
    assert "First editor&#x27;s wording" in error or "First editor's wording" in error
    assert "Reload the latest version" in error
    claim.refresh_from_db()
    assert claim.text == "First editor's wording"
    assert claim.version == 2


def test_stale_inline_attribution_is_refused(client, figure):
    first, second = staff_in("Editors"), staff_in("Editors")
    attribution = figure.attribution
    claim = attribution.claim
    # On a draft edits apply at once (on a published claim they wait for review as copies).
    Claim.objects.filter(pk=claim.pk).update(publication=Claim.Publication.DRAFT)
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    client.force_login(second)
    second_form = form_data(client.get(url))

    # Meanwhile the first editor changes the attribution on its own page.
    client.force_login(first)
    attribution_url = reverse("admin:claims_attribution_change", args=[attribution.pk])
    data = form_data(client.get(attribution_url))
    data["note"] = "Checked against the original"
    assert client.post(attribution_url, data).status_code == 302

    client.force_login(second)
    second_form["attributions-0-stance"] = "refutes"
    response = client.post(url, second_form)
    assert response.status_code == 200
    inline_form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert "after you opened it" in str(inline_form.non_field_errors())
    assert "Checked against the original" in str(inline_form.non_field_errors())
    attribution.refresh_from_db()
    assert attribution.stance == "supports"
    assert attribution.note == "Checked against the original"


def test_save_without_the_version_seen_is_refused(editor_client, figure):
    claim = figure.attribution.claim
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    data = form_data(editor_client.get(url))
    del data["seen_version"]
    data["text"] = "Forged without a version"
    response = editor_client.post(url, data)
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.text != "Forged without a version"


def _changelist_queries(client, django_assert_num_queries, url, expected):
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200


# Every changelist: session, user, user and group permissions (2), the filter choices it lists,
# the count of matching and of all rows (2), one page of rows with their joins, and the date
# hierarchy (2: min/max, then the distinct years or days).
CHANGELIST_QUERIES = {
    "claim": 12,  # + the most used events, speakers and tags for the filters
    "attribution": 12,  # + the most used events, outlets and speakers for the filters
    "figure": 11,  # + the most used events and speakers for the filters
}


@pytest.mark.parametrize("model", sorted(CHANGELIST_QUERIES))
def test_changelist_query_count_does_not_grow_with_rows(
    editor_client, django_assert_num_queries, model
):
    url = reverse(f"admin:claims_{model}_changelist")
    event = EventFactory()
    for _ in range(3):
        FigureFactory(attribution__claim__event=event)
    _changelist_queries(editor_client, django_assert_num_queries, url, CHANGELIST_QUERIES[model])
    for _ in range(27):
        FigureFactory(attribution__claim__event=event)
    _changelist_queries(editor_client, django_assert_num_queries, url, CHANGELIST_QUERIES[model])
    assert Figure.objects.count() == 30 and Event.objects.count() == 1
