"""The Django side of suggestions: speakers resolved to actors, decided suggestions hidden.

The matching itself is plain Python (`suggestions.engine`, `suggestions.speakers`); this module
only reads the alias table once per call and the editors' earlier decisions for the document.
"""

import dataclasses
import re

from django.db.models.functions import Lower
from rapidfuzz import fuzz, process

from sources.models import Actor, ActorAlias, Document
from suggestions.engine import Candidate, suggest
from suggestions.models import SuggestionDecision
from suggestions.speakers import is_named

_NAME_PART = re.compile(r"[A-Z][\w'’./&-]*(?:\s+(?:(?:of|the|for|al|bin)\s+)?[A-Z][\w'’./&-]*)*")
_PRONOUNS = {"he", "she", "they", "it", "we", "i"}
# A spelling a little off from a known name ("Zabiullah Mujahid") is the same actor; shorter names
# must match exactly, or "Khan" would find every Khan.
FUZZY_CUTOFF = 92
FUZZY_MIN_LENGTH = 8


def actor_table() -> dict[str, int]:
    """Every actor name, slug and alias, lower-cased, to the actor's id (two queries)."""
    table: dict[str, int] = {}
    for pk, name, slug in Actor.objects.values_list("pk", Lower("name"), "slug"):
        table[name] = pk
        table.setdefault(slug, pk)
    for actor_id, alias in ActorAlias.objects.values_list("actor_id", Lower("name")):
        table.setdefault(alias, actor_id)
    return table


def _exact(name: str, table: dict[str, int]) -> int | None:
    whole = " ".join(name.split()).lower()
    for key in (whole, whole.removeprefix("the ")):
        if key in table:
            return table[key]
    return None


def _fuzzy(name: str, table: dict[str, int]) -> int | None:
    whole = " ".join(name.split()).lower().removeprefix("the ")
    if len(whole) < FUZZY_MIN_LENGTH:
        return None
    match = process.extractOne(whole, table.keys(), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    return table[match[0]] if match else None


def resolve_speaker(speaker: str | None, table: dict[str, int]) -> int | None:
    """The actor a speaker (as written) names: the whole phrase, a close spelling of a known name,
    else its longest named part.

    "Taliban spokesman Zabihullah Mujahid" resolves to Zabihullah Mujahid when he is known, to the
    Taliban otherwise; "ISKP" resolves through the alias table; "Zabiullah Mujahid" to Zabihullah
    Mujahid.
    """
    if not speaker or speaker.lower() in _PRONOUNS:
        return None
    found = _exact(speaker, table) or _fuzzy(speaker, table)
    if found:
        return found
    parts: list[tuple[int, int, str]] = []
    for m in _NAME_PART.finditer(speaker):
        words = m.group().replace("’s", "").replace("'s", "").split()
        for i in range(len(words)):
            for j in range(len(words), i, -1):
                parts.append((j - i, m.start() + i, " ".join(words[i:j]).lower()))
    # Longest first; among equals the later one (the person after "Taliban spokesman").
    for _, _, name in sorted(parts, key=lambda x: (x[0], x[1]), reverse=True):
        if name in table:
            return table[name]
    return None


def resolve_candidate(candidate: Candidate, table: dict[str, int]) -> Candidate:
    """The candidate with its speaker's actor, its affiliation's actor, and whether a new actor is
    proposed: only for a named speaker the tracker does not know, never for a description
    ("officials", "a hospital source") or a pronoun left unresolved."""
    speaker = candidate.speaker
    if not speaker or candidate.voice in ("own", "hearsay"):
        return candidate
    named = candidate.voice in ("quoted", "paraphrased") and speaker.lower() not in _PRONOUNS
    if named:
        actor_id = resolve_speaker(speaker, table)
        if (
            actor_id is None
            and candidate.speaker_kind != "person"  # an unknown spokesman is not his group
            and candidate.speaker_text
            and candidate.speaker_text != speaker
        ):
            actor_id = resolve_speaker(candidate.speaker_text, table)
    else:
        actor_id = None  # a description names no actor, even if it mentions a place
    affiliation_id = (
        resolve_speaker(candidate.speaker_affiliation, table)
        if candidate.speaker_affiliation
        else None
    )
    return dataclasses.replace(
        candidate,
        actor_id=actor_id,
        affiliation_id=affiliation_id,
        new_actor=bool(named and actor_id is None and is_named(speaker)),
    )


def suggestions_for(document: Document, *, include_decided: bool = False) -> list[Candidate]:
    """The document's candidates with actor ids, leaving out those an editor already decided."""
    table = actor_table()
    candidates = [resolve_candidate(c, table) for c in suggest(document.text)]
    if include_decided:
        return candidates
    decided = set(
        SuggestionDecision.objects.filter(document=document).values_list("fingerprint", flat=True)
    )
    return [c for c in candidates if c.fingerprint not in decided]


def find_candidate(document: Document, fingerprint: str) -> Candidate | None:
    """The current candidate with this fingerprint (decided or not), or None."""
    for candidate in suggestions_for(document, include_decided=True):
        if candidate.fingerprint == fingerprint:
            return candidate
    return None
