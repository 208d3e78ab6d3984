"""The Django side of suggestions: speakers resolved to actors, decided suggestions hidden.

The matching itself is plain Python (`suggestions.engine`); this module only reads the
alias table once per call and the editors' earlier decisions for the document.
"""

import dataclasses
import re

from django.db.models.functions import Lower

from sources.models import Actor, ActorAlias, Document
from suggestions.engine import Candidate, suggest
from suggestions.models import SuggestionDecision

_NAME_PART = re.compile(r"[A-Z][\w'’./&-]*(?:\s+(?:(?:of|the|for|al|bin)\s+)?[A-Z][\w'’./&-]*)*")


def actor_table() -> dict[str, int]:
    """Every actor name, slug and alias, lower-cased, to the actor's id (two queries)."""
    table: dict[str, int] = {}
    for pk, name, slug in Actor.objects.values_list("pk", Lower("name"), "slug"):
        table[name] = pk
        table.setdefault(slug, pk)
    for actor_id, alias in ActorAlias.objects.values_list("actor_id", Lower("name")):
        table.setdefault(alias, actor_id)
    return table


def resolve_speaker(speaker: str | None, table: dict[str, int]) -> int | None:
    """The actor a speaker (as written) names: the whole phrase, else its longest named part.

    "Taliban spokesman Zabihullah Mujahid" resolves to Zabihullah Mujahid when he is known, to the
    Taliban otherwise; "ISKP" resolves through the alias table.
    """
    if not speaker:
        return None
    whole = " ".join(speaker.split()).lower()
    for key in (whole, whole.removeprefix("the ")):
        if key in table:
            return table[key]
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


def suggestions_for(document: Document, *, include_decided: bool = False) -> list[Candidate]:
    """The document's candidates with actor ids, leaving out those an editor already decided."""
    table = actor_table()
    candidates = [
        dataclasses.replace(c, actor_id=resolve_speaker(c.speaker, table))
        for c in suggest(document.text)
    ]
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
