"""One evidence module: the status reason, the claim page and the API name speakers and origins
alike, because they all call claims.evidence."""

import html
import re

import pytest

from claims import evidence, intervals, status
from claims.models import Attribution, Claim, Figure
from tests.factories import ActorFactory, AttributionFactory, DocumentFactory, OutletFactory

VOICES = "|".join(status.VOICE_WORDS.values())
DATE = r"(?:\d{4}-\d\d-\d\d|undated)"


@pytest.mark.django_db
def test_seed_claims_name_the_same_speakers_and_origins_everywhere(seeded_module, client):
    named = 0
    claims = list(Claim.objects.published().order_by("pk"))
    assert len(claims) >= 10
    for claim in claims:
        stances = client.get(f"/api/v1/claims/{claim.pk}/stances/").json()
        entries = [e for stance in ("supports", "refutes", "questions", "neutral")
                   for e in stances[stance]]  # fmt: skip
        page = html.unescape(client.get(claim.get_absolute_url()).content.decode())
        reason = claim.status_reason
        assert stances["status_reason"] == reason
        # The stored reason is what the evidence module derives now.
        assert evidence.derive([claim.pk])[claim.pk] == (claim.status, reason)
        for entry in entries:
            # The page shows every speaker and origin by the label the API gives.
            assert entry["speaker_label"] in page, (claim.slug, entry["speaker_label"])
            assert entry["origin"]["label"] in page, (claim.slug, entry["origin"]["label"])
        # Every speaker the reason names is named by the API's label: take out every
        # “label (voice, date)” the API gives; no other “(voice, date)” may remain.
        rest = reason
        for entry in entries:
            voice = status.VOICE_WORDS.get(entry["voice"])
            when = entry["date"] or "undated"
            said = f"{entry['speaker_label']} ({f'{voice}, ' if voice else ''}{when})"
            named += said in rest
            rest = rest.replace(said, "")
        assert not re.search(rf"\((?:(?:{VOICES}), )?{DATE}\)", rest), (
            claim.slug,
            rest,
        )
        # Origins named by the reason are origins the API gives.
        origins = {e["origin"]["label"] for e in entries}
        if claim.status == "reported":
            only = re.search(r"stated as fact by (.+) only$", reason).group(1)
            assert only in origins
        if claim.status == "corroborated":
            listed = re.search(r"independent outlets \((.+)\)$", reason).group(1)
            for label in sorted(origins, key=len, reverse=True):
                listed = listed.replace(label, "")
            assert re.fullmatch(r"(?:, | and )*", listed), (claim.slug, listed)
    assert named >= 10  # the check above compared real speakers, not nothing


@pytest.mark.django_db
def test_unnamed_voices_are_named_with_their_origin(client):
    outlet = OutletFactory(name="Wire Q")
    document = DocumentFactory(outlet=outlet)
    hearsay = AttributionFactory(document=document, voice="hearsay", stance="supports")
    unnamed = AttributionFactory(
        claim=hearsay.claim,
        document=document,
        voice="unnamed",
        quote="The group denied any link with the attackers",
    )
    described = AttributionFactory(
        claim=hearsay.claim,
        document=document,
        voice="unnamed",
        speaker_description="a senior official",
        quote="Around 100 people were wounded",
    )
    own = AttributionFactory(claim=hearsay.claim, document=document, quote="near the gate")
    named = AttributionFactory(
        claim=hearsay.claim,
        document=document,
        voice="quoted",
        speaker=ActorFactory(name="Amrullah Saleh"),
        quote="a bomb exploded",
    )
    labels = {
        a.pk: a.speaker_label
        for a in evidence.label(
            Attribution.objects.filter(claim=hearsay.claim).select_related("speaker", "via")
        )
    }
    assert labels == {
        hearsay.pk: "hearsay reported by Wire Q",
        unnamed.pk: "an unnamed source cited by Wire Q",
        described.pk: "a senior official cited by Wire Q",
        own.pk: "Wire Q",
        named.pk: "Amrullah Saleh",
    }
    # The search page names them the same way.
    page = html.unescape(client.get("/search/?q=killing").content.decode())
    assert "— hearsay reported by Wire Q;" in page


