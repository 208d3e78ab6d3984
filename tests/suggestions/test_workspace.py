"""The review workspace: proposals and their threshold, date checks, edits, twins, keyboard."""

import datetime
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from claims.models import Attribution, Figure
from sources.models import Actor
from suggestions.models import SuggestionDecision
from suggestions.review import suggestions_for
from suggestions.services import (
    PRESELECT_CONFIDENCE,
    accept_reviewed,
    date_conflict,
    edit_candidate,
    preselected,
    propose_claims,
)
from suggestions.workspace import plain_figure
from tests.factories import (
    AttributionFactory,
    ClaimFactory,
    DocumentFactory,
    EventFactory,
    FigureFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

KUNDUZ = (
    "Kunduz mosque bombing\n\n"
    "According to the state-run Bakhtar News Agency, the explosion killed at least 46 people and "
    "wounded more than 140.\n\n"
    "The Taliban denied any role in the attack in Kunduz.\n"
)
BOMBING_DAY = datetime.date(2021, 10, 8)
HERAT = "Officials said at least 12 people were killed in the blast in Herat on Monday.\n"


@pytest.fixture
def editor():
    user = UserFactory(is_staff=True)
    for app, codename in [
        ("sources", "view_document"),
        ("claims", "add_attribution"),
        ("sources", "add_document"),
    ]:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=codename)
        )
    return user


@pytest.fixture
def client(editor):
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def bombing():
    return EventFactory(name="Kunduz mosque bombing", place="Kunduz", date=BOMBING_DAY)


def kunduz(published=BOMBING_DAY + datetime.timedelta(days=1)):
    return DocumentFactory(text=KUNDUZ, published=published)


def candidate(document, kind="figure", measure="killed"):
    return next(
        c
        for c in suggestions_for(document)
        if c.kind == kind and (kind != "figure" or c.measure == measure)
    )


def page(client, document) -> str:
    response = client.get(reverse("admin:sources_document_suggestions", args=[document.pk]))
    assert response.status_code == 200
    return response.content.decode()


def accept(client, document, data):
    return client.post(
        reverse("admin:sources_document_suggestion_accept", args=[document.pk]), data, follow=True
    )


def toll_claim(event):
    claim = ClaimFactory(text="The Kunduz mosque bombing killed at least 46 people", event=event)
    FigureFactory(attribution=AttributionFactory(claim=claim), event=event, measure="killed")
    return claim


# --- proposals and the pre-selection threshold ----------------------------------------------------


def test_a_claim_of_the_right_event_and_wording_is_preselected(client, bombing):
    claim = toll_claim(bombing)
    document = kunduz()
    proposals = propose_claims(document, [candidate(document)])[candidate(document).fingerprint]
    assert proposals[0].claim == claim
    assert proposals[0].confidence >= PRESELECT_CONFIDENCE
    assert preselected(proposals).claim == claim
    assert (
        f'value="{claim.pk}" id="s-{candidate(document).fingerprint[:12]}-claim-{claim.pk}" checked'
        in page(client, document)
    )


def test_nothing_is_preselected_below_the_threshold(client):
    weak = ClaimFactory(text="An explosion was reported somewhere", event=None)
    document = kunduz()
    proposals = propose_claims(document, [candidate(document)])[candidate(document).fingerprint]
    assert [p.claim for p in proposals] == [weak]
    assert proposals[0].confidence < PRESELECT_CONFIDENCE
    assert preselected(proposals) is None
    body = page(client, document)
    assert weak.text in body
    assert " checked" not in body
    assert "Nothing is selected for you" in body


def test_without_a_chosen_claim_accepting_is_refused(client):
    ClaimFactory(text="An explosion was reported somewhere", event=None)
    document = kunduz()
    response = accept(client, document, {"fingerprint": candidate(document).fingerprint})
    assert "Choose an existing claim" in response.content.decode()
    assert not Attribution.objects.exists()


# --- dates --------------------------------------------------------------------------------------------


