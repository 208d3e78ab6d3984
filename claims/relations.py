"""The rules of claim relations, as pure functions of (claim, kind, target) edges. No Django here.

Editors state a relation from one claim to another; the rules read every stated edge both ways:
- `same_as` is symmetric and transitive: the claims it links form one group, whose evidence the
  status of each member reads (two wordings of one proposition).
- `narrower` and `broader` are inverses (A narrower than B is B broader than A) and never form a
  cycle, counting a `same_as` group as one claim.
- `contradicts` is symmetric.
- No relation points at its own claim.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

SAME_AS = "same_as"
NARROWER = "narrower"
BROADER = "broader"
CONTRADICTS = "contradicts"

# How each kind reads from the target's side.
INVERSE = {SAME_AS: SAME_AS, NARROWER: BROADER, BROADER: NARROWER, CONTRADICTS: CONTRADICTS}
LABELS = {
    SAME_AS: "same as",
    NARROWER: "narrower than",
    BROADER: "broader than",
    CONTRADICTS: "contradicts",
}


@dataclass(frozen=True)
class Edge:
    claim: int
    kind: str
    target: int


def canonical(edge: Edge) -> Edge:
    """One spelling per relation: broader becomes narrower the other way round, symmetric kinds
    point from the lower id to the higher."""
    if edge.kind == BROADER:
        return Edge(edge.target, NARROWER, edge.claim)
    if edge.kind in (SAME_AS, CONTRADICTS) and edge.claim > edge.target:
        return Edge(edge.target, edge.kind, edge.claim)
    return edge


def seen_from(claim_id: int, edges: Iterable[Edge]) -> list[tuple[str, int]]:
    """(kind, other claim) for every edge touching the claim, read from the claim's side."""
    found: dict[tuple[str, int], None] = {}
    for e in edges:
        if e.claim == claim_id and e.target != claim_id:
            found[(e.kind, e.target)] = None
        elif e.target == claim_id and e.claim != claim_id:
            found[(INVERSE[e.kind], e.claim)] = None
    return list(found)


def groups(edges: Iterable[Edge]) -> dict[int, frozenset[int]]:
    """Each claim linked by `same_as` mapped to its whole group (itself included)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for e in edges:
        if e.kind == SAME_AS:
            parent[find(e.claim)] = find(e.target)
    members: dict[int, set[int]] = {}
    for x in list(parent):
        members.setdefault(find(x), set()).add(x)
    return {x: frozenset(group) for group in members.values() for x in group}


def group_of(claim_id: int, edges: Iterable[Edge]) -> frozenset[int]:
    """The claim's `same_as` group: itself and every claim linked to it, directly or not."""
    return groups(edges).get(claim_id, frozenset({claim_id}))


def problem(new: Edge, existing: Iterable[Edge]) -> str | None:
    """Why `new` cannot join the `existing` edges, or None when it can."""
    if new.claim == new.target:
        return "A relation cannot point at its own claim."
    existing = [e for e in existing if e != new]
    key = canonical(new)
    if any(canonical(e) == key for e in existing):
        return "These claims already have this relation (perhaps stated from the other claim)."
    pair = {new.claim, new.target}
    if any({e.claim, e.target} == pair for e in existing):
        return "These claims are already related another way; remove that relation first."
    grouping = groups([*existing, new] if new.kind == SAME_AS else existing)

    def node(x: int) -> int:
        return min(grouping.get(x, {x}))

    if new.kind != SAME_AS and node(new.claim) == node(new.target):
        return "These claims are the same proposition (same_as) and cannot be related otherwise."
    # Narrower-than edges between groups; a cycle would make a claim narrower than itself.
    narrower: dict[int, set[int]] = {}
    for e in [*existing, new]:
        if e.kind in (NARROWER, BROADER):
            c = canonical(e)
            narrower.setdefault(node(c.claim), set()).add(node(c.target))
    for start, targets in narrower.items():
        if start in targets:
            return "This would make a claim narrower than a claim it is the same as."
    if _has_cycle(narrower):
        return "This would make a cycle of narrower/broader relations."
    return None


def _has_cycle(graph: dict[int, set[int]]) -> bool:
    state: dict[int, int] = {}  # 1: on the path, 2: done
    for start in graph:
        if state.get(start):
            continue
        stack = [(start, iter(graph.get(start, ())))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                return True
            elif not state.get(child):
                state[child] = 1
                stack.append((child, iter(graph.get(child, ()))))
    return False


# --- Suggestions by wording --------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")
# Words shared by more claims than this are not used to find candidate pairs.
MAX_CLAIMS_PER_WORD = 200
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "of",
        "the",
        "to",
        "in",
        "on",
        "with",
        "by",
        "for",
        "is",
        "has",
        "have",
        "was",
        "were",
        "that",
        "it",
        "its",
    ]
)


def words(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(text.lower()) if w not in _STOP)


def similarity(a: str, b: str) -> float:
    """0..1: the mean of word overlap (Jaccard) and character-sequence similarity."""
    wa, wb = words(a), words(b)
    jaccard = len(wa & wb) / len(wa | wb) if wa | wb else 0.0
    return (jaccard + SequenceMatcher(None, a.lower(), b.lower()).ratio()) / 2


def similar_pairs(
    texts: dict[int, str], threshold: float, related: set[frozenset[int]] = frozenset()
) -> list[tuple[int, int, float]]:
    """(a, b, score) for every pair of claims whose wording is at least `threshold` similar,
    best first, leaving out pairs already related. Compares only pairs sharing a word."""
    by_word: dict[str, set[int]] = {}
    bags = {pk: words(text) for pk, text in texts.items()}
    for pk, bag in bags.items():
        for w in bag:
            by_word.setdefault(w, set()).add(pk)
    candidates: set[tuple[int, int]] = set()
    for ids in by_word.values():
        if len(ids) > MAX_CLAIMS_PER_WORD:
            continue  # a word most claims share says nothing about any pair of them
        ordered = sorted(ids)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                candidates.add((a, b))
    found = []
    for a, b in candidates:
        if frozenset((a, b)) in related:
            continue
        score = similarity(texts[a], texts[b])
        if score >= threshold:
            found.append((a, b, round(score, 3)))
    return sorted(found, key=lambda t: (-t[2], t[0], t[1]))
