"""The editor's claim page: attributions grouped by document with their figures nested, a new
attribution at the top beside its document's text, the quote picked in it, errors linked from the
top of the page, closest passages for a quote that is not found."""

import pytest
from django.urls import reverse

from claims.models import Attribution, Claim, Figure
from tests.admin_forms import form_data, staff_in
from tests.factories import AttributionFactory, DocumentFactory, FigureFactory

pytestmark = pytest.mark.django_db

NEW = "attributions-1"  # the new attribution after the claim's one saved attribution
FIG = f"{NEW}-figures"


@pytest.fixture
def editor_client(client):
    client.force_login(staff_in("Editors"))
    return client


@pytest.fixture
def figure():
    return FigureFactory()


def page(client, claim):
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    return url, client.get(url)


def new_attribution(data, document, quote, **extra):
    data.update(
        {
            f"{NEW}-document": str(document.pk),
            f"{NEW}-voice": "own",
            f"{NEW}-stance": "refutes",
            f"{NEW}-quote": quote,
            **extra,
        }
    )
    return data


def test_new_attribution_starts_in_the_claims_document_and_shows_its_text(editor_client, figure):
    attribution = figure.attribution
    _, response = page(editor_client, attribution.claim)
    html = response.content.decode()
    new_form = response.context["inline_admin_formsets"][0].formset.forms[1]
    assert new_form.initial["document"] == attribution.document_id
    assert html.index("New attribution") < html.index(attribution.document.title + " <span")
    assert 'class="picker-text"' in html and "Around 100 people were wounded." in html
    # The saved one: one line (speaker, voice, stance, first words, figures) that opens in place.
    assert "<details" in html and "<summary>" in html
    assert "killing at least 46 people" in html and "1 figure(s): at least 46 people" in html


def test_attribution_and_its_figures_are_saved_together(editor_client, figure):
    claim = figure.attribution.claim
    document = figure.attribution.document
    url, response = page(editor_client, claim)
    data = new_attribution(
        form_data(response),
        document,
        "Around 100 people were wounded",
        **{
            f"{FIG}-TOTAL_FORMS": "2",
            f"{FIG}-0-measure": "wounded",
            f"{FIG}-0-qualifier": "approximately",
            f"{FIG}-0-value": "100",
            f"{FIG}-0-population": "total",
            f"{FIG}-1-measure": "killed",
            f"{FIG}-1-qualifier": "exact",
            f"{FIG}-1-value": "0",
            f"{FIG}-1-population": "total",
        },
    )
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["error_links"]
    added = Attribution.objects.get(claim=claim, stance="refutes")
    assert added.quote == "Around 100 people were wounded"
    assert sorted(added.figures.values_list("measure", "value")) == [
        ("killed", 0),
        ("wounded", 100),
    ]
    # Through the write services: the figures took the claim's event.
    assert set(added.figures.values_list("event", flat=True)) == {claim.event_id}


def test_an_invalid_figure_saves_neither_the_attribution_nor_any_figure(editor_client, figure):
    claim = figure.attribution.claim
    url, response = page(editor_client, claim)
    data = new_attribution(
        form_data(response),
        figure.attribution.document,
        "Around 100 people were wounded",
        **{
            f"{FIG}-TOTAL_FORMS": "2",
            f"{FIG}-0-measure": "wounded",
            f"{FIG}-0-qualifier": "exact",
            f"{FIG}-0-value": "100",
            f"{FIG}-0-population": "total",
            f"{FIG}-1-measure": "killed",
            f"{FIG}-1-qualifier": "range",
            f"{FIG}-1-value": "10",
            f"{FIG}-1-value_high": "5",
            f"{FIG}-1-population": "total",
        },
    )
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert Attribution.objects.count() == 1 and Figure.objects.count() == 1
    html = response.content.decode()
    # The summary at the top links to the figure's field, nested in the new attribution.
    summary = html[
        html.index('id="error-summary"') : html.index("</ul>", html.index("error-summary"))
    ]
    assert f'href="#id_{FIG}-1-value_high"' in summary
    assert "below the low end" in summary
    assert f'id="id_{FIG}-1-value_high"' in html


def test_a_figure_without_its_attribution_is_refused_not_skipped(editor_client, figure):
    claim = figure.attribution.claim
    url, response = page(editor_client, claim)
    data = form_data(response)
    data[f"{NEW}-document"] = ""
    data.update({f"{FIG}-0-measure": "killed", f"{FIG}-0-value": "3"})
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert Figure.objects.count() == 1
    links = response.context["error_links"]
    assert any(anchor == f"id_{NEW}-document" for anchor, _, _ in links)


