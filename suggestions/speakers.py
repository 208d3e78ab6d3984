"""Who a speaker phrase names, and who a pronoun or "the group" stands for. Plain Python, no Django.

The engine finds speaker phrases as written ("Taliban spokesman Zabihullah Mujahid", "He", "the
group", "Afghan officials"). This module tells a name from a generic description, splits a title
from a person's name, and resolves pronouns and descriptions to the nearest compatible named
speaker or subject earlier in the text: person pronouns to persons, "it", "the group", "the agency"
and "the statement" to organisations. What it cannot resolve it leaves unresolved, never guessed.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from suggestions import patterns as p

DETERMINERS = {"the", "a", "an", "its", "his", "her", "their", "one", "some", "two", "three"}
PREPOSITIONS = {"of", "at", "in", "for", "from", "with", "on", "to", "near", "who", "which"}
# Heads that describe people without naming them: "officials", "a hospital official", "police".
GENERIC = {
    "official", "officials", "source", "sources", "police", "policemen", "resident", "residents",
    "witness", "witnesses", "doctor", "doctors", "officer", "officers", "spokesman", "spokeswoman",
    "spokesperson", "spokespeople", "spokesmen", "commander", "commanders", "rescuers", "elders",
    "partners", "staff", "employee", "employees", "teacher", "teachers", "analyst", "analysts",
    "diplomat", "diplomats", "leader", "leaders", "governor", "minister", "ministers", "chief",
    "head", "director", "secretary", "envoy", "ambassador", "member", "members", "worker",
    "workers", "people", "survivor", "survivors", "activist", "activists", "journalist",
    "journalists", "correspondent", "reporter", "reporters", "paramedics", "medics", "nurse",
    "aide", "aides", "representative", "representatives", "expert", "experts", "researcher",
    "researchers", "monitors", "observers", "lawmaker", "lawmakers", "administrator",
    "authorities", "security", "forces", "relatives", "villagers", "eyewitnesses", "man", "woman",
    "men", "women", "person", "tribesmen", "fighters", "militants", "traders", "students",
}  # fmt: skip
# Capitalised only because they open a sentence: "State television", "Local residents".
COMMON_CAPS = {
    "state", "local", "hospital", "humanitarian", "railway", "police", "security", "health",
    "provincial", "senior", "government", "military", "district", "regional", "rescue",
    "emergency", "medical", "tribal", "village", "intelligence", "army", "defence", "defense",
}  # fmt: skip
# Words before a person's name that make the phrase a title: "Governor Mansour Bijar".
TITLES = p.ROLE_WORDS | {
    "mayor", "general", "commissioner", "inspector", "dr", "dr.", "brigadier", "barrister",
    "governor", "president", "minister", "colonel", "major", "captain", "lieutenant", "judge",
    "prosecutor", "senator", "sheikh", "mullah", "maulvi", "qari", "mufti", "deputy", "superintendent",
    "officer", "spokesman", "spokeswoman", "spokesperson", "official", "chief", "head", "commander",
    "director", "secretary", "envoy", "ambassador", "leader", "administrator", "analyst",
}  # fmt: skip
_NOT_NAME_START = {"without", "of", "for", "and", "the", "in", "on", "at"}
ORG_WORDS = {
    "taliban", "state", "agency", "army", "front", "province", "ministry", "department", "office",
    "council", "committee", "corps", "brigade", "organization", "organisation", "service",
    "mission", "nations", "borders", "emirate", "government", "police", "authority", "forum",
    "party", "group", "movement", "relations", "network", "command", "embassy", "ngo", "news",
    "television", "tv", "radio", "forces", "guards", "crescent", "cross", "union", "commission",
    "court", "pentagon", "kremlin", "daesh", "amaq", "hamas", "hezbollah", "jaish", "lashkar",
    "tehreek", "jamaat", "isis", "isil", "is", "al-qaeda", "military", "resistance", "branch",
    "wing", "alliance", "liberation", "house", "kyiv", "moscow", "tehran", "islamabad", "beijing",
    "washington", "us", "u.s.", "un", "u.n.", "nato", "emergency", "unit", "media",
}  # fmt: skip
# Organisations that "the group" can stand for: not a ministry, an army or a police force.
INSTITUTIONS = {
    "ministry", "government", "department", "embassy", "police", "army", "military", "office",
    "council", "command", "committee", "authority", "court", "commission", "television", "radio",
}  # fmt: skip
PERSON_PRONOUNS = {"he", "she"}
ORG_PHRASES = {"it", "the group", "the agency", "the statement", "its statement", "the outfit"}


def _words(phrase: str) -> list[str]:
    return re.findall(r"[\w'’.&()+-]+", phrase)


def _bare(word: str) -> str:
    return word.lower().strip("().,").removesuffix("'s").removesuffix("’s")


@lru_cache(maxsize=4096)
def is_named(speaker: str) -> bool:
    """Whether the phrase names someone (a person or an organisation with a proper noun).

    "Afghan officials", "a hospital official", "the Army" and "Iran's interior minister" are
    descriptions; "the Taliban-run interior ministry", "Israel's military" and "Taliban spokesman
    Zabihullah Mujahid" name someone.
    """
    words = _words(speaker)
    if not words:
        return False
    core: list[str] = []
    for w in words:
        if core and w in PREPOSITIONS:
            break
        core.append(w)
    proper = [
        w
        for i, w in enumerate(words)
        if w[:1].isupper()
        and _bare(w) not in p.ROLE_WORDS | GENERIC | DETERMINERS
        and not (i == 0 and _bare(w) in COMMON_CAPS)
    ]
    last = words[-1]
    if len(core) == len(words) and last[:1].isupper() and _bare(last) not in p.ROLE_WORDS | GENERIC:
        return bool(proper)
    if _bare(core[-1]) in GENERIC:
        return False
    return bool(proper)


@dataclass(frozen=True)
class Named:
    """A speaker phrase taken apart: who, in what role, for whom, and what kind of speaker."""

    name: str
    role: str | None = None
    affiliation: str | None = None
    kind: str | None = None  # "person", "organisation" or None when the words do not tell


@lru_cache(maxsize=4096)
def kind_of(name: str) -> str | None:
    """ "organisation" for "ISKP", "Bakhtar News Agency", "the Taliban"; "person" for a name of two
    or more capitalised words with none of those; None for a single unknown word ("Saleh")."""
    words = [w for w in _words(name) if _bare(w) not in DETERMINERS]
    if not words:
        return None
    for w in words:
        bare = _bare(w)
        if bare in ORG_WORDS or (w.strip("()").isupper() and len(w.strip("()")) >= 2):
            return "organisation"
        if bare.startswith(("al-", "tehreek", "jaish", "lashkar", "jamaat", "islamic")):
            return "organisation"
    if len(words) >= 2 and all(w[:1].isupper() or w.lower() in {"bin", "al", "ibn"} for w in words):
        return "person"
    return None


@lru_cache(maxsize=4096)
def split_title(speaker: str) -> Named:
    """Take a title off a person's name: "Taliban spokesman Zabihullah Mujahid" is Zabihullah
    Mujahid, spokesman, of the Taliban. A phrase without a name after its title is kept whole."""
    words = speaker.split()
    at = None
    for i, w in enumerate(words[:-1]):
        if _bare(w) in TITLES or w.lower().rstrip(".") in TITLES:
            at = i
    if at is not None:
        rest = [w for w in words[at + 1 :] if not (w.startswith("(") and w.endswith(")"))]
        if (
            rest
            and rest[0].lower() not in _NOT_NAME_START
            and all(w[:1].isupper() or w.lower() in {"bin", "al", "ibn", "ul"} for w in rest)
            and _bare(rest[-1]) not in p.ROLE_WORDS
            and not any(_bare(w) in ORG_WORDS for w in rest)
        ):
            name = " ".join(rest)
            title = words[: at + 1]
            while title and title[0].lower() in DETERMINERS:
                title = title[1:]
            lead = []
            for w in title:
                if (
                    w[:1].isupper()
                    and _bare(w) not in TITLES
                    and not w.lower().endswith(("-installed", "-run", "-appointed"))
                ):
                    lead.append(w)
                else:
                    break
            role_words = [w for w in title[len(lead) :] if not w.endswith(("'s", "’s"))]
            role = " ".join(role_words) or None
            affiliation = " ".join(lead).removesuffix("'s").removesuffix("’s") or None
            return Named(name, role, affiliation, "person")
    return Named(speaker, None, None, kind_of(speaker))


_APPOSED_ROLE = re.compile(
    r"^(?:the|a|an)?\s*(?P<role>(?:[\w-]+\s+){0,3}?[\w-]+)\s+(?:of|for|at|with|to)\s+"
    r"(?P<affiliation>(?:the\s+)?[^,]+?)$"
    r"|^(?P<owner>(?:the\s+)?[\w'’ -]+?)['’]s\s+(?P<role2>(?:[\w-]+\s+){0,2}[\w-]+)$",
    re.IGNORECASE,
)


def describe(appositive: str) -> tuple[str | None, str | None]:
    """Role and affiliation in an appositive: "the group's spokesman" is (spokesman, the group),
    "a spokesman for the National Resistance Front" is (spokesman, National Resistance Front)."""
    text = " ".join(appositive.strip(" ,").split())
    m = _APPOSED_ROLE.match(text)
    if not m:
        return (text or None), None
    if m.group("role"):
        affiliation = m.group("affiliation")
        if affiliation.lower().startswith("the ") and affiliation[4:5].isupper():
            affiliation = affiliation[4:]
        return m.group("role"), affiliation
    owner = m.group("owner")
    if owner.lower().startswith("the ") and owner[4:5].isupper():
        owner = owner[4:]
    return m.group("role2"), owner


@dataclass(frozen=True)
class Mention:
    at: int
    name: str
    kind: str | None
    speaker: bool  # said something (a cue), not only mentioned as a subject
    group_like: bool  # an armed group, a party, an agency: what "the group" can stand for


def mention(at: int, name: str, kind: str | None, *, speaker: bool) -> Mention:
    words = {_bare(w) for w in _words(name)}
    return Mention(at, name, kind, speaker, kind == "organisation" and not words & INSTITUTIONS)


_GROUP_MENTION = re.compile(
    r"\b(?:the\s+)?(?P<name>(?:[A-Z][\w'’-]*\s+){0,4}[A-Z][\w'’-]*)\s+(?:group|faction|outfit)\b"
    r"|\b(?P<long>(?:[A-Z][\w'’–-]*\s+){1,5}[A-Z][\w'’-]*)\s+\((?P<abbr>[A-Z][\w-]{1,8})\)"
    r"|\b(?:the\s+)?(?P<agency>[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?)\s+[Nn]ews\s+[Aa]gency\b"
)


def mentions_in(text: str) -> list[Mention]:
    """Organisations named anywhere: "the Jaish al-Adl group", "Islamic State Khorasan Province
    (ISKP)", "the Amaq news agency"."""
    out = []
    for m in _GROUP_MENTION.finditer(text):
        name = m.group("name") or m.group("long") or m.group("agency")
        if m.group("name") and name.split()[0] in {"The", "A", "An"}:
            name = " ".join(name.split()[1:])
        if not name or _bare(name.split()[-1]) in p.ROLE_WORDS - {"state"}:
            continue
        out.append(Mention(m.start(), name, "organisation", False, True))
    return out


