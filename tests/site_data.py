"""A small published corpus modelled on SPEC.md's seed outcomes, built through the write services so
quote anchoring and status derivation run as in production. Used by the page and browser tests."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from claims import services
from claims.models import Attribution, Claim, Event, Figure
from sources.models import Actor, ActorAlias, Document, Outlet

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _attribution(**fields) -> Attribution:
    return services.save_attribution(attribution=Attribution(**fields))


def _figure(**fields) -> Figure:
    return services.save_figure(figure=Figure(**fields))


def seed_text(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


@dataclass
class Site:
    kabul: Event
    kunduz: Event
    toll: Claim
    links: Claim
    kunduz_toll: Claim
    draft: Claim
    isk: Actor
    saleh: Actor
    taliban: Actor
    rferl: Outlet
    doc_000: Document
    doc_001: Document
    doc_002: Document
    doc_004: Document
    saleh_quote: Attribution


def build_site() -> Site:
    rferl = Outlet.objects.create(
        name="Radio Free Europe/Radio Liberty", slug="rferl", kind=Outlet.Kind.BROADCASTER
    )
    asian_lite = Outlet.objects.create(
        name="Asian Lite News", slug="asian-lite-news", kind=Outlet.Kind.NEWSPAPER
    )
    socialist_worker = Outlet.objects.create(
        name="Socialist Worker", slug="socialist-worker", kind=Outlet.Kind.NEWSPAPER
    )
    bakhtar_outlet = Outlet.objects.create(
        name="Bakhtar News Agency",
        slug="bakhtar",
        kind=Outlet.Kind.STATE_MEDIA,
        notes="state-run",
    )
    conversation = Outlet.objects.create(
        name="The Conversation", slug="the-conversation", kind=Outlet.Kind.MAGAZINE
    )

    isk = Actor.objects.create(
        name="Islamic State Khorasan Province", slug="is-k", kind=Actor.Kind.ARMED_GROUP
    )
    for alias in ("IS-K", "ISIS-K", "ISKP", "Daesh"):
        ActorAlias.objects.create(actor=isk, name=alias)
    taliban = Actor.objects.create(name="Taliban", slug="taliban", kind=Actor.Kind.ARMED_GROUP)
    Actor.objects.create(
        name="Suhail Shaheen", slug="suhail-shaheen", kind=Actor.Kind.PERSON, affiliation=taliban
    )
    saleh = Actor.objects.create(
        name="Amrullah Saleh", slug="amrullah-saleh", kind=Actor.Kind.PERSON
    )
    us = Actor.objects.create(
        name="United States government", slug="us-government", kind=Actor.Kind.GOVERNMENT
    )
    bakhtar = Actor.objects.create(
        name="Bakhtar News Agency",
        slug="bakhtar-news-agency",
        kind=Actor.Kind.MEDIA,
        outlet=bakhtar_outlet,
    )

    doc_000 = Document.objects.create(
        title="Taliban distance themselves from IS-K",
        outlet=None,
        published=date(2021, 8, 27),
        text=seed_text("000"),
    )
    doc_001 = Document.objects.create(
        title="Taliban seek to prove legitimacy through anti-IS campaign",
        outlet=asian_lite,
        published=date(2023, 4, 29),
        text=seed_text("001"),
    )
    doc_002 = Document.objects.create(
        title="IS-K and the Taliban",
        outlet=conversation,
        published=date(2021, 10, 10),
        text=seed_text("002"),
    )
    doc_004 = Document.objects.create(
        title="Kabul bombing",
        outlet=socialist_worker,
        published=date(2021, 8, 31),
        text=seed_text("004"),
    )

    kabul = Event.objects.create(
        name="Kabul airport bombing", slug="kabul-airport-bombing-2021", date=date(2021, 8, 26)
    )
    kunduz = Event.objects.create(
        name="Kunduz mosque bombing", slug="kunduz-mosque-bombing-2021", date=date(2021, 10, 8)
    )

    published = Claim.Publication.PUBLISHED
    toll = Claim.objects.create(
        text="The Kabul airport bombing killed N people",
        slug="kabul-airport-bombing-death-toll",
        event=kabul,
        publication=published,
    )
    own = _attribution(
        claim=toll,
        document=doc_000,
        voice=Attribution.Voice.OWN,
        stance=Attribution.Stance.SUPPORTS,
        quote="the massacre that took the lives of around 100 people",
    )
    _figure(
        attribution=own,
        measure=Figure.Measure.KILLED,
        qualifier=Figure.Qualifier.APPROXIMATELY,
        value=100,
        text="around 100 people",
    )
    relayed = _attribution(
        claim=toll,
        document=doc_001,
        speaker=us,
        via=rferl,
        voice=Attribution.Voice.PARAPHRASED,
        stance=Attribution.Stance.SUPPORTS,
        quote="killed some 170 Afghans and 13 American soldiers",
    )
    _figure(
        attribution=relayed,
        measure=Figure.Measure.KILLED,
        population="Afghans",
        qualifier=Figure.Qualifier.APPROXIMATELY,
        value=170,
        text="some 170 Afghans",
    )
    _figure(
        attribution=relayed,
        measure=Figure.Measure.KILLED,
        population="US service members",
        qualifier=Figure.Qualifier.EXACT,
        value=13,
        text="13 American soldiers",
    )

    links = Claim.objects.create(
        text="IS-K has links with the Taliban and the Haqqani network",
        slug="isk-linked-to-taliban-and-haqqani",
        publication=published,
    )
    saleh_quote = _attribution(
        claim=links,
        document=doc_000,
        speaker=saleh,
        voice=Attribution.Voice.QUOTED,
        stance=Attribution.Stance.SUPPORTS,
        stated_on=date(2021, 8, 27),
        quote="Every evidence we have in hand shows that IS-K cells have their roots in Talibs "
        "& Haqqani network",
    )
    _attribution(
        claim=links,
        document=doc_004,
        voice=Attribution.Voice.HEARSAY,
        stance=Attribution.Stance.SUPPORTS,
        quote="IS-K is widely thought to be linked to the Haqqani network",
    )
    _attribution(
        claim=links,
        document=doc_000,
        speaker=taliban,
        voice=Attribution.Voice.PARAPHRASED,
        stance=Attribution.Stance.REFUTES,
        quote="Talibs denying links with ISIS",
    )

    kunduz_toll = Claim.objects.create(
        text="The Kunduz mosque bombing killed at least 46 people and wounded more than 140",
        slug="kunduz-mosque-bombing-toll",
        event=kunduz,
        publication=published,
    )
    state = _attribution(
        claim=kunduz_toll,
        document=doc_002,
        speaker=bakhtar,
        voice=Attribution.Voice.PARAPHRASED,
        stance=Attribution.Stance.SUPPORTS,
        quote="the explosion killed at least 46 people and wounded more than 140",
    )
    _figure(
        attribution=state,
        measure=Figure.Measure.KILLED,
        qualifier=Figure.Qualifier.AT_LEAST,
        value=46,
        text="at least 46 people",
    )
    _figure(
        attribution=state,
        measure=Figure.Measure.WOUNDED,
        qualifier=Figure.Qualifier.MORE_THAN,
        value=140,
        text="more than 140",
    )

    draft = Claim.objects.create(
        text="IS-K carried out the Kunduz mosque bombing (draft)",
        slug="isk-kunduz-draft",
        event=kunduz,
        publication=Claim.Publication.DRAFT,
    )
    _attribution(
        claim=draft,
        document=doc_002,
        voice=Attribution.Voice.OWN,
        stance=Attribution.Stance.SUPPORTS,
        quote="a suicide bomber exploded a vest bomb inside of a Shia mosque in Kunduz",
    )
    # The corpus stands for published, reviewed evidence: approved with its claims, as the
    # publish transition and a seed load of new claims do (claims.services.approve_with_claims).
    services.approve_with_claims(claim_ids=[toll.pk, links.pk, kunduz_toll.pk], by=None)
    for claim in (toll, links, kunduz_toll, draft):
        claim.refresh_from_db()
    return Site(
        kabul=kabul,
        kunduz=kunduz,
        toll=toll,
        links=links,
        kunduz_toll=kunduz_toll,
        draft=draft,
        isk=isk,
        saleh=saleh,
        taliban=taliban,
        rferl=rferl,
        doc_000=doc_000,
        doc_001=doc_001,
        doc_002=doc_002,
        doc_004=doc_004,
        saleh_quote=saleh_quote,
    )
