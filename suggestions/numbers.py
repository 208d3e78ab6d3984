"""Counts written in digits or words, with their qualifiers. Plain Python, no Django.

`FIGURE` matches one qualified count ("at least 46", "some 170", "800 to 1,000", "about a dozen",
"dozens"); `read()` turns such a match into a qualifier and bounds using the same qualifier names as
the Figure model and the floors of `claims.intervals`.
"""

import re
from dataclasses import dataclass

from claims.intervals import INF, UNSPECIFIED_FLOORS, interval

UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
DOZEN = {"dozen": 12, "a dozen": 12, "half a dozen": 6, "a half-dozen": 6, "a couple of": 2}

# Vague quantities: the Figure model's "unspecified" qualifier with the floor the word implies.
VAGUE = {
    "several": "several",
    "dozens": "dozens",
    "scores": "scores",
    "hundreds": "hundreds",
    "thousands": "thousands",
    "a few": "a few",
    "a number": "a number",
}

QUALIFIERS = {
    "at least": "at_least",
    "no less than": "at_least",
    "no fewer than": "at_least",
    "not less than": "at_least",
    "a minimum of": "at_least",
    "more than": "more_than",
    "over": "more_than",
    "upwards of": "more_than",
    "in excess of": "more_than",
    "up to": "at_most",
    "as high as": "at_most",
    "as many as": "at_most",
    "at most": "at_most",
    "no more than": "at_most",
    "fewer than": "fewer_than",
    "less than": "fewer_than",
    "under": "fewer_than",
    "nearly": "approximately",
    "almost": "approximately",
    "around": "approximately",
    "about": "approximately",
    "some": "approximately",
    "roughly": "approximately",
    "approximately": "approximately",
    "an estimated": "approximately",
    "estimated": "approximately",
    "close to": "approximately",
}

_WORD = "|".join(sorted([*UNITS, *TENS], key=len, reverse=True))
_SPELLED = (
    rf"(?:(?:{_WORD})(?:[- ](?:{_WORD}))?(?:\s+(?:hundred|thousand|million)"
    rf"(?:\s+(?:and\s+)?(?:{_WORD})(?:[- ](?:{_WORD}))?)?)?)"
)
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\s+(?:hundred|thousand|million))?"
_DOZEN = r"(?:half\s+a\s+dozen|a\s+half-dozen|a\s+couple\s+of|(?:a\s+)?dozen)"
NUMBER = rf"(?:{_DIGITS}|{_SPELLED}|{_DOZEN})"
_QUAL = "|".join(
    re.escape(q).replace(r"\ ", r"\s+") for q in sorted(QUALIFIERS, key=len, reverse=True)
)
_VAGUE = r"(?:several|dozens|scores|hundreds|thousands|a\s+few|a\s+number)"

# One qualified count. Groups: qual, low and high (or blow and bhigh after between), vague.
FIGURE = (
    rf"(?:(?P<qual>{_QUAL})\s+)?"
    rf"(?:between\s+(?P<blow>{NUMBER})\s+and\s+(?P<bhigh>{NUMBER})"
    rf"|(?P<low>{NUMBER})(?:\s*(?:to|-|–|or)\s*(?P<high>{NUMBER}))?)"
    rf"|(?P<vague>{_VAGUE})"
)


def parse_number(words: str) -> int | None:
    """The value of a count written in digits or English words: "1,000", "forty-six", "a dozen"."""
    s = " ".join(words.lower().replace("-", " ").split())
    if not s:
        return None
    if s in ("half a dozen", "a half dozen"):
        return 6
    if s in ("a couple of",):
        return 2
    if s in ("dozen", "a dozen"):
        return 12
    total = current = 0
    seen = False
    for token in s.split():
        token = token.replace(",", "")
        if token == "and":
            continue
        if token.isdigit():
            current += int(token)
        elif token in UNITS:
            current += UNITS[token]
        elif token in TENS:
            current += TENS[token]
        elif token in SCALES:
            scale = SCALES[token]
            if scale == 100:
                current = (current or 1) * 100
            else:
                total += (current or 1) * scale
                current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


@dataclass(frozen=True)
class Count:
    qualifier: str
    value: int | None
    value_high: int | None
    low: float
    high: float | None  # None: no upper bound


def read(qual: str | None, low: str | None, high: str | None, vague: str | None) -> Count | None:
    """Qualifier and bounds of a matched count, or None when the words are not a count."""
    if vague:
        word = " ".join(vague.lower().split())
        floor = UNSPECIFIED_FLOORS.get(VAGUE.get(word, word), 1)
        bounds = interval("unspecified", floor)
        return Count("unspecified", floor, None, float(bounds.low), None)
    value = parse_number(low or "")
    if value is None:
        return None
    qualifier = QUALIFIERS.get(" ".join(qual.lower().split()), "exact") if qual else "exact"
    value_high = parse_number(high) if high else None
    if value_high is not None:
        if value_high <= value:
            return None
        qualifier = "range"
    bounds = interval(qualifier, value, value_high)
    return Count(
        qualifier,
        value,
        value_high,
        float(bounds.low),
        None if bounds.high == INF else float(bounds.high),
    )