def resolve(
    written: str, at: int, earlier: list[Mention], sentence_start: int
) -> tuple[str | None, str | None]:
    """The name a pronoun or description stands for, and its kind; (None, None) if none fits.

    `earlier` are the mentions before `at`, in text order. "He"/"She": the nearest person within
    about five sentences. "They": an organisation named in the same or the previous sentence.
    "It", "the group", "the statement": the nearest organisation ("the group" a group, not a
    ministry; "the statement" one that spoke); "the agency": the nearest news agency.
    """
    word = " ".join(written.lower().split())
    near = [m for m in earlier if m.at < at and at - m.at < 900]
    if word in PERSON_PRONOUNS:
        people = [m for m in near if m.kind == "person"]
        return (people[-1].name, "person") if people else (None, None)
    if word == "they":
        orgs = [m for m in near if m.kind == "organisation" and at - m.at < 300]
        people = [m for m in near if m.kind == "person" and at - m.at < 300]
        if orgs and (not people or orgs[-1].at > people[-1].at):
            return orgs[-1].name, "organisation"
        return None, None
    orgs = [m for m in near if m.kind == "organisation"]
    if word in {"the agency", "its news agency", "the news agency"}:
        orgs = [m for m in orgs if re.search(r"agency|amaq|news", m.name, re.IGNORECASE)]
    elif word in {"the group", "the outfit", "the militant group", "the militants"}:
        orgs = [m for m in orgs if m.group_like]
    elif word in {"the statement", "its statement"}:
        orgs = [m for m in orgs if m.speaker]
    elif word != "it":
        return None, None
    return (orgs[-1].name, "organisation") if orgs else (None, None)


def full_name(name: str, earlier: list[Mention]) -> str:
    """A surname alone ("Khan told reporters") as the full name given earlier, if one ends so."""
    words = name.split()
    if len(words) > 1 and kind_of(name) != "person":
        return name
    for m in reversed(earlier):
        if m.kind == "person" and m.name != name and m.name.split()[-1] == words[-1]:
            return m.name
    return name
