"""A claim's history tells what happened to its evidence: each attribution or figure added,
changed or removed, as a line in words with the field diff, at a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims import services
from claims.admin.history import evidence_entries
from claims.models import Attribution, Claim
from tests.admin_forms import staff_in
from tests.factories import (
    ActorFactory,
    AttributionFactory,
    ClaimFactory,
    DocumentFactory,
    FigureFactory,
    OutletFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim():
    return ClaimFactory(text="IS-K has links with the Taliban")


@pytest.fixture
def reuters():
    return DocumentFactory(
        outlet=OutletFactory(name="Reuters"), published=datetime.date(2021, 8, 28)
    )


def _denial(claim, document, **fields):
    return AttributionFactory(
        claim=claim,
        document=document,
        speaker=ActorFactory(name="Taliban"),
        voice=Attribution.Voice.PARAPHRASED,
        stance=Attribution.Stance.REFUTES,
        quote="The group denied any link with the attackers.",
        stated_on=datetime.date(2021, 8, 27),
        **fields,
    )


def lines(claim) -> list[str]:
    return [entry.line for entry in evidence_entries(claim.pk)]


def test_adding_an_attribution_reads_as_a_statement_by_its_speaker_in_its_origin(claim, reuters):
    _denial(claim, reuters)
    assert lines(claim) == [
        "added a refuting statement by Taliban in Reuters, 2021-08-27",
    ]


def test_own_voice_relayed_and_hearsay_statements_are_named_like_everywhere_else(claim, reuters):
    AttributionFactory(claim=claim, document=reuters)  # own voice, dated by its document
    AttributionFactory(
        claim=claim,
        document=reuters,
        voice=Attribution.Voice.HEARSAY,
        quote="Around 100 people were wounded.",
    )
    AttributionFactory(
        claim=claim,
        document=reuters,
        speaker=ActorFactory(name="United States government"),
        via=OutletFactory(name="RFE/RL"),
        voice=Attribution.Voice.PARAPHRASED,
        quote="officials said",
    )
    assert lines(claim) == [
        "added a supporting statement by United States government, as reported by RFE/RL, "
        "2021-08-28",
        "added a supporting statement, hearsay reported by Reuters, 2021-08-28",
        "added a supporting statement by Reuters in its own voice, 2021-08-28",
    ]


def test_changing_the_stance_names_the_field_and_gives_the_diff(claim, reuters):
    attribution = _denial(claim, reuters)
    attribution.stance = Attribution.Stance.QUESTIONS
    services.save_attribution(attribution=attribution)
    # The claim is published: the edit is proposed, then approved by a reviewer.
    newest = evidence_entries(claim.pk)[0]
    assert newest.line == (
        "proposed changing the stance of a questioning statement by Taliban in Reuters, "
        "2021-08-27 (waiting for review)"
    )
    assert newest.changes == [("stance", "refutes", "questions")]
    copy = Attribution.objects.get(replaces=attribution)
    services.approve_evidence(items=[copy], by=staff_in("Reviewers"))
    entries = evidence_entries(claim.pk)
    edit = next(e for e in entries if e.line.startswith("changed"))
    assert edit.line == (
        "changed the stance of a questioning statement by Taliban in Reuters, 2021-08-27"
    )
    assert edit.changes == [("stance", "refutes", "questions")]
    assert any(e.line.startswith("closed the proposed change to") for e in entries)


def test_changing_the_speaker_shows_names_not_ids(claim, reuters):
    attribution = _denial(claim, reuters)
    attribution.speaker = ActorFactory(name="Islamic Emirate")
    services.save_attribution(attribution=attribution)
    assert evidence_entries(claim.pk)[0].changes == [("speaker", "Taliban", "Islamic Emirate")]


def test_removing_an_attribution_and_a_figure_says_what_was_removed(claim, reuters):
    Claim.objects.filter(pk=claim.pk).update(publication=Claim.Publication.DRAFT)
    figure = FigureFactory(
        attribution=_denial(claim, reuters), value=13, text="13 American soldiers"
    )
    services.delete_figure(figure=figure)
    services.delete_attribution(attribution=figure.attribution)
    assert lines(claim) == [
        "removed a refuting statement by Taliban in Reuters, 2021-08-27",
        "removed a figure: 13 American soldiers killed "
        "(in a refuting statement by Taliban in Reuters, 2021-08-27)",
        "added a figure: 13 American soldiers killed "
        "(in a refuting statement by Taliban in Reuters, 2021-08-27)",
        "added a refuting statement by Taliban in Reuters, 2021-08-27",
    ]


def test_a_removal_on_a_published_claim_is_proposed_then_approved_or_kept(claim, reuters):
    again = DocumentFactory(outlet=reuters.outlet, published=reuters.published)
    first, second = _denial(claim, reuters), _denial(claim, again)
    services.delete_attribution(attribution=first)
    services.delete_attribution(attribution=second)
    statement = "a refuting statement by Taliban in Reuters, 2021-08-27"
    assert lines(claim)[:2] == [f"proposed removing {statement} (waiting for review)"] * 2
    reviewer = staff_in("Reviewers")
    services.approve_evidence(items=[Attribution.objects.get(pk=first.pk)], by=reviewer)
    services.reject_evidence(
        items=[Attribution.objects.get(pk=second.pk)], by=reviewer, reason="Still reported"
    )
    assert lines(claim)[:2] == [
        f"kept {statement} (its removal was rejected)",
        f"removed {statement}",
    ]


def test_claim_history_page_shows_the_evidence_lines_escaped(client, claim, reuters):
    client.force_login(staff_in("Editors"))
    attribution = _denial(claim, reuters)
    attribution.speaker.name = "<b>Taliban</b>"
    attribution.speaker.save()
    claim.text = "Reworded"
    claim.save()  # a later version of the claim itself
    response = client.get(reverse("admin:claims_claim_history", args=[claim.pk]))
    html = response.content.decode()
    assert "Added a refuting statement by &lt;b&gt;Taliban&lt;/b&gt; in Reuters, 2021-08-27" in html
    assert "<b>Taliban</b>" not in html


def test_claim_history_page_costs_the_same_however_much_evidence_changed(client, claim):
    client.force_login(staff_in("Editors"))
    url = reverse("admin:claims_claim_history", args=[claim.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    FigureFactory(
        attribution__claim=claim, attribution__speaker=ActorFactory(), attribution__voice="quoted"
    )
    count()  # caches warmed (content types)
    # session, user, the claim, permissions (2), its versions and their count, the attribution
    # and figure versions, their speakers, documents and their origins (one per level of
    # copying), events; outlets and users when any is named
    assert count() == 13
    for _ in range(6):
        figure = FigureFactory(
            attribution__claim=claim,
            attribution__speaker=ActorFactory(),
            attribution__voice="quoted",
        )
        services.delete_figure(figure=figure)
    assert (count(), claim.history.count()) == (13, 1)