def test_an_event_after_the_document_cannot_match():
    event = EventFactory(name="Later attack", date=datetime.date(2024, 5, 1))
    document = DocumentFactory(published=datetime.date(2024, 4, 30))
    assert "after this document was published" in date_conflict(
        document=document, event=event, kind="attribution"
    )


def test_a_toll_years_after_its_event_warns_but_a_statement_does_not():
    event = EventFactory(name="Kabul airport bombing", date=datetime.date(2021, 8, 26))
    document = DocumentFactory(published=datetime.date(2026, 3, 2))
    assert "4.5 years after" in date_conflict(document=document, event=event, kind="figure")
    assert date_conflict(document=document, event=event, kind="attribution") == ""
    assert date_conflict(document=DocumentFactory(published=None), event=event, kind="figure") == ""


def test_date_mismatch_is_shown_never_preselected_and_needs_a_confirmation(client, bombing):
    claim = toll_claim(bombing)
    document = kunduz(published=datetime.date(2026, 3, 2))
    fingerprint = candidate(document).fingerprint
    proposals = propose_claims(document, [candidate(document)])[fingerprint]
    assert proposals[0].confidence >= PRESELECT_CONFIDENCE and proposals[0].date_warning
    body = page(client, document)
    assert "Dates do not match." in body
    assert f'-claim-{claim.pk}" checked' not in body
    assert 'name="dates_confirmed"' in body

    refused = accept(client, document, {"fingerprint": fingerprint, "claim": claim.pk})
    assert "I confirm the dates" in refused.content.decode()
    assert not Attribution.objects.filter(document=document).exists()
    assert not SuggestionDecision.objects.exists()

    accepted = accept(
        client, document, {"fingerprint": fingerprint, "claim": claim.pk, "dates_confirmed": "on"}
    )
    assert "Accepted onto the claim" in accepted.content.decode()
    assert Attribution.objects.filter(document=document, claim=claim).exists()


def test_a_new_claim_on_an_event_dated_after_the_document_needs_the_confirmation(client):
    later = EventFactory(name="Kunduz market attack", date=datetime.date(2021, 12, 1))
    document = kunduz()
    data = {
        "fingerprint": candidate(document).fingerprint,
        "new_claim_text": "The attack killed 46",
        "event": later.pk,
    }
    assert "after this document was published" in accept(client, document, data).content.decode()
    assert not Attribution.objects.exists()


# --- twins ----------------------------------------------------------------------------------------------


def test_accepting_a_figure_retires_its_twin_statement(client, bombing):
    claim = toll_claim(bombing)
    document = kunduz()
    figure = candidate(document)
    statement = candidate(document, kind="attribution")
    assert (statement.start, statement.end) == (figure.start, figure.end)
    accept(client, document, {"fingerprint": figure.fingerprint, "claim": claim.pk})
    remaining = {c.fingerprint for c in suggestions_for(document)}
    assert statement.fingerprint not in remaining
    assert candidate(document, measure="wounded").fingerprint in remaining  # not a twin
    twin = SuggestionDecision.objects.get(fingerprint=statement.fingerprint)
    attribution = Attribution.objects.get(document=document)
    assert (twin.decision, twin.attribution) == ("accepted", attribution)
    assert statement.fingerprint[:12] not in page(client, document)


def test_accepting_a_statement_retires_its_twin_figures(bombing, editor):
    document = kunduz()
    statement = candidate(document, kind="attribution")
    accept_reviewed(
        document=document,
        candidate=statement,
        candidates=suggestions_for(document, include_decided=True),
        new_claim_text="Bakhtar reported the Kunduz toll",
        by=editor,
    )
    assert not [c for c in suggestions_for(document) if c.start == statement.start]


# --- edits in place -------------------------------------------------------------------------------------