@pytest.mark.django_db
def test_a_copy_and_a_relayed_attribution_take_their_origin():
    original = DocumentFactory(outlet=OutletFactory(name="Paper of Record"))
    copy = DocumentFactory(outlet=OutletFactory(name="Aggregator"), derived_from=original)
    relayed = AttributionFactory(
        document=copy, voice="unnamed", via=OutletFactory(name="Relay Radio")
    )
    copied = AttributionFactory(claim=relayed.claim, document=copy, quote="near the gate")
    origins = evidence.attribution_origins(
        Attribution.objects.filter(claim=relayed.claim).select_related("via")
    )
    assert origins[relayed.pk][1] == "Relay Radio"
    assert origins[copied.pk] == (("outlet", original.outlet_id), "Paper of Record")
    assert copied.origin() == origins[copied.pk]


@pytest.mark.django_db
def test_a_relayed_speaker_reads_as_a_chain_everywhere(client):
    """“The Taliban, as reported by Relay Radio”: on the claim page, in the API and the reason."""
    relayed = AttributionFactory(
        document=DocumentFactory(outlet=None, title="A copy"),
        voice="paraphrased",
        speaker=ActorFactory(name="the Taliban"),
        via=OutletFactory(name="Relay Radio"),
        stance="supports",
        stated_on=None,
    )
    chain = "the Taliban, as reported by Relay Radio"
    [labelled] = evidence.label(
        Attribution.objects.filter(pk=relayed.pk).select_related("speaker", "via")
    )
    assert labelled.speaker_label == chain
    status_, reason = evidence.derive([relayed.claim_id])[relayed.claim_id]
    assert status_ == "attributed" and f"{chain} (paraphrased, " in reason


@pytest.mark.django_db
def test_the_claim_page_names_an_own_voice_once_and_an_unknown_publisher_in_words(client):
    own = AttributionFactory(document=DocumentFactory(outlet=None, title="A copy"), voice="own")
    page = html.unescape(client.get(own.claim.get_absolute_url()).content.decode())
    assert "(own voice)" not in page
    assert "a copy whose publisher is unknown" in page
    assert "in an unknown publisher" not in page


@pytest.mark.django_db
def test_the_status_rules_read_the_same_evidence_from_plain_rows_as_from_model_rows(
    seeded_module,
):
    """gather() reads narrow rows (no model instances) for speed; what it hands the status rules
    is what the model-level functions (origin, speaker label, source key, date said) give."""
    claims = list(Claim.objects.order_by("pk").values_list("pk", flat=True))
    gathered = evidence.gather(claims)
    attributions = list(
        Attribution.objects.filter(claim_id__in=claims)
        .select_related("speaker", "via", "document")
        .order_by("pk")
    )
    assert attributions
    origins = evidence.attribution_origins(attributions)
    figures = {f.pk: f.fact() for f in Figure.objects.filter(attribution__claim_id__in=claims)}
    for a in attributions:
        origin_key, origin_label = origins[a.pk]
        expected = status.Evidence(
            attribution_id=a.pk,
            source_key=evidence.source_key(a, origin_key),
            speaker_label=evidence.speaker_label(a, origin_label),
            origin_key=origin_key,
            origin_label=origin_label,
            voice=a.voice,
            stance=a.stance,
            on=a.stated_on or a.document.published,
        )
        [found] = [e for e in gathered[a.claim_id][0] if e.attribution_id == a.pk]
        assert found == expected
    divergent = {i for _, (_, f) in gathered.items() for d in f.divergences
                 for est in (d.a, d.b) for i in est.figure_ids}  # fmt: skip
    assert divergent <= figures.keys()
    claim_of = {a.pk: a.claim_id for a in attributions}
    for claim_id, (_, found) in gathered.items():
        facts = [f for f in figures.values() if claim_of[f.attribution_id] == claim_id]
        assert found.count == intervals.find_divergences(facts).total
