"""The pure rules of claim relations (claims/relations.py), without the database."""

from claims import relations
from claims.relations import Edge

SAME, NARROW, BROAD, CONTRA = (
    relations.SAME_AS,
    relations.NARROWER,
    relations.BROADER,
    relations.CONTRADICTS,
)


def test_a_relation_to_its_own_claim_is_refused():
    assert relations.problem(Edge(1, SAME, 1), []) == "A relation cannot point at its own claim."


def test_same_as_is_symmetric():
    assert relations.seen_from(2, [Edge(1, SAME, 2)]) == [(SAME, 1)]
    assert "already" in relations.problem(Edge(2, SAME, 1), [Edge(1, SAME, 2)])


def test_same_as_is_transitive_into_one_group():
    edges = [Edge(1, SAME, 2), Edge(3, SAME, 2), Edge(4, SAME, 5)]
    assert relations.group_of(1, edges) == {1, 2, 3}
    assert relations.group_of(3, edges) == {1, 2, 3}
    assert relations.group_of(5, edges) == {4, 5}
    assert relations.group_of(9, edges) == {9}


def test_narrower_and_broader_are_inverse():
    assert relations.seen_from(2, [Edge(1, NARROW, 2)]) == [(BROAD, 1)]
    assert relations.canonical(Edge(2, BROAD, 1)) == Edge(1, NARROW, 2)
    assert "already" in relations.problem(Edge(2, BROAD, 1), [Edge(1, NARROW, 2)])


def test_narrower_relations_never_form_a_cycle():
    chain = [Edge(1, NARROW, 2), Edge(2, NARROW, 3)]
    assert relations.problem(Edge(3, NARROW, 1), chain) == (
        "This would make a cycle of narrower/broader relations."
    )
    assert relations.problem(Edge(1, BROAD, 3), chain) == (
        "This would make a cycle of narrower/broader relations."
    )
    assert relations.problem(Edge(1, NARROW, 3), chain) is None


def test_a_cycle_through_a_same_as_group_is_refused():
    edges = [Edge(1, NARROW, 2), Edge(2, SAME, 3)]
    assert "cycle" in relations.problem(Edge(3, NARROW, 1), edges)
    group = [Edge(4, SAME, 2), Edge(4, SAME, 3)]
    assert "same proposition" in relations.problem(Edge(3, CONTRA, 2), group)


def test_two_relations_between_the_same_claims_are_refused():
    assert "another way" in relations.problem(Edge(1, CONTRA, 2), [Edge(2, NARROW, 1)])


def test_claims_worded_alike_are_suggested_and_related_pairs_are_not():
    texts = {
        1: "IS-K has links with the Taliban and the Haqqani network",
        2: "IS-K has links with the Haqqani network",
        3: "The Kunduz mosque bombing killed N people",
    }
    pairs = relations.similar_pairs(texts, 0.6)
    assert [(a, b) for a, b, _ in pairs] == [(1, 2)]
    assert relations.similar_pairs(texts, 0.6, {frozenset((1, 2))}) == []