def test_edits_in_place_are_saved(client, bombing):
    claim = toll_claim(bombing)
    document = kunduz()
    figure = candidate(document)
    trimmed = "the explosion killed at least 46 people"
    accept(
        client,
        document,
        {
            "fingerprint": figure.fingerprint,
            "claim": claim.pk,
            "speaker": "Bakhtar News Agency",
            "voice": "quoted",
            "stance": "neutral",
            "quote": trimmed,
            "qualifier": "exact",
            "value": "47",
        },
    )
    attribution = Attribution.objects.get(document=document)
    start = KUNDUZ.index(trimmed)
    assert (attribution.quote, attribution.quote_start, attribution.quote_end) == (
        trimmed,
        start,
        start + len(trimmed),
    )
    assert (attribution.voice, attribution.stance, attribution.speaker.name) == (
        "quoted",
        "neutral",
        "Bakhtar News Agency",
    )
    assert Figure.objects.filter(attribution=attribution).values_list(
        "qualifier", "value"
    ).get() == ("exact", 47)
    # Recorded against the suggestion as it was made, so it leaves the list.
    assert SuggestionDecision.objects.filter(fingerprint=figure.fingerprint).exists()
    assert figure.fingerprint not in {c.fingerprint for c in suggestions_for(document)}


def test_an_edited_quote_not_in_the_text_is_refused(client, bombing):
    claim = toll_claim(bombing)
    document = kunduz()
    response = accept(
        client,
        document,
        {"fingerprint": candidate(document).fingerprint, "claim": claim.pk, "quote": "killed 99"},
    )
    assert "is not in the document" in response.content.decode()
    assert not Attribution.objects.filter(document=document).exists()
    assert not SuggestionDecision.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (0, 10_000, "within the document's text"),
        (50, 40, "within the document's text"),
        (24, 137, "middle of a word"),
        (22, 137, "on a word, not on a space"),
        (111, 137, "figure as written"),
    ],
)
def test_bad_quote_bounds_are_refused(start, end, message):
    document = kunduz()
    with pytest.raises(ValidationError, match=message):
        edit_candidate(document, candidate(document), start=start, end=end)


def test_quote_bounds_within_the_text_keep_the_figure():
    document = kunduz()
    figure = candidate(document)
    start = KUNDUZ.index("the explosion")
    edited = edit_candidate(document, figure, start=start, end=start + 39)
    assert edited.quote == "the explosion killed at least 46 people"
    assert edited.fingerprint == figure.fingerprint


# --- speakers -------------------------------------------------------------------------------------------


def test_a_generic_speaker_becomes_an_unnamed_source_not_an_actor(editor):
    document = DocumentFactory(text=HERAT, published=datetime.date(2026, 3, 3))
    statement = candidate(document, kind="attribution")
    assert statement.speaker == "Officials"
    attribution = accept_reviewed(
        document=document,
        candidate=statement,
        candidates=suggestions_for(document, include_decided=True),
        new_claim_text="A blast killed at least 12 in Herat",
        by=editor,
    )
    assert not Actor.objects.filter(name__iexact="officials").exists()
    assert (attribution.voice, attribution.speaker, attribution.speaker_description) == (
        "unnamed",
        None,
        "Officials",
    )


# --- plain words and the keyboard -----------------------------------------------------------------------


def test_figures_read_in_plain_words():
    assert plain_figure(measure="killed", qualifier="at_least", value=46) == "at least 46 killed"
    assert (
        plain_figure(
            measure="wounded", qualifier="range", value=10, value_high=15, population="children"
        )
        == "between 10 and 15 wounded (children)"
    )
    assert plain_figure(measure="killed", qualifier="unspecified", value=24) == (
        "an unstated number (at least 24) killed"
    )


class _Controls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.controls, self.labels, self.buttons, self.scripts, self.styled = [], set(), [], [], []
        self.text = []

    def handle_data(self, data):
        self.text.append(data)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.styled.append(tag)
        if tag == "script" and "src" not in attrs:
            self.scripts.append(attrs)
        if tag == "label" and attrs.get("for"):
            self.labels.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            self.controls.append(attrs)
        if tag == "button":
            self.buttons.append(attrs)


