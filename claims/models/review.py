"""The review state every attribution and figure carries (issue 13).

Evidence on a published claim changes only when a reviewer approves the change:
- a new row is saved `pending` (invisible to the public until approved);
- an edit of an approved row is saved as a pending copy (`replaces` points to the live row, which
  keeps serving the public until approval writes the copy's values onto it and drops the copy);
- a deletion marks the live row `pending_deletion` (still public until the deletion is approved).
The transitions are `claims.services.approve_evidence` / `reject_evidence`; the public querysets
(`visible_to`) show only `LIVE` rows.
"""

from django.conf import settings
from django.db import models


class Review(models.TextChoices):
    APPROVED = "approved", "Approved"
    PENDING = "pending", "Pending review"
    PENDING_DELETION = "pending_deletion", "Deletion pending review"


# The review states the public sees (a pending deletion stays public until it is approved).
LIVE = (Review.APPROVED, Review.PENDING_DELETION)


class Reviewed(models.Model):
    """Review fields shared by Attribution and Figure."""

    Review = Review

    review = models.CharField(
        max_length=16,
        choices=Review.choices,
        default=Review.APPROVED,
        editable=False,
        help_text="Whether a reviewer approved this evidence; pending evidence is not public.",
    )
    replaces = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        editable=False,
        related_name="pending_edits",
        help_text="For a pending edit: the live row it would change when approved.",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_pending(self) -> bool:
        return self.review != Review.APPROVED


class ReviewedQuerySet(models.QuerySet):
    def live(self):
        """Rows the public sees when their claim is published: approved ones and those whose
        deletion waits for review."""
        return self.filter(review__in=LIVE)

    def proposed(self):
        """Rows as they would be if every pending change were approved: pending deletions and
        rows with a pending edit are left out, the pending copies stand in for the latter."""
        edited = self.model.objects.filter(replaces=models.OuterRef("pk"))
        return self.exclude(review=Review.PENDING_DELETION).exclude(models.Exists(edited))

    def originals(self):
        """Every row but the pending copies of edits (what staff lists show, marked by review)."""
        return self.filter(replaces__isnull=True)

    def pending(self):
        """Rows waiting for a reviewer: new rows, copies of edits and deletions."""
        return self.exclude(review=Review.APPROVED)