def delete_one_add_one(editor_client, figure):
    """On the claim page: the attribution's figure deleted and a new one added, in one save."""
    prefix = "attributions-0-figures"
    url, response = page(editor_client, figure.attribution.claim)
    data = form_data(response)
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "2",
            f"{prefix}-0-DELETE": "on",
            f"{prefix}-1-measure": "wounded",
            f"{prefix}-1-qualifier": "exact",
            f"{prefix}-1-value": "7",
            f"{prefix}-1-population": "total",
        }
    )
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["error_links"]


def test_figures_of_a_saved_attribution_are_added_and_deleted_on_the_claim_page(
    editor_client, figure
):
    # On a draft the changes apply at once.
    claim = figure.attribution.claim
    Claim.objects.filter(pk=claim.pk).update(publication=Claim.Publication.DRAFT)
    delete_one_add_one(editor_client, figure)
    assert list(figure.attribution.figures.values_list("measure", "value")) == [("wounded", 7)]


def test_figure_rows_on_a_published_claim_wait_for_review(editor_client, figure):
    delete_one_add_one(editor_client, figure)
    rows = figure.attribution.figures.order_by("pk").values_list("measure", "value", "review")
    assert list(rows) == [("killed", 46, "pending_deletion"), ("wounded", 7, "pending")]
    public = Figure.objects.visible_to(None).filter(attribution=figure.attribution)
    assert list(public.values_list("measure", "value")) == [("killed", 46)]


def test_picked_offsets_anchor_the_chosen_occurrence_after_emoji_and_cjk(editor_client, figure):
    text = "🙂 喀布尔: the gate was shut. Later 🙂 the gate was shut again."
    document = DocumentFactory(text=text)
    second = text.rindex("the gate was shut")  # Python offsets: code points
    url, response = page(editor_client, figure.attribution.claim)
    data = new_attribution(
        form_data(response),
        document,
        "the gate was shut",
        **{f"{NEW}-picked_start": str(second), f"{NEW}-picked_end": str(second + 17)},
    )
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["error_links"]
    added = Attribution.objects.get(document=document)
    assert (added.quote_start, added.quote_end) == (second, second + 17)
    assert added.quote_prefix.endswith("Later 🙂 ")


def test_a_quote_not_found_proposes_the_closest_passages_marked_and_linked(editor_client, figure):
    text = "The attack was claimed by ISIS-Okay in Kabul <b>late</b> on Thursday, officials said."
    document = DocumentFactory(text=text)
    url, response = page(editor_client, figure.attribution.claim)
    data = new_attribution(form_data(response), document, "claimed by ISIS-K in Kabul")
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert not Attribution.objects.filter(document=document).exists()
    html = response.content.decode()
    assert f'<a href="#id_{NEW}-quote">' in html
    # The message itself (the API's too) names the closest passage.
    assert "The closest passage is “claimed by ISIS-Okay in Kabul”." in html
    assert "claimed by ISIS-<del>K</del><ins>Okay</ins> in Kabul" in html
    start = text.index("claimed by ISIS-Okay in Kabul")
    assert (
        f'data-start="{start}" data-end="{start + 29}" data-text="claimed by ISIS-Okay in Kabul"'
        in html
    )
    assert "Use the document&#x27;s words" in html or "Use the document's words" in html
    # The document's text is shown escaped beside the form.
    assert "&lt;b&gt;late&lt;/b&gt;" in html and "<b>late</b>" not in html


def test_document_text_for_the_picker_needs_the_admin(client, editor_client, figure):
    document = figure.attribution.document
    url = reverse("admin:claims_claim_document_text", args=[document.pk])
    response = editor_client.get(url)
    assert response.status_code == 200
    assert response.json() == {"pk": document.pk, "title": document.title, "text": document.text}
    assert (
        editor_client.get(reverse("admin:claims_claim_document_text", args=[10**9])).status_code
        == 404
    )
    client.logout()
    assert client.get(url).status_code == 302  # to the admin's login


def test_claim_page_queries_do_not_grow_with_attributions_or_figures(
    editor_client, figure, django_assert_max_num_queries
):
    claim = figure.attribution.claim
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    editor_client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert editor_client.get(url).status_code == 200
    for n in range(4):
        document = DocumentFactory()
        attribution = AttributionFactory(claim=claim, document=document)
        FigureFactory(attribution=attribution, value=n + 1)
        FigureFactory(attribution=attribution, value=n + 50)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert editor_client.get(url).status_code == 200


def test_forged_figure_row_counts_are_bounded_over_the_whole_page(editor_client, figure):
    claim = figure.attribution.claim
    url, response = page(editor_client, claim)
    data = form_data(response)
    for index in range(2):
        data[f"attributions-{index}-figures-TOTAL_FORMS"] = "100000"
    response = editor_client.post(url, data)
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    built = sum(len(form.nested.forms) for form in formset.forms)
    assert built <= formset.nested_budget
    assert "Please submit at most" in str(response.context["error_links"])
    assert Figure.objects.count() == 1
