"""factory-boy factories for every curated model. Quotes are always taken from the text."""

import factory
from django.contrib.auth import get_user_model

from claims import services
from claims.models import Attribution, Claim, Event, Figure, Tag
from sources.models import Actor, ActorAlias, Document, Outlet

DEFAULT_TEXT = (
    "On Friday a bomb exploded near the gate, killing at least 46 people, officials said. "
    "The group denied any link with the attackers. Around 100 people were wounded."
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class OutletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outlet

    name = factory.Sequence(lambda n: f"Outlet {n}")
    slug = factory.Sequence(lambda n: f"outlet-{n}")
    kind = Outlet.Kind.NEWSPAPER


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    title = factory.Sequence(lambda n: f"Report {n}")
    outlet = factory.SubFactory(OutletFactory)
    published = factory.Faker("date_between", start_date="-3y", end_date="-1y")
    # Unique text per document: the content hash is unique.
    text = factory.Sequence(lambda n: f"{DEFAULT_TEXT} (Report {n}.)")


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Actor {n}")
    slug = factory.Sequence(lambda n: f"actor-{n}")
    kind = Actor.Kind.PERSON


class ActorAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActorAlias

    actor = factory.SubFactory(ActorFactory)
    name = factory.Sequence(lambda n: f"Alias {n}")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    name = factory.Sequence(lambda n: f"Bombing {n}")
    slug = factory.Sequence(lambda n: f"bombing-{n}")
    date = factory.Faker("date_between", start_date="-4y", end_date="-3y")
    place = "Kabul"


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"tag-{n}")
    slug = factory.LazyAttribute(lambda t: t.name)


def _as_reviewed(obj, review: str, claim_id: int):
    """Evidence in the review state a test asks for: by default evidence a reviewer already
    approved, as ClaimFactory's claims stand for claims already published (the review itself is
    tested through claims.services.approve_evidence in tests/claims/test_review.py)."""
    if obj.review != review:
        type(obj).objects.filter(pk=obj.pk).update(review=review)
        # Its history as if it had been entered so (history tells review steps in words).
        type(obj).history.filter(id=obj.pk).update(review=review)
        obj.review = review
        services.refresh_claims([claim_id])
    return obj


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    text = factory.Sequence(lambda n: f"The bombing {n} killed N people")
    slug = factory.Sequence(lambda n: f"claim-{n}")
    event = factory.SubFactory(EventFactory)
    publication = Claim.Publication.PUBLISHED


class AttributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attribution

    claim = factory.SubFactory(ClaimFactory)
    document = factory.SubFactory(DocumentFactory)
    speaker = None
    voice = Attribution.Voice.OWN
    stance = Attribution.Stance.SUPPORTS
    quote = "killing at least 46 people"

    review = Attribution.Review.APPROVED

    @classmethod
    def _create(cls, model_class, *args, review, **kwargs):
        # Through the write service, as every writer: it refreshes the claim's status.
        obj = services.save_attribution(attribution=model_class(*args, **kwargs))
        return _as_reviewed(obj, review, obj.claim_id)


class FigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Figure

    attribution = factory.SubFactory(AttributionFactory)
    event = factory.LazyAttribute(lambda f: f.attribution.claim.event)
    measure = Figure.Measure.KILLED
    population = "total"
    qualifier = Figure.Qualifier.AT_LEAST
    value = 46
    text = "at least 46 people"

    review = Figure.Review.APPROVED

    @classmethod
    def _create(cls, model_class, *args, review, **kwargs):
        obj = services.save_figure(figure=model_class(*args, **kwargs))
        return _as_reviewed(obj, review, obj.attribution.claim_id)
