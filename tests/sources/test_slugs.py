"""The one slug rule: never empty for any script, never all digits, unique with a suffix."""

import pytest

from claims.models import Claim, Event, Tag
from sources.models import Actor, Outlet
from sources.slugs import base_slug
from tests.factories import AttributionFactory, ClaimFactory, DocumentFactory

pytestmark = pytest.mark.django_db


def test_base_slug_transliterates_and_never_is_empty_or_all_digits():
    assert base_slug("Ḥaqqānī network", fallback="actor", max_length=200) == "haqqani-network"
    assert base_slug("طالبان", fallback="actor", max_length=200) == "tlbn"
    assert base_slug("🙂🙂", fallback="actor", max_length=200) == "actor"
    assert base_slug("", fallback="event", max_length=200) == "event"
    assert base_slug("2021", fallback="tag", max_length=200) == "tag-2021"
    assert len(base_slug("word " * 100, fallback="claim", max_length=100)) <= 100


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (Actor, {"name": "طالبان", "kind": Actor.Kind.OTHER}),
        (Outlet, {"name": "طلوع نیوز", "kind": Outlet.Kind.OTHER}),
        (Event, {"name": "انفجار"}),
        (Claim, {"text": "طالبان"}),
        (Tag, {"name": "طالبان"}),
    ],
)
def test_arabic_name_gets_a_slug(model, fields):
    first = model.objects.create(**fields)
    # The same words with punctuation (outlet and tag names are unique themselves).
    second = model.objects.create(
        **{k: f"{v}!" if k in ("name", "text") else v for k, v in fields.items()}
    )
    assert first.slug and second.slug
    assert first.slug != second.slug
    assert second.slug == f"{first.slug}-2"


def test_colliding_slug_gets_a_suffix():
    Actor.objects.create(name="Taliban", kind=Actor.Kind.OTHER)
    actor = Actor.objects.create(name="Taliban!", kind=Actor.Kind.OTHER)
    assert actor.slug == "taliban-2"
    assert Actor.objects.create(name="TALIBAN", kind=Actor.Kind.OTHER).slug == "taliban-3"


def test_pages_linking_an_arabic_named_actor_render(client):
    actor = Actor.objects.create(name="طالبان", kind=Actor.Kind.OTHER)
    document = DocumentFactory()
    claim = ClaimFactory()
    AttributionFactory(claim=claim, document=document, speaker=actor, voice="quoted")
    for url in [actor.get_absolute_url(), claim.get_absolute_url(), document.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "طالبان" in response.content.decode()
