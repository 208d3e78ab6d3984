"""A deterministic synthetic corpus at newsroom scale, for benchmarks (`manage.py generate_corpus`).

Everything is generated in memory first from one seeded random generator, as plain tuples: the
documents' texts are built sentence by sentence so every quote is an exact slice of its text with
offsets we computed ourselves. The rows are then written with `bulk_create` in batches, and every
claim's status is derived by the bulk refresh service (`claims.services.refresh_claims`), the same
evidence and status code every other writer goes through.

`bulk_create` bypasses django-simple-history: synthetic data has no edit history, on purpose.
"""

import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction

from claims import feed, intervals, services, status
from claims.models import Attribution, Claim, Event, Figure
from sources.models import Actor, ActorAlias, Document, Outlet, content_hash

SEED = 20211008
BATCH = 2000
SLUG_PREFIX = "syn"

# Row counts at --scale 1 (issue 7).
FULL = {
    "outlets": 2_000,
    "actors": 5_000,
    "events": 2_000,
    "documents": 20_000,
    "claims": 100_000,
    "attributions": 400_000,
    "figures": 150_000,
}
# Hot spots at scale >= 0.1, shrunk (with a floor) below that.
HOT_CLAIM_SIZES = (1_200, 1_050, 300, 120, 60)
HOT_EVENT_FIGURES = (2_600, 2_200, 2_050)

FIRST = [
    "Amina",
    "Bilal",
    "Carlos",
    "Dana",
    "Elif",
    "Farid",
    "Gul",
    "Hamid",
    "Irina",
    "Javed",
    "Karim",
    "Layla",
    "Mansoor",
    "Nadia",
    "Omar",
    "Parisa",
    "Qasim",
    "Rahim",
    "Sara",
    "Tariq",
    "Umar",
    "Vera",
    "Wahid",
    "Yasmin",
    "Zahir",
    "Anna",
    "Ben",
    "Chen",
    "Diego",
    "Eva",
]
LAST = [
    "Ahmadi",
    "Baloch",
    "Chaudhry",
    "Durrani",
    "Ershad",
    "Faizi",
    "Ghani",
    "Haqqani",
    "Ibrahimi",
    "Jalali",
    "Karzai",
    "Lodin",
    "Mohseni",
    "Nazari",
    "Osmani",
    "Popal",
    "Qaderi",
    "Rahimi",
    "Safi",
    "Tokhi",
    "Usmani",
    "Wardak",
    "Yousafzai",
    "Zadran",
    "Smith",
    "Novak",
    "Petrov",
    "Garcia",
    "Kim",
    "Okafor",
]
PLACES = [
    "Kabul",
    "Kunduz",
    "Kandahar",
    "Jalalabad",
    "Herat",
    "Mazar",
    "Peshawar",
    "Quetta",
    "Bajaur",
    "Kerman",
    "Moscow",
    "Khost",
    "Ghazni",
    "Lashkar",
    "Gardez",
    "Faizabad",
    "Bamyan",
    "Charikar",
    "Taloqan",
    "Pul-e-Khumri",
]
KINDS = ("bombing", "attack", "raid", "shelling", "ambush", "clash", "strike", "siege")
OUTLET_WORDS = [
    "Times",
    "Herald",
    "Post",
    "Tribune",
    "Courier",
    "Observer",
    "Ledger",
    "Gazette",
    "Monitor",
    "Chronicle",
    "Dispatch",
    "Review",
    "Wire",
    "Daily",
    "Bulletin",
]
VERBS = ("said", "told reporters", "claimed", "stated", "insisted", "wrote", "announced")
FILLER = (
    "Residents described scenes of panic as ambulances arrived at the scene.",
    "The security situation in the province has deteriorated in recent months.",
    "Officials did not respond to repeated requests for comment.",
    "Hospitals in the city appealed for blood donations on Saturday.",
    "Analysts say the group has expanded its operations across the border.",
    "The government promised an investigation into the security failures.",
    "Footage shared on social media could not be independently verified.",
    "Aid agencies warned that the humanitarian situation was worsening.",
)
MEASURES = ("killed", "killed", "killed", "wounded", "wounded", "missing", "attackers")
POPULATIONS = ("total",) * 8 + ("civilians", "soldiers", "Afghans", "US service members")
QUALIFIERS = (
    ("exact", 3),
    ("at_least", 4),
    ("more_than", 1),
    ("at_most", 1),
    ("fewer_than", 1),
    ("approximately", 4),
    ("range", 2),
    ("unspecified", 1),
)
VOICES = (("own", 30), ("quoted", 25), ("paraphrased", 20), ("unnamed", 15), ("hearsay", 10))
UNNAMED = ("a senior official", "a security source", "a local police officer", "a diplomat")
WORD_FLOOR = {"several": 3, "dozens": 24, "hundreds": 200}


