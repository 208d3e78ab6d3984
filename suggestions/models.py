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


class ImportBatch(models.Model):
    """One bulk import (a folder, a zip or a feed file): its progress and what became of each file.

    The uploaded bytes wait in `payload` until the worker reads them, so any machine running the
    worker can do the work; they are dropped once the batch is finished.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Importing"
        DONE = "done", "Finished"
        FAILED = "failed", "Stopped: the file could not be read"

    name = models.CharField(max_length=300, help_text="The folder, zip or feed file imported.")
    outlet = models.CharField(
        max_length=200, blank=True, help_text="Publisher of every article; empty to read it."
    )
    payload = models.BinaryField(blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    message = models.TextField(blank=True, help_text="Why the batch stopped, when it did.")
    total = models.PositiveIntegerField(default=0, help_text="Articles found in the batch.")
    imported = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "import batches"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "done", "failed"]),
                name="import_batch_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display().lower()})"

    @property
    def processed(self) -> int:
        return self.imported + self.duplicates + self.failed

    @property
    def percent(self) -> int:
        """How far the batch is, 0 to 100."""
        if self.status in (self.Status.DONE, self.Status.FAILED):
            return 100
        return 100 * self.processed // self.total if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ImportBatchEntry(models.Model):
    """What became of one article of a batch: imported, already stored, or refused and why."""

    class Outcome(models.TextChoices):
        IMPORTED = "imported", "Imported"
        DUPLICATE = "duplicate", "Already stored"
        FAILED = "failed", "Not imported"

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveIntegerField(help_text="Order of the article in the batch.")
    name = models.CharField(max_length=500, help_text="File name in the folder or zip, or title.")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    message = models.TextField(blank=True)
    document = models.ForeignKey(
        "sources.Document", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    suggestions = models.PositiveIntegerField(
        null=True, blank=True, help_text="Open suggestions found in the document; empty until run."
    )

    class Meta:
        ordering = ["batch", "position"]
        verbose_name_plural = "import batch entries"
        constraints = [
            models.UniqueConstraint(fields=["batch", "position"], name="import_entry_once"),
            models.CheckConstraint(
                condition=models.Q(outcome__in=["imported", "duplicate", "failed"]),
                name="import_entry_outcome_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.get_outcome_display().lower()}"
