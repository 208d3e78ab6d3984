"""Changelists that fit 1366 px: clipped cells with the full text on hover, sortable columns,
and filters on events, speakers, tags and outlets that stay small however many there are."""

import pytest
from django.urls import reverse

from curation.admin import TopRelatedFilter, clipped
from tests.admin_forms import staff_in
from tests.factories import (
    ActorFactory,
    AttributionFactory,
    ClaimFactory,
    DocumentFactory,
    EventFactory,
    FigureFactory,
)

pytestmark = pytest.mark.django_db

CHANGELISTS = ["claims_claim", "claims_attribution", "claims_figure", "sources_document"]


@pytest.fixture
def editor_client(client):
    client.force_login(staff_in("Editors"))
    return client


def test_clipped_text_keeps_the_whole_text_on_hover_and_escapes_both():
    text = "<b>Taliban</b> " + "deny any link " * 10
    html = clipped(text, 20)
    assert html.startswith('<span class="clipped" title="&lt;b&gt;Taliban&lt;/b&gt; deny any link')
    assert html.endswith('">&lt;b&gt;Taliban&lt;/b&gt; deny…</span>')
    assert clipped("short", 20) == "short"


def test_long_claim_text_is_clipped_in_the_changelist_with_the_full_text_on_hover(editor_client):
    claim = ClaimFactory(text="The <Taliban> " + "and the Haqqani network " * 8)
    response = editor_client.get(reverse("admin:claims_claim_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'title="{claim.text.replace("<", "&lt;").replace(">", "&gt;")}"' in html
    assert "<Taliban>" not in html


@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_every_column_header_sorts(editor_client, changelist):
    FigureFactory()
    response = editor_client.get(reverse(f"admin:{changelist}_changelist"))
    assert response.status_code == 200
    headers = response.context["cl"].list_display[1:]  # after the action checkbox
    sortable = [h for h in response.context["result_headers"] if h["sortable"]]
    assert len(sortable) == len(headers)
    for index in range(1, len(headers) + 1):  # each column sorts without error
        assert (
            editor_client.get(
                reverse(f"admin:{changelist}_changelist"), {"o": str(index)}
            ).status_code
            == 200
        )


def _choices(response, title: str) -> list[str]:
    spec = next(s for s in response.context["cl"].filter_specs if s.title == title)
    return [c["display"] for c in spec.choices(response.context["cl"])][1:]  # after "All"


def test_event_filter_lists_the_most_used_events_not_all_of_them(
    editor_client, django_assert_max_num_queries
):
    busy = EventFactory(name="Kabul airport bombing")
    for _ in range(3):
        ClaimFactory(event=busy)
    quiet = [ClaimFactory().event for _ in range(TopRelatedFilter.limit + 5)]
    url = reverse("admin:claims_claim_changelist")
    response = editor_client.get(url)
    shown = _choices(response, "event")
    assert len(shown) == TopRelatedFilter.limit and shown[0] == "Kabul airport bombing"
    # A quiet event chosen from elsewhere is listed (and applied) though not among the top.
    last = quiet[-1]
    response = editor_client.get(url, {"event": last.pk})
    assert last.name in _choices(response, "event")
    assert [c.event_id for c in response.context["cl"].result_list] == [last.pk]
    # The search box lists the events whose name matches instead.
    response = editor_client.get(url, {"event_q": "kabul"})
    assert _choices(response, "event") == ["Kabul airport bombing"]
    # Its cost does not grow with the number of events.
    with django_assert_max_num_queries(12):
        editor_client.get(url)


def test_speaker_filter_finds_claims_by_a_speaker_once_each(editor_client):
    taliban = ActorFactory(name="Taliban")
    denied = ClaimFactory(text="IS-K has links with the Taliban")
    AttributionFactory(claim=denied, speaker=taliban, voice="quoted")
    AttributionFactory(claim=denied, speaker=taliban, voice="quoted", document=DocumentFactory())
    ClaimFactory()
    response = editor_client.get(reverse("admin:claims_claim_changelist"), {"speaker": taliban.pk})
    assert [c.pk for c in response.context["cl"].result_list] == [denied.pk]
    assert response.context["cl"].result_list[0].n_attributions == 2


@pytest.mark.parametrize("value", ["abc", "99999999999999999999", "-1"])
def test_a_bad_filter_value_is_not_a_server_error(editor_client, value):
    ClaimFactory()
    response = editor_client.get(reverse("admin:claims_claim_changelist"), {"event": value})
    assert response.status_code in (200, 302)


def test_filter_search_form_keeps_the_other_filters(editor_client):
    ClaimFactory()
    response = editor_client.get(
        reverse("admin:claims_claim_changelist"), {"status": "attributed", "speaker_q": "x"}
    )
    html = response.content.decode()
    assert '<input type="hidden" name="status" value="attributed">' in html
    assert '<label for="filter-speaker">Find by name</label>' in html