def counts_for(scale: float) -> dict[str, int]:
    floors = {"outlets": 5, "actors": 10, "events": 5, "documents": 40, "claims": 40}
    return {k: max(floors.get(k, 1), round(v * scale)) for k, v in FULL.items()}


def _hot(sizes: tuple[int, ...], scale: float, floor: int) -> list[int]:
    shrink = min(1.0, scale * 10)
    return [max(floor, round(n * shrink)) for n in sizes]


@dataclass
class Corpus:
    """The generated rows, as light tuples and lists indexed by local position."""

    scale: float
    outlets: list[tuple] = field(default_factory=list)  # (name, kind)
    actors: list[tuple] = field(default_factory=list)  # (name, [aliases])
    events: list[tuple] = field(default_factory=list)  # (name, date, place)
    # (title, outlet idx|None, published|None, text, derived_from idx|None, origin outlet idx|None)
    documents: list[tuple] = field(default_factory=list)
    doc_sentences: list[list[tuple[int, int]]] = field(default_factory=list)
    # (text, event idx|None, publication, status, reason)
    claims: list[list] = field(default_factory=list)
    # (claim, doc, speaker|None, speaker_description, via|None, stated_on, voice, stance, start, end)
    attributions: list[tuple] = field(default_factory=list)
    # (attribution idx, event idx, measure, population, qualifier, value, value_high, text, low, high)
    figures: list[tuple] = field(default_factory=list)
    hot_events: list[int] = field(default_factory=list)
    hot_claims: list[int] = field(default_factory=list)


def _weighted(rng: random.Random, pairs) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def _rand_date(rng: random.Random, start: date = date(2019, 1, 1), days: int = 2500) -> date:
    return start + timedelta(days=rng.randrange(days))


def generate(scale: float, seed: int = SEED) -> Corpus:
    """Build the whole corpus in memory, deterministically for a given scale and seed."""
    rng = random.Random(seed)
    n = counts_for(scale)
    c = Corpus(scale=scale)

    for i in range(n["outlets"]):
        kind = _weighted(
            rng, (("newspaper", 5), ("news_agency", 2), ("broadcaster", 2), ("state_media", 1))
        )
        c.outlets.append((f"{rng.choice(PLACES)} {rng.choice(OUTLET_WORDS)} {i}", kind))

    for i in range(n["actors"]):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        # Every alias embeds the actor's number in its own pattern: unique ignoring case.
        forms = [
            f"{last} #{i}",
            f"{first[0]}. {last} ({i})",
            f"{last.upper()}-{i}",
            f"A{i}-{first}",
        ]
        c.actors.append((f"{first} {last}", forms[: rng.randint(1, 4)]))

    for i in range(n["events"]):
        place = rng.choice(PLACES)
        c.events.append((f"{place} {rng.choice(KINDS)} {i}", _rand_date(rng), place))

    _documents(c, rng, n)
    _claims(c, rng, n)
    _attributions(c, rng, n)
    _figures(c, rng, n)
    return c


def _sentence(rng: random.Random, c: Corpus) -> str:
    roll = rng.random()
    if roll < 0.35:
        actor = c.actors[rng.randrange(len(c.actors))][0]
        place = rng.choice(PLACES)
        return (
            f"“The attack in {place} was carried out by fighters loyal to the group,” {actor} "
            f"{rng.choice(VERBS)}, adding that {rng.randint(2, 400)} people had been detained."
        )
    if roll < 0.6:
        n = rng.randint(3, 900)
        return (
            f"At least {n} people were killed and {rng.randint(n, 3 * n)} wounded in the "
            f"{rng.choice(KINDS)} near {rng.choice(PLACES)}, according to {rng.choice(UNNAMED)}."
        )
    if roll < 0.75:
        return (
            f"The movement is widely thought to be linked to the network operating around "
            f"{rng.choice(PLACES)}, though its leaders deny any such ties."
        )
    return rng.choice(FILLER)


