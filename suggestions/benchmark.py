"""Throughput of the suggestion engine on a generated, deterministic news-like corpus.

No Django: `measure_throughput()` builds articles from sentence templates with a seeded random
generator, runs `suggest()` on each one on this core, and reports megabytes per second.
"""

import random
import time

from suggestions.engine import suggest

PLACES = ["Kabul", "Kunduz", "Jalalabad", "Peshawar", "Quetta", "Kandahar", "Mardan", "Herat"]
PEOPLE = [
    "Zabihullah Mujahid",
    "Suhail Shaheen",
    "Jameel Shah",
    "Ahmad Zia Abdulzai",
    "Mutahir Zeb",
    "Attaullah Khogyani",
]
OUTLETS = ["AFP", "Reuters", "the AP", "RFE/RL", "Bakhtar News Agency"]
COUNTS = ["at least 46", "more than 140", "around 100", "some 170", "no less than 133", "dozens"]
COUNTS += ["about a dozen", "800 to 1,000", "eight", "forty-six", "several", "up to 30"]
TEMPLATES = [
    "A suicide bomber struck a mosque in {place} on Friday, killing {count} people, {person} told {outlet}.",
    "{count} people were wounded in the blast near the {place} airport, officials said.",
    "According to {outlet}, the explosion killed {count} worshippers and wounded {count2}.",
    "“We are able to tackle them independently,” {person} said when asked by {outlet}.",
    "The group is widely thought to be linked to the Haqqani network, a senior official said.",
    "The Taliban denied any role in the attack in {place} in a statement on Saturday.",
    "IS-K claimed responsibility for the bombing, which {outlet} reported had left {count} dead.",
    "Residents of {place} said the market had reopened on Monday and traffic was back to normal.",
    "The ministry blamed foreign forces for the delay, and {person} said talks would resume.",
    "Schools in {place} were closed for three days while police searched the area for suspects.",
]
# Background sentences: most of a news article attributes nothing and counts no one.
SUBJECTS = [
    "The government",
    "The province",
    "The city's traders",
    "Aid groups",
    "The region",
    "Diplomats in Doha",
    "The border crossing",
    "The new administration",
    "Local elders",
]
VERBS = [
    "has struggled with",
    "has been shaped by",
    "faces renewed pressure over",
    "remains divided over",
    "has long depended on",
    "was reshaped by",
    "is bracing for",
]
OBJECTS = [
    "a deepening economic crisis",
    "years of war and drought",
    "shortages of fuel and medicine",
    "the withdrawal of foreign troops",
    "the collapse of the banking system",
    "disputes over water from the river",
    "the return of refugees from neighbouring countries",
]
TAILS = [
    "since the takeover in August",
    "after the harsh winter",
    "as the fighting season begins",
    "while talks on recognition stall",
    "despite promises of reform from the new rulers",
]


def corpus(megabytes: float = 5.0, seed: int = 1) -> list[str]:
    """Deterministic articles of about 5 KB each, together at least `megabytes` MB of UTF-8."""
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    articles, size = [], 0
    while size < target:
        paragraphs = []
        for _ in range(rng.randint(12, 24)):
            sentences = []
            for _ in range(rng.randint(1, 3)):
                if rng.random() < 0.4:
                    template = rng.choice(TEMPLATES)
                    sentences.append(
                        template.format(
                            place=rng.choice(PLACES),
                            person=rng.choice(PEOPLE),
                            outlet=rng.choice(OUTLETS),
                            count=rng.choice(COUNTS),
                            count2=rng.choice(COUNTS),
                        )
                    )
                else:
                    sentences.append(
                        f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
                        f"{rng.choice(TAILS)}, and {rng.choice(SUBJECTS).lower()} "
                        f"{rng.choice(VERBS)} {rng.choice(OBJECTS)}."
                    )
            paragraphs.append(" ".join(sentences))
        article = "\n\n".join(paragraphs)
        articles.append(article)
        size += len(article.encode("utf-8"))
    return articles


def measure_throughput(megabytes: float = 5.0, seed: int = 1) -> dict:
    """Run the engine over a generated corpus on one core.

    Returns {"megabytes", "seconds" (CPU), "mb_per_s", "wall_seconds", "candidates"}.
    """
    articles = corpus(megabytes, seed)
    size = sum(len(a.encode("utf-8")) for a in articles) / 1_000_000
    found = 0
    # CPU time of this single-threaded process: the one-core cost, even on a busy machine.
    started, wall_started = time.process_time(), time.perf_counter()
    for article in articles:
        found += len(suggest(article))
    seconds = time.process_time() - started
    wall = time.perf_counter() - wall_started
    return {
        "megabytes": round(size, 3),
        "seconds": round(seconds, 3),
        "mb_per_s": round(size / seconds, 3) if seconds else float("inf"),
        "wall_seconds": round(wall, 3),
        "candidates": found,
    }


if __name__ == "__main__":
    print(measure_throughput())
