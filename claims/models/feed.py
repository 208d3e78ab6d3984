from django.db import models


class PublicRecord(models.Model):
    """The public representation of one record as the feed last logged it: what a mirror that
    replayed the feed holds. claims.feed compares a record's fresh representation with this row
    to decide whether to log a change."""

    type = models.CharField(max_length=16)
    object_id = models.BigIntegerField()
    # The claim a claim, attribution or figure belongs to (null for other types): which logged
    # records to recheck when a claim changes, also after its evidence was deleted.
    claim_id = models.BigIntegerField(null=True, blank=True)
    digest = models.CharField(max_length=64)
    data = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["type", "object_id"], name="publicrecord_unique_key")
        ]
        indexes = [models.Index(fields=["claim_id"], name="publicrecord_claim")]

    def __str__(self) -> str:
        return f"{self.type} #{self.object_id}"


class PublicChange(models.Model):
    """The change feed: one row per change of a public record, appended by claims.feed in the
    transaction of the write. `id` is the sequence number a cursor follows."""

    class Action(models.TextChoices):
        UPSERT = "upsert", "Upsert"
        DELETE = "delete", "Delete"

    id = models.BigAutoField(primary_key=True)
    type = models.CharField(max_length=16)
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=8, choices=Action.choices)
    time = models.DateTimeField()
    # The record as an anonymous reader gets it from the API list (null for a delete).
    data = models.JSONField(null=True, blank=True)
    digest = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["time"], name="publicchange_time")]

    def __str__(self) -> str:
        return f"{self.id}: {self.action} {self.type} #{self.object_id}"