def _documents(c: Corpus, rng: random.Random, n: dict) -> None:
    for i in range(n["documents"]):
        target = rng.randint(2_000, 8_000)
        parts, spans, length = [], [], 0
        while length < target:
            sentence = _sentence(rng, c)
            if parts:
                parts.append(" ")
                length += 1
            spans.append((length, length + len(sentence)))
            parts.append(sentence)
            length += len(sentence)
        parts.append(f" (Reference SYN-{i}.)")  # content hashes are unique
        text = "".join(parts)
        outlet = None if rng.random() < 0.02 else rng.randrange(len(c.outlets))
        published = None if rng.random() < 0.03 else _rand_date(rng)
        derived = origin = None
        roll = rng.random()
        if roll < 0.05 and i > 10:
            derived = rng.randrange(i)
            while c.documents[derived][4] is not None:  # copies point at an original
                derived = rng.randrange(i)
        elif roll < 0.07:
            origin = rng.randrange(len(c.outlets))
        place = rng.choice(PLACES)
        c.documents.append(
            (
                f"{rng.choice(KINDS).title()} in {place}: report {i}",
                outlet,
                published,
                text,
                derived,
                origin,
            )
        )
        c.doc_sentences.append(spans)


def _claims(c: Corpus, rng: random.Random, n: dict) -> None:
    c.hot_events = list(range(min(len(HOT_EVENT_FIGURES), len(c.events))))
    for i in range(n["claims"]):
        roll = rng.random()
        if roll < 0.08:
            event = rng.choice(c.hot_events)
        elif roll < 0.78:
            event = rng.randrange(len(c.events))
        else:
            event = None
        publication = _weighted(rng, (("published", 80), ("in_review", 10), ("draft", 10)))
        actor = c.actors[rng.randrange(len(c.actors))][0]
        if event is not None:
            text = f"The {c.events[event][0]} killed N people (claim {i})"
        else:
            text = f"{actor} has links with the network (claim {i})"
        # Status and reason are derived from the evidence once it is written.
        c.claims.append([text, event, publication, status.UNSUPPORTED, ""])
    sizes = _hot(HOT_CLAIM_SIZES, c.scale, 55)
    c.hot_claims = list(range(len(sizes)))
    for k in c.hot_claims:
        c.claims[k][1] = c.hot_events[k % len(c.hot_events)]
        c.claims[k][2] = "published"


