from django.conf import settings
from django.db import models


class SuggestionDecision(models.Model):
    """An editor's answer to one suggested attribution or figure, so it is not suggested again."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    document = models.ForeignKey(
        "sources.Document", on_delete=models.CASCADE, related_name="suggestion_decisions"
    )
    fingerprint = models.CharField(
        max_length=64, help_text="Identifies the suggestion: its kind, span and values."
    )
    kind = models.CharField(max_length=20)
    quote_start = models.PositiveIntegerField()
    quote_end = models.PositiveIntegerField()
    decision = models.CharField(max_length=10, choices=Decision.choices)
    attribution = models.ForeignKey(
        "claims.Attribution",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestion_decisions",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Created by the claims app before the suggestion engine had an app of its own.
        db_table = "claims_suggestiondecision"
        ordering = ["document", "quote_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "fingerprint"], name="suggestion_decided_once"
            ),
            models.CheckConstraint(
                condition=models.Q(decision__in=["accepted", "rejected"]),
                name="suggestion_decision_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision} {self.kind} at {self.quote_start}-{self.quote_end}"
