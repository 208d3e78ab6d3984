"""The outcomes SPEC.md lists for the seed corpus, checked on one load shared by the module."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings

from claims.models import Attribution, Claim, Figure
from sources.models import Actor, Document

SEEDS = Path(settings.BASE_DIR) / "seeds"

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(seeded_module):
    """The seed corpus, loaded once for this module (see tests/conftest.py)."""


@pytest.fixture
def curation():
    return yaml.safe_load((SEEDS / "curation.yaml").read_text(encoding="utf-8"))


def test_every_quote_is_the_documents_exact_characters(seeded, curation):
    by_file = {
        d["file"]: (SEEDS / d["file"]).read_text(encoding="utf-8") for d in curation["documents"]
    }
    for claim in curation["claims"]:
        for att in claim.get("attributions") or []:
            assert att["quote"] in by_file[att["document"]], att["quote"]
    for attribution in Attribution.objects.select_related("document"):
        text = attribution.document.text
        assert text[attribution.quote_start : attribution.quote_end] == attribution.quote


def test_unknown_publishers_and_dates_stay_unknown(seeded):
    spun = Document.objects.get(text__contains="ISIS-Okay")
    assert spun.outlet is None
    assert spun.origin_outlet.name == "The New York Times"
    assert spun.published is None and spun.date_note
    assert (
        Document.objects.get(text__startswith=" date 2021-08-27").published.isoformat()
        == "2021-08-27"
    )


def test_kabul_airport_toll_is_contested_on_its_figures(seeded):
    claim = Claim.objects.get(slug="kabul-airport-bombing-death-toll")
    assert claim.status == "contested"
    # In words and whole people, the relay shown as a chain, the hedge spelled out.
    assert claim.status_reason == (
        "contested: the figures cannot all be right: United States government, as reported by "
        "Radio Free Europe/Radio Liberty: at least 158 killed, counting “some 170 Afghans” and "
        "“13 American soldiers”, allowing 15% either way for “some 170 Afghans”, versus the "
        "unknown publisher of “Amrullah Saleh says IS-K has links with the Taliban and Haqqani "
        "network after Kabul airport attack”: about 85 to 115 killed (“around 100 people”, "
        "allowing 15% either way)"
    )
    own = claim.attributions.get(voice="own")
    assert "around 100 people" in own.quote
    assert own.document.text.startswith(" date 2021-08-27")
    [around] = own.figures.all()
    assert (around.qualifier, around.value, around.population) == ("approximately", 100, "total")
    us = claim.attributions.get(speaker__slug="united-states-government")
    assert (us.voice, us.via.slug) == ("paraphrased", "rferl")
    assert us.origin()[1] == "Radio Free Europe/Radio Liberty"
    parts = {(f.population, f.qualifier, f.value) for f in us.figures.all()}
    assert parts == {("Afghans", "approximately", 170), ("US service members", "exact", 13)}


def test_kunduz_figures_are_attributed_to_state_run_bakhtar(seeded):
    figures = Figure.objects.filter(event__slug="kunduz-mosque-bombing-2021").select_related(
        "attribution__speaker__outlet"
    )
    found = {(f.measure, f.qualifier, f.value) for f in figures}
    assert {("killed", "at_least", 46), ("wounded", "more_than", 140)} <= found
    for figure in figures:
        speaker = figure.attribution.speaker
        assert speaker.slug == "bakhtar-news-agency"
        assert speaker.outlet.kind == "state_media"
        assert figure.attribution.voice == "paraphrased"


def test_isk_links_are_contested_by_the_taliban_denial(seeded):
    claim = Claim.objects.get(slug="isk-linked-to-taliban-and-haqqani")
    assert claim.text == "IS-K has links with the Taliban and the Haqqani network"
    stances = {
        (a.speaker.slug if a.speaker else None, a.voice, a.stance)
        for a in claim.attributions.select_related("speaker")
    }
    assert ("amrullah-saleh", "quoted", "supports") in stances
    assert (None, "hearsay", "supports") in stances
    assert ("taliban", "paraphrased", "refutes") in stances
    hearsay = claim.attributions.get(voice="hearsay")
    assert hearsay.quote == "IS-K is widely thought to be linked to the Haqqani network"
    assert hearsay.document.outlet.name == "Socialist Worker"
    assert claim.status == "contested"
    assert "supported by Amrullah Saleh" in claim.status_reason
    assert "refuted by Taliban" in claim.status_reason


@pytest.mark.parametrize(
    ("event", "value"),
    [
        ("crocus-city-hall-attack-2024", 133),
        ("kerman-bombings-2024", 84),
        ("bajaur-rally-bombing-2023", 43),
    ],
)
def test_seed_003_tolls_have_the_new_york_times_as_origin(seeded, event, value):
    [figure] = Figure.objects.filter(event__slug=event, measure="killed")
    assert (figure.qualifier, figure.value) == ("at_least", value)
    assert "no less than" in figure.attribution.quote
    assert figure.attribution.origin()[1] == "The New York Times"


def test_every_isk_alias_finds_the_actor(seeded):
    isk = Actor.objects.get(slug="islamic-state-khorasan-province")
    for alias in ["IS-K", "ISIS-K", "ISKP", "Daesh", "ISIS-Okay", "iskp"]:
        assert list(Actor.objects.named(alias)) == [isk], alias


def test_every_claim_of_responsibility_names_its_claimant(seeded):
    claim = Claim.objects.get(slug="isk-carried-out-kabul-airport-bombing")
    speakers = {
        (a.speaker.slug, a.voice, a.stance, a.document.outlet.name if a.document.outlet else None)
        for a in claim.attributions.select_related("speaker", "document__outlet")
    }
    assert speakers == {
        ("islamic-state-khorasan-province", "paraphrased", "supports", "Socialist Worker"),
        ("islamic-state", "paraphrased", "supports", None),
    }


def test_saleh_all_together_stands_against_the_taliban_denunciation(seeded):
    claim = Claim.objects.get(slug="taliban-party-to-kabul-airport-bombing")
    stances = {(a.speaker.slug, a.stance) for a in claim.attributions.select_related("speaker")}
    assert stances == {("amrullah-saleh", "supports"), ("taliban", "refutes")}
    assert claim.status == "contested"


@pytest.mark.parametrize(
    "slug",
    [
        "taliban-distanced-from-islamic-state",
        "taliban-seek-economic-ties-with-china",
        "russia-and-china-warmed-to-taliban-government",
    ],
)
def test_taliban_distancing_and_rapprochement_are_curated(seeded, slug):
    assert Claim.objects.get(slug=slug).attributions.exists()


def test_raab_telephone_dispute_is_contested(seeded):
    claim = Claim.objects.get(slug="raab-made-no-calls-to-afghan-or-pakistani-ministers")
    stances = {(a.speaker.slug, a.stance) for a in claim.attributions.select_related("speaker")}
    assert stances == {
        ("pakistan-government", "supports"),
        ("united-kingdom-government", "questions"),
    }
    assert claim.status == "contested"


def test_a_relayed_toll_is_dated_by_the_day_it_counts_not_the_relaying_article(seeded):
    relayed = Figure.objects.filter(
        event__slug="kabul-airport-bombing-2021", attribution__document__published__year=2023
    )
    assert {f.as_of.isoformat() for f in relayed} == {"2021-08-26"}


def test_the_2025_syria_teaser_is_dated_march_2025_not_by_its_2023_page(seeded):
    [toll] = Figure.objects.filter(event__slug="syria-clashes-2025")
    assert (toll.as_of.isoformat(), toll.as_of_precision) == ("2025-03-01", "month")
    assert toll.event.date_display == "March 2025"


def test_the_same_relative_clause_toll_is_read_the_same_way_in_both_seeds(seeded):
    crocus = Figure.objects.get(event__slug="crocus-city-hall-attack-2024", measure="killed")
    assert crocus.attribution.speaker.slug == "united-states-government"
    assert crocus.attribution.origin()[1] == "The New York Times"


def test_no_public_text_carries_editors_notes_or_placeholders(seeded):
    from claims.models import Event
    from sources.models import Outlet

    texts = [c.text for c in Claim.objects.all()]
    texts += [a.description for a in Actor.objects.all()]
    texts += [e.description for e in Event.objects.all()]
    texts += [o.notes for o in Outlet.objects.all()]
    texts += [d.notes + d.date_note for d in Document.objects.all()]
    assert not [t for t in texts if "seed 0" in t.lower()]
    assert not [t for t in texts if " N " in f" {t} "]