def _attributions(c: Corpus, rng: random.Random, n: dict) -> None:
    sizes = _hot(HOT_CLAIM_SIZES, c.scale, 55)
    budget = n["attributions"] - sum(sizes)
    mean = max(1.0, budget / max(1, len(c.claims) - len(sizes)))
    n_docs = len(c.documents)
    for k in range(len(c.claims)):
        count = sizes[k] if k < len(sizes) else min(60, int(rng.expovariate(1 / mean) + 0.5))
        # Most claims are one-sided; some draw fire from the other side.
        against_rate = 0.3 if rng.random() < 0.4 else 0.0
        used = set()
        for _ in range(count):
            for _try in range(5):
                doc = rng.randrange(n_docs)
                spans = c.doc_sentences[doc]
                start, end = spans[rng.randrange(len(spans))]
                if rng.random() < 0.5:  # a slice of the sentence, not always the whole of it
                    cut = rng.randint(0, (end - start) // 3)
                    start += cut
                key = (doc, start, end)
                if key not in used:
                    break
            else:
                continue
            used.add(key)
            voice = _weighted(rng, VOICES)
            speaker = None
            description = ""
            if voice in ("quoted", "paraphrased"):
                # A few prolific speakers: the square skews picks toward low numbers.
                speaker = int(len(c.actors) * rng.random() ** 2)
            elif voice == "unnamed" and rng.random() < 0.5:
                description = rng.choice(UNNAMED)
            via = rng.randrange(len(c.outlets)) if rng.random() < 0.1 else None
            if rng.random() < against_rate:
                stance = "refutes" if rng.random() < 0.6 else "questions"
            else:
                stance = "supports" if rng.random() < 0.85 else "neutral"
            published = c.documents[doc][2]
            stated_on = None
            if published and rng.random() < 0.6:
                stated_on = published - timedelta(days=rng.randrange(10))
            c.attributions.append(
                (k, doc, speaker, description, via, stated_on, voice, stance, start, end)
            )


def _figure_value(rng: random.Random, truth: int) -> tuple[str, int | None, int | None, str]:
    qualifier = _weighted(rng, QUALIFIERS)
    # One report in ten is far off the others: those make claims contested.
    v = (
        truth * rng.choice((3, 4))
        if rng.random() < 0.1
        else max(1, int(truth * rng.uniform(0.9, 1.1)))
    )
    match qualifier:
        case "range":
            return qualifier, v, v + rng.randint(1, max(2, v // 5)), f"{v} to {v + v // 5 + 1}"
        case "unspecified":
            word = rng.choice(tuple(WORD_FLOOR))
            return qualifier, WORD_FLOOR[word], None, word
        case "at_least":
            return qualifier, v, None, f"at least {v}"
        case "approximately":
            return qualifier, v, None, f"around {v}"
        case _:
            return qualifier, v, None, f"{qualifier.replace('_', ' ')} {v}"


def _figures(c: Corpus, rng: random.Random, n: dict) -> None:
    by_event: dict[int, list[int]] = defaultdict(list)
    for a, row in enumerate(c.attributions):
        event = c.claims[row[0]][1]
        if event is not None:
            by_event[event].append(a)
    hot = _hot(HOT_EVENT_FIGURES, c.scale, 60)
    plan: list[tuple[int, int]] = []  # (event, how many figures)
    for event, size in zip(c.hot_events, hot, strict=False):
        plan.append((event, size))
    rest = n["figures"] - sum(size for _, size in plan)
    others = [e for e in by_event if e not in c.hot_events]
    total_others = sum(len(by_event[e]) for e in others) or 1
    for event in others:
        plan.append((event, round(rest * len(by_event[event]) / total_others)))
    truths = {e: rng.randint(5, 400) for e in range(len(c.events))}
    tolerance = settings.FIGURE_APPROXIMATE_TOLERANCE
    for event, size in plan:
        candidates = by_event.get(event)
        if not candidates:
            continue
        for _ in range(size):
            a = rng.choice(candidates)
            measure = rng.choice(MEASURES)
            qualifier, value, value_high, text = _figure_value(rng, truths[event])
            bounds = intervals.interval(qualifier, value, value_high, tolerance=tolerance)
            high = None if bounds.open_ended else bounds.high
            population = rng.choice(POPULATIONS)
            c.figures.append(
                (
                    a,
                    event,
                    measure,
                    population,
                    qualifier,
                    value,
                    value_high,
                    text,
                    bounds.low,
                    high,
                )
            )


@dataclass
class Report:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def _insert(model, objs, report: Report, label: str) -> list:
    started = time.perf_counter()
    created = []
    for i in range(0, len(objs), BATCH):
        created.extend(model.objects.bulk_create(objs[i : i + BATCH]))
    report.rows[label] = report.rows.get(label, 0) + len(created)
    report.seconds[label] = report.seconds.get(label, 0.0) + time.perf_counter() - started
    return created


def write(c: Corpus, report: Report | None = None, progress=None) -> Report:
    """Insert the generated corpus with bulk inserts in batches, in one transaction."""
    report = report or Report()
    say = progress or (lambda _msg: None)
    with transaction.atomic():
        outlets = _insert(
            Outlet,
            [
                Outlet(
                    name=name, slug=f"{SLUG_PREFIX}-outlet-{i}", kind=kind, domain=f"o{i}.example"
                )
                for i, (name, kind) in enumerate(c.outlets)
            ],
            report,
            "outlets",
        )
        outlet_pk = [o.pk for o in outlets]
        actors = _insert(
            Actor,
            [
                Actor(name=name, slug=f"{SLUG_PREFIX}-actor-{i}", kind="person")
                for i, (name, _aliases) in enumerate(c.actors)
            ],
            report,
            "actors",
        )
        actor_pk = [a.pk for a in actors]
        _insert(
            ActorAlias,
            [
                ActorAlias(actor_id=actor_pk[i], name=alias)
                for i, (_name, aliases) in enumerate(c.actors)
                for alias in aliases
            ],
            report,
            "actor aliases",
        )
        events = _insert(
            Event,
            [
                Event(name=name, slug=f"{SLUG_PREFIX}-event-{i}", date=day, place=place)
                for i, (name, day, place) in enumerate(c.events)
            ],
            report,
            "events",
        )
        event_pk = [e.pk for e in events]
        say(f"outlets, actors, events: {report.total_rows} rows")
        # Originals first, then copies, so derived_from can name an inserted row.
        originals = [i for i, d in enumerate(c.documents) if d[4] is None]
        copies = [i for i, d in enumerate(c.documents) if d[4] is not None]
        pk_of: dict[int, int] = {}
        chunks = [originals[s : s + BATCH * 5] for s in range(0, len(originals), BATCH * 5)]
        chunks += [copies[s : s + BATCH * 5] for s in range(0, len(copies), BATCH * 5)]
        for chunk in chunks:
            objs = []
            for i in chunk:
                title, outlet, published, text, derived, origin = c.documents[i]
                objs.append(
                    Document(
                        title=title,
                        outlet_id=None if outlet is None else outlet_pk[outlet],
                        published=published,
                        text=text,
                        content_hash=content_hash(text),
                        url=f"https://o{outlet}.example/{SLUG_PREFIX}/{i}",
                        derived_from_id=None if derived is None else pk_of[derived],
                        origin_outlet_id=None if origin is None else outlet_pk[origin],
                    )
                )
            for i, obj in zip(chunk, _insert(Document, objs, report, "documents"), strict=True):
                pk_of[i] = obj.pk
        doc_pk = [pk_of[i] for i in range(len(c.documents))]
        say(f"documents: {report.rows['documents']} rows")
        claims = _insert(
            Claim,
            [
                Claim(
                    text=text,
                    slug=f"{SLUG_PREFIX}-claim-{i}",
                    event_id=None if event is None else event_pk[event],
                    publication=publication,
                    status=claim_status,
                    status_reason=reason,
                )
                for i, (text, event, publication, claim_status, reason) in enumerate(c.claims)
            ],
            report,
            "claims",
        )
        claim_pk = [x.pk for x in claims]
        say(f"claims: {len(claim_pk)} rows")
        attribution_pk: list[int] = []
        texts = [d[3] for d in c.documents]
        for s in range(0, len(c.attributions), BATCH * 10):
            objs = [
                Attribution(
                    claim_id=claim_pk[k],
                    document_id=doc_pk[doc],
                    speaker_id=None if speaker is None else actor_pk[speaker],
                    speaker_description=description,
                    via_id=None if via is None else outlet_pk[via],
                    stated_on=stated_on,
                    said_on=stated_on or c.documents[doc][2],  # Attribution.set_said_on
                    voice=voice,
                    stance=stance,
                    quote=texts[doc][start:end],
                    quote_start=start,
                    quote_end=end,
                    quote_prefix=texts[doc][max(0, start - 32) : start],
                    quote_suffix=texts[doc][end : end + 32],
                )
                for (k, doc, speaker, description, via, stated_on, voice, stance, start, end) in (
                    c.attributions[s : s + BATCH * 10]
                )
            ]
            attribution_pk.extend(a.pk for a in _insert(Attribution, objs, report, "attributions"))
        say(f"attributions: {len(attribution_pk)} rows")
        as_of = {}
        for s in range(0, len(c.figures), BATCH * 10):
            objs = []
            for (
                a,
                event,
                measure,
                population,
                qualifier,
                value,
                value_high,
                text,
                low,
                high,
            ) in c.figures[s : s + BATCH * 10]:
                doc = c.attributions[a][1]
                as_of.setdefault(doc, c.documents[doc][2])
                objs.append(
                    Figure(
                        attribution_id=attribution_pk[a],
                        event_id=event_pk[event],
                        measure=measure,
                        population=population,
                        qualifier=qualifier,
                        value=value,
                        value_high=value_high,
                        text=text,
                        as_of=as_of[doc],
                        low=low,
                        high=high,
                    )
                )
            _insert(Figure, objs, report, "figures")
        say(f"figures: {report.rows.get('figures', 0)} rows")
        started = time.perf_counter()
        # bulk_create logs nothing: the change feed is reconciled with the public state at the
        # end of the block (claims.feed.rebuild), once.
        with feed.deferred(rebuild_after=True):
            services.refresh_claims(claim_pk)
        say(
            f"statuses and change feed for {len(claim_pk)} claims in {time.perf_counter() - started:.1f} s"
        )
    return report


def already_generated() -> bool:
    return Outlet.objects.filter(slug=f"{SLUG_PREFIX}-outlet-0").exists()
