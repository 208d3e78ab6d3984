"""Speakers resolved against the tracker's actors and aliases (review.py)."""

import pytest

from suggestions.review import suggestions_for
from tests.factories import ActorAliasFactory, ActorFactory, DocumentFactory

pytestmark = pytest.mark.django_db


def attribution(document, words: str):
    at = document.text.index(words)
    (found,) = [
        c
        for c in suggestions_for(document)
        if c.kind == "attribution" and c.sentence_start <= at < c.sentence_end
    ]
    return found


@pytest.fixture
def isk():
    actor = ActorFactory(name="Islamic State Khorasan", slug="is-k", kind="armed_group")
    ActorAliasFactory(actor=actor, name="ISKP")
    return actor


@pytest.fixture
def mujahid():
    return ActorFactory(name="Zabihullah Mujahid", slug="zabihullah-mujahid", kind="person")


def test_a_speaker_resolves_through_an_alias(isk):
    document = DocumentFactory(text="Kunduz.\n\nISKP claimed responsibility for the attack.")
    found = attribution(document, "ISKP")
    assert (found.actor_id, found.new_actor) == (isk.pk, False)


def test_a_pronoun_resolves_to_the_actor_it_stands_for(mujahid):
    document = DocumentFactory(
        text="Taliban spokesman Zabihullah Mujahid said forces arrived. He said two were hurt."
    )
    found = attribution(document, "He said")
    assert (found.speaker_text, found.speaker, found.actor_id) == (
        "He",
        "Zabihullah Mujahid",
        mujahid.pk,
    )


def test_a_close_spelling_of_a_known_name_is_the_same_actor(mujahid):
    document = DocumentFactory(text="Zabiullah Mujahid said the attackers were being pursued.")
    assert attribution(document, "Zabiullah").actor_id == mujahid.pk


def test_an_unknown_person_in_apposition_is_proposed_with_role_and_affiliation():
    ttp = ActorFactory(name="Tehreek-e-Taliban Pakistan", slug="ttp", kind="armed_group")
    ActorAliasFactory(actor=ttp, name="TTP")
    document = DocumentFactory(
        text=(
            "The banned TTP claimed the attack. Muhammad Khurasani, the group's spokesman, said in "
            "a statement that its fighters attacked the post."
        )
    )
    found = attribution(document, "Muhammad Khurasani")
    assert (found.actor_id, found.new_actor) == (None, True)
    assert (found.speaker, found.speaker_role, found.speaker_affiliation, found.affiliation_id) == (
        "Muhammad Khurasani",
        "spokesman",
        "TTP",
        ttp.pk,
    )


def test_an_unknown_spokesman_is_not_taken_for_his_group():
    taliban = ActorFactory(name="Taliban", slug="taliban", kind="armed_group")
    document = DocumentFactory(
        text="Taliban spokesman Suhail Shaheen told the AP there was no deal."
    )
    found = attribution(document, "Suhail Shaheen")
    assert (found.speaker, found.actor_id, found.new_actor) == ("Suhail Shaheen", None, True)
    assert (found.speaker_role, found.affiliation_id) == ("spokesman", taliban.pk)


def test_an_organisation_named_by_description_and_abbreviation_resolves(isk):
    document = DocumentFactory(
        text="The Islamic State Khorasan Province (ISKP) has claimed responsibility for it."
    )
    assert attribution(document, "ISKP").actor_id == isk.pk


@pytest.mark.parametrize(
    "text",
    ["Officials said the toll was 20.", "Afghan officials said at least 60 were killed."],
)
def test_a_generic_noun_is_an_unnamed_source_never_an_actor(text):
    ActorFactory(name="Officials", slug="officials")
    ActorFactory(name="Afghan", slug="afghan")
    found = attribution(DocumentFactory(text=text), "said")
    assert (found.voice, found.actor_id, found.new_actor) == ("unnamed", None, False)


def test_an_unresolved_pronoun_proposes_no_actor():
    document = DocumentFactory(text='A police officer said it was calm. "We are ready," he said.')
    found = attribution(document, "he said")
    assert (found.speaker, found.voice, found.actor_id, found.new_actor) == (
        "he",
        "unnamed",
        None,
        False,
    )