def test_the_workspace_works_with_the_keyboard_and_speaks_plainly(client, bombing):
    toll_claim(bombing)
    document = kunduz()
    body = page(client, document)
    workspace = body[body.index('id="content-main"') :]
    parser = _Controls()
    parser.feed(workspace)
    rows = suggestions_for(document)
    # Every visible control has a label; every decision is a real submit button.
    assert parser.controls
    assert all(c.get("id") in parser.labels for c in parser.controls), [
        c for c in parser.controls if c.get("id") not in parser.labels
    ]
    assert len([b for b in parser.buttons if b.get("type") == "submit"]) == 2 * len(rows)
    assert not parser.scripts and not parser.styled  # the CSP allows neither
    # Each mark in the text links to its suggestion and back.
    for c in rows:
        assert f'id="a-{c.fingerprint[:12]}"' in workspace
        assert f'href="#s-{c.fingerprint[:12]}"' in workspace
        assert f'href="#a-{c.fingerprint[:12]}"' in workspace
    shown = " ".join(parser.text)
    assert "at least 46 killed" in shown and "more than 140 wounded" in shown
    for developer_term in ("Characters", "at_least", "more_than", "actor #", "paraphrased"):
        assert developer_term not in shown


@pytest.mark.postgres
def test_wording_similarity_uses_trigrams_on_postgresql():
    from suggestions.services import wording_similarity

    close = ClaimFactory(text="The explosion killed at least 46 people")
    far = ClaimFactory(text="Schools reopened in Herat")
    sentence = KUNDUZ.splitlines()[2]
    scores = wording_similarity([close, far], [sentence])
    assert scores[(close.pk, sentence)] > 0.9
    assert scores[(far.pk, sentence)] < 0.3


def test_a_new_claim_on_the_hinted_event_is_checked_for_dates_too(editor, bombing):
    document = kunduz(published=datetime.date(2026, 3, 2))
    with pytest.raises(ValidationError, match="I confirm the dates"):
        accept_reviewed(
            document=document,
            candidate=candidate(document),
            candidates=suggestions_for(document, include_decided=True),
            new_claim_text="The bombing killed 46",
            by=editor,
        )
    assert not Attribution.objects.exists()


def test_an_edited_speaker_is_looked_up_among_known_actors_and_aliases(editor, bombing):
    from tests.factories import ActorAliasFactory, ActorFactory

    agency = ActorFactory(name="Bakhtar News Agency")
    ActorAliasFactory(actor=agency, name="Bakhtar")
    document = kunduz()
    attribution = accept_reviewed(
        document=document,
        candidate=candidate(document, kind="attribution"),
        candidates=suggestions_for(document, include_decided=True),
        edits={"speaker": "Bakhtar"},
        new_claim_text="Bakhtar reported the toll",
        by=editor,
    )
    assert attribution.speaker == agency
    assert Actor.objects.count() == 1


def test_twins_share_a_span_or_lie_one_within_the_other():
    from suggestions.engine import Candidate
    from suggestions.services import twins_of

    figure = Candidate(kind="figure", quote="x" * 50, start=100, end=150, measure="killed")
    same = Candidate(kind="attribution", quote="x" * 50, start=100, end=150)
    trimmed = Candidate(kind="attribution", quote="x" * 20, start=120, end=140)
    elsewhere = Candidate(kind="attribution", quote="x" * 20, start=160, end=180)
    overlapping = Candidate(kind="attribution", quote="x" * 20, start=140, end=160)
    other_figure = Candidate(kind="figure", quote="x" * 50, start=100, end=150, measure="wounded")
    candidates = [figure, same, trimmed, elsewhere, overlapping, other_figure]
    assert twins_of(figure, candidates) == [same, trimmed]
    assert twins_of(trimmed, candidates) == [figure, other_figure]


def test_an_existing_and_a_new_claim_at_once_are_refused(client, bombing):
    claim = toll_claim(bombing)
    document = kunduz()
    response = accept(
        client,
        document,
        {
            "fingerprint": candidate(document).fingerprint,
            "claim": claim.pk,
            "new_claim_text": "Another claim",
        },
    )
    assert "not both" in response.content.decode()
    assert not Attribution.objects.filter(document=document).exists()
