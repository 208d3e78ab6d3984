from django.core.exceptions import ValidationError
from django.db import models

from claims import relations


class RelationKind(models.TextChoices):
    SAME_AS = relations.SAME_AS, "Same as (another wording of the same proposition)"
    NARROWER = relations.NARROWER, "Narrower than (a special case of)"
    BROADER = relations.BROADER, "Broader than (includes)"
    CONTRADICTS = relations.CONTRADICTS, "Contradicts"


def _edge(row) -> relations.Edge:
    return relations.Edge(row["claim_id"], row["kind"], row["target_id"])


class ClaimRelationQuerySet(models.QuerySet):
    def touching(self, claim_ids) -> "ClaimRelationQuerySet":
        """Relations stated from or to any of these claims."""
        ids = list(claim_ids)
        return self.filter(models.Q(claim_id__in=ids) | models.Q(target_id__in=ids))

    def edges(self) -> list[relations.Edge]:
        """The relations as pure edges (one narrow query)."""
        return [_edge(r) for r in self.values("claim_id", "kind", "target_id")]

    def seen_from(self, claim_ids, visible_claims) -> dict[int, list[tuple[str, object]]]:
        """For each claim: (kind read from its side, other claim) for every relation touching it
        whose other claim is in `visible_claims` (a Claim queryset). One query for all."""
        ids = set(claim_ids)
        rows = (
            self.touching(ids)
            .filter(claim__in=visible_claims, target__in=visible_claims)
            .select_related("claim", "target")
            .order_by("kind", "pk")
        )
        found: dict[int, list[tuple[str, object]]] = {pk: [] for pk in ids}
        for r in rows:
            if r.claim_id in ids:
                found[r.claim_id].append((r.kind, r.target))
            if r.target_id in ids:
                found[r.target_id].append((relations.INVERSE[r.kind], r.claim))
        return found

    def _same_as_closure(self, claim_ids) -> tuple[set[int], set[relations.Edge]]:
        """Every claim reached from these by same_as, with the edges read: one query per step."""
        reached, frontier, edges = set(claim_ids), set(claim_ids), set()
        while frontier:
            found = self.filter(kind=RelationKind.SAME_AS).touching(frontier).edges()
            edges.update(found)
            ends = {x for e in found for x in (e.claim, e.target)}
            frontier = ends - reached
            reached |= ends
        return reached, edges

    def same_as_groups(self, claim_ids) -> dict[int, frozenset[int]]:
        """Each claim's same_as group (itself included): one query per step of the chains."""
        _, edges = self._same_as_closure(set(claim_ids))
        found = relations.groups(edges)
        return {pk: found.get(pk, frozenset({pk})) for pk in claim_ids}

    def contradicting_each(self, groups: dict[int, frozenset[int]]) -> dict[int, set[int]]:
        """For each claim of `groups` (claim → its same_as group), the claims that contradict a
        member of its group, outside the group. One query for all."""
        members = set().union(*groups.values()) if groups else set()
        found = self.filter(kind=RelationKind.CONTRADICTS).touching(members).edges()
        return {
            pk: {x for e in found if {e.claim, e.target} & group for x in (e.claim, e.target)}
            - group
            for pk, group in groups.items()
        }

    def same_as_group(self, claim_id: int) -> frozenset[int]:
        """The claim's same_as group (itself included)."""
        _, edges = self._same_as_closure({claim_id})
        return relations.group_of(claim_id, edges)

    def contradicting(self, claim_ids) -> set[int]:
        """Ids of the claims that contradict any of these claims (either way round)."""
        ids = set(claim_ids)
        found = self.filter(kind=RelationKind.CONTRADICTS).touching(ids).edges()
        return {x for e in found for x in (e.claim, e.target)} - ids

    def affected_by(self, claim_ids) -> set[int]:
        """Every claim whose status reads the evidence of these claims: their same_as groups and
        the claims contradicting any member of those groups, with their own groups (two queries
        when none is related)."""
        reached, _ = self._same_as_closure(set(claim_ids))
        others = self.contradicting(reached)
        if others:
            others, _ = self._same_as_closure(others)
        return reached | others


class ClaimRelation(models.Model):
    """A curated relation from one claim to another; the rules read it both ways round."""

    Kind = RelationKind

    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.CASCADE, related_name="relations_from"
    )
    kind = models.CharField(
        max_length=12,
        choices=RelationKind.choices,
        help_text="Read as: this claim is … the other claim.",
    )
    target = models.ForeignKey(
        "claims.Claim",
        on_delete=models.CASCADE,
        related_name="relations_to",
        verbose_name="other claim",
    )
    note = models.CharField(max_length=300, blank=True, help_text="Why the editor related them.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClaimRelationQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=RelationKind.values), name="claimrelation_kind_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(claim=models.F("target")), name="claimrelation_not_self"
            ),
            models.UniqueConstraint(fields=["claim", "target"], name="claimrelation_one_per_pair"),
        ]
        indexes = [
            # Relations pointing at a claim (its page, its group, the rules' checks).
            models.Index(fields=["target", "kind"], name="claimrelation_target"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {relations.LABELS.get(self.kind, self.kind)} {self.target_id}"

    def clean(self) -> None:
        if not (self.claim_id and self.target_id and self.kind):
            return
        new = relations.Edge(self.claim_id, self.kind, self.target_id)
        if new.claim == new.target:
            raise ValidationError({"target": "A relation cannot point at its own claim."})
        # Every relation of the connected claims could matter to a cycle; relations are few and
        # curated by hand, so read them all.
        existing = ClaimRelation.objects.exclude(pk=self.pk).edges()
        message = relations.problem(new, existing)
        if message:
            raise ValidationError({"target": message})
