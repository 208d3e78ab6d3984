from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from claims import services
from claims.models import Attribution, Claim, Figure
from claims.services import save_document
from tests.factories import (
    ActorAliasFactory,
    ActorFactory,
    AttributionFactory,
    ClaimFactory,
    DocumentFactory,
    FigureFactory,
    OutletFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def status_of(claim):
    claim.refresh_from_db()
    return claim.status


def approve(*claims) -> None:
    """A reviewer approves every pending change to the claims' evidence (on a published claim
    the write services only propose; tests/claims/test_review.py covers the review itself)."""
    attributions, figures = services.pending_evidence([c.pk for c in claims])
    services.approve_evidence(items=[*attributions, *figures], by=UserFactory(is_superuser=True))


# Quote anchoring


def test_saving_an_attribution_stores_the_quote_offsets():
    attribution = AttributionFactory(quote="killing at least 46 people")
    text = attribution.document.text
    assert text[attribution.quote_start : attribution.quote_end] == "killing at least 46 people"
    assert attribution.quote_prefix.endswith("the gate, ")


def test_curly_quotes_in_the_document_match_a_straight_quote():
    document = DocumentFactory(
        text="Shaheen said: “We are able to tackle [ISIS-K] independently,” he said."
    )
    attribution = AttributionFactory(
        document=document, quote='"We are able to tackle [ISIS-K] independently,"'
    )
    assert attribution.quote == "“We are able to tackle [ISIS-K] independently,”"


def test_quote_not_in_text_is_rejected_and_nothing_is_saved():
    document = DocumentFactory(title="Kabul report")
    with pytest.raises(ValidationError) as error:
        AttributionFactory(document=document, quote="nobody said these words at all")
    message = error.value.message_dict["quote"][0]
    assert f"document #{document.pk} “Kabul report”" in message
    assert "“nobody said these words at all”" in message
    assert not Attribution.objects.exists()


def test_repeated_phrase_is_anchored_at_the_chosen_occurrence():
    document = DocumentFactory(text="officials said it. Later, officials said it again.")
    second = AttributionFactory(document=document, quote="officials said it", occurrence=2)
    assert second.quote_start == document.text.rindex("officials said it")


def test_repeated_phrase_without_occurrence_is_a_validation_error():
    document = DocumentFactory(text="He said no. She said no.")
    with pytest.raises(ValidationError, match="occurs 2 times"):
        AttributionFactory(document=document, quote="said no")


def test_database_refuses_offsets_that_do_not_span_the_quote():
    attribution = AttributionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Attribution.objects.filter(pk=attribution.pk).update(quote_end=attribution.quote_start + 1)


def test_statement_date_after_document_date_is_rejected():
    document = DocumentFactory(published=date(2021, 8, 27))
    attribution = Attribution(
        claim=ClaimFactory(),
        document=document,
        voice="own",
        stance="supports",
        quote="killing at least 46 people",
        stated_on=date(2021, 8, 28),
    )
    with pytest.raises(ValidationError) as error:
        attribution.full_clean()
    assert "after the document's date 2021-08-27" in error.value.message_dict["stated_on"][0]


def test_quoted_voice_needs_a_speaker_and_own_voice_has_none():
    attribution = Attribution(
        claim=ClaimFactory(),
        document=DocumentFactory(),
        voice="quoted",
        stance="supports",
        quote="killing at least 46 people",
    )
    with pytest.raises(ValidationError) as error:
        attribution.full_clean()
    assert "needs the speaker" in error.value.message_dict["speaker"][0]
    attribution.voice, attribution.speaker = "own", ActorFactory()
    with pytest.raises(ValidationError, match="Leave the speaker empty"):
        attribution.full_clean()


def test_editing_the_document_text_reanchors_quotes_or_refuses():
    attribution = AttributionFactory(quote="killing at least 46 people")
    document = attribution.document
    document.text = "Preface. " + document.text
    save_document(document=document)
    attribution.refresh_from_db()
    assert attribution.quote_start == document.text.index("killing at least 46 people")
    document.text = "A different text entirely."
    with pytest.raises(ValidationError):
        document.full_clean()


# Figures


def test_figure_stores_its_interval():
    figure = FigureFactory(qualifier="approximately", value=100)
    assert (figure.low, figure.high) == (85, pytest.approx(115))
    open_ended = FigureFactory(qualifier="more_than", value=140)
    assert (open_ended.low, open_ended.high) == (141, None)


def test_reversed_range_is_a_validation_error():
    figure = FigureFactory.build(
        attribution=AttributionFactory(), qualifier="range", value=1000, value_high=800
    )
    figure.event = figure.attribution.claim.event
    with pytest.raises(ValidationError) as error:
        figure.full_clean()
    assert "below the low end" in error.value.message_dict["value_high"][0]


def test_database_refuses_low_above_high():
    figure = FigureFactory(qualifier="exact", value=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Figure.objects.filter(pk=figure.pk).update(low=10, high=5)


def test_a_published_figure_cannot_be_superseded_by_a_draft_figure():
    document = DocumentFactory()
    published = AttributionFactory(document=document, claim=ClaimFactory())
    draft = AttributionFactory(document=document, claim=ClaimFactory(publication="draft"))
    earlier = FigureFactory(attribution=published, qualifier="exact", value=10)
    later = FigureFactory(
        attribution=draft, event=earlier.event, measure=earlier.measure, qualifier="exact", value=12
    )
    earlier.superseded_by = later
    # One rule in Figure.clean(), so the admin and the API refuse it alike.
    with pytest.raises(ValidationError) as error:
        earlier.full_clean()
    assert "publish that claim first" in error.value.message_dict["superseded_by"][0]


def test_figure_event_defaults_to_the_claims_event():
    figure = FigureFactory(event=None)
    assert figure.event == figure.attribution.claim.event


# Origins and independence


def test_origin_follows_derived_from_to_the_root_publisher():
    original = DocumentFactory()
    copy = DocumentFactory(derived_from=original)
    copy_of_copy = DocumentFactory(derived_from=copy)
    assert copy_of_copy.origin() == (("outlet", original.outlet_id), original.outlet.name)


def test_origin_outlet_stands_for_an_unstored_original():
    nyt = OutletFactory(name="The New York Times")
    spun = DocumentFactory(outlet=None, origin_outlet=nyt)
    assert spun.origin() == (("outlet", nyt.pk), "The New York Times")


def test_unknown_publisher_is_its_own_origin():
    document = DocumentFactory(outlet=None, title="Untitled copy")
    assert document.origin() == (
        ("document", document.pk),
        "the unknown publisher of “Untitled copy”",
    )


def test_via_outlet_is_preferred_as_origin():
    rferl = OutletFactory(name="RFE/RL")
    attribution = AttributionFactory(via=rferl, speaker=ActorFactory(), voice="paraphrased")
    assert attribution.origin() == (("outlet", rferl.pk), "RFE/RL")


def test_repeats_of_one_origin_do_not_corroborate():
    claim = ClaimFactory()
    original = DocumentFactory()
    AttributionFactory(claim=claim, document=original)
    AttributionFactory(claim=claim, document=DocumentFactory(derived_from=original))
    assert status_of(claim) == "reported"
    AttributionFactory(claim=claim, document=DocumentFactory())
    assert status_of(claim) == "corroborated"


def test_changing_derived_from_refreshes_the_claims_it_cites():
    claim = ClaimFactory()
    first, second = DocumentFactory(), DocumentFactory()
    AttributionFactory(claim=claim, document=first)
    AttributionFactory(claim=claim, document=second)
    assert status_of(claim) == "corroborated"
    second.derived_from = first
    save_document(document=second)
    assert status_of(claim) == "reported"


# Status transitions


def test_status_follows_attributions_added_edited_and_deleted():
    claim = ClaimFactory()
    assert status_of(claim) == "unsupported"
    saleh, taliban = ActorFactory(name="Amrullah Saleh"), ActorFactory(name="Taliban")
    support = AttributionFactory(claim=claim, speaker=saleh, voice="quoted")
    assert status_of(claim) == "attributed"
    denial = AttributionFactory(
        claim=claim,
        speaker=taliban,
        voice="paraphrased",
        stance="refutes",
        quote="The group denied any link with the attackers",
    )
    assert status_of(claim) == "contested"
    assert claim.status_reason.startswith("contested: supported by Amrullah Saleh (quoted")
    assert "refuted by Taliban (paraphrased" in claim.status_reason
    denial.stance = "neutral"
    services.save_attribution(attribution=denial)
    assert status_of(claim) == "contested"  # the edit waits for review
    approve(claim)
    assert status_of(claim) == "attributed"
    services.delete_attribution(attribution=support)
    approve(claim)
    assert status_of(claim) == "unsupported"


def test_bulk_delete_refreshes_status():
    claim = ClaimFactory()
    AttributionFactory(claim=claim)
    assert status_of(claim) == "reported"
    services.delete_attributions(attributions=Attribution.objects.filter(claim=claim))
    assert status_of(claim) == "reported"  # the deletion waits for review
    approve(claim)
    assert status_of(claim) == "unsupported"


def test_saving_a_model_touches_only_its_own_row():
    claim = ClaimFactory()
    attribution = AttributionFactory(claim=claim)
    attribution.stance = Attribution.Stance.REFUTES
    attribution.save()  # not through the service: the claim's status is not the model's business
    assert status_of(claim) == "reported"
    services.refresh_status(claim)
    assert status_of(claim) == "unsupported"


def test_moving_an_attribution_refreshes_both_claims():
    old, new = ClaimFactory(), ClaimFactory()
    attribution = AttributionFactory(claim=old)
    attribution.claim = new
    services.save_attribution(attribution=attribution)
    approve(old)
    assert (status_of(old), status_of(new)) == ("unsupported", "reported")


def test_diverging_figures_contest_a_claim_and_superseding_settles_it():
    claim = ClaimFactory()
    first = FigureFactory(
        attribution=AttributionFactory(claim=claim),
        qualifier="approximately",
        value=100,
    )
    assert status_of(claim) == "reported"
    later_doc = DocumentFactory(outlet=first.attribution.document.outlet)
    update = FigureFactory(
        attribution=AttributionFactory(claim=claim, document=later_doc),
        qualifier="at_least",
        value=160,
    )
    assert status_of(claim) == "contested"
    assert "the figures cannot all be right" in claim.status_reason
    first.superseded_by = update
    first.full_clean()
    services.save_figure(figure=first)
    approve(claim)
    assert status_of(claim) == "reported"
    services.delete_figures(figures=Figure.objects.filter(pk=update.pk))
    approve(claim)
    assert status_of(claim) == "reported"


def test_superseding_figure_must_share_the_origin():
    claim = ClaimFactory()
    first = FigureFactory(attribution=AttributionFactory(claim=claim))
    other = FigureFactory(attribution=AttributionFactory(claim=claim))  # another outlet
    first.superseded_by = other
    with pytest.raises(ValidationError, match="same origin"):
        first.full_clean()


def test_refresh_does_not_bump_the_version():
    claim = ClaimFactory()
    version = Claim.objects.get(pk=claim.pk).version
    AttributionFactory(claim=claim)
    assert Claim.objects.get(pk=claim.pk).version == version


# Actors and aliases


def test_actor_is_found_by_any_alias_ignoring_case():
    isk = ActorFactory(name="Islamic State Khorasan Province")
    for alias in ["IS-K", "ISIS-K", "ISKP", "Daesh", "ISIS-Okay"]:
        ActorAliasFactory(actor=isk, name=alias)
    for name in ["isis-k", "ISKP", "daesh", "Isis-okay", "islamic state khorasan province"]:
        assert list(Actor.objects.named(name)) == [isk]


def test_an_alias_names_one_actor_only():
    ActorAliasFactory(name="IS-K")
    alias = ActorAliasFactory.build(actor=ActorFactory(), name="is-k")
    with pytest.raises(ValidationError, match="already names"):
        alias.full_clean()


from sources.models import Actor  # noqa: E402
