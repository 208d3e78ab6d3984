from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from claims.visibility import sees_drafts
from sources.models import Curated
from sources.slugs import unique_slug


class Tag(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.name)
        super().save(*args, **kwargs)


class Status(models.TextChoices):
    CONTESTED = "contested", "Contested"
    CORROBORATED = "corroborated", "Corroborated"
    REPORTED = "reported", "Reported"
    ATTRIBUTED = "attributed", "Attributed"
    UNSUPPORTED = "unsupported", "Unsupported"


class Verdict(models.TextChoices):
    TRUE = "true", "True"
    MOSTLY_TRUE = "mostly_true", "Mostly true"
    MIXED = "mixed", "Mixed"
    MOSTLY_FALSE = "mostly_false", "Mostly false"
    FALSE = "false", "False"
    MISLEADING = "misleading", "Misleading"
    UNVERIFIABLE = "unverifiable", "Unverifiable"


class Publication(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"


# What makes a claim public: the one condition behind published(), hidden_from() and the partial
# indexes of either side.
PUBLIC = models.Q(publication=Publication.PUBLISHED)


class ClaimQuerySet(models.QuerySet):
    def published(self) -> "ClaimQuerySet":
        """Claims anonymous readers may see."""
        return self.filter(PUBLIC)

    def visible_to(self, user) -> "ClaimQuerySet":
        """The claims `user` may see: all of them for those who see drafts, else published ones."""
        return self if sees_drafts(user) else self.published()

    def hidden_from(self, user) -> "ClaimQuerySet":
        """The claims `user` may not see: the rest of visible_to's (none for those who see
        drafts, else the unpublished ones, few beside the published: claim_hidden_id)."""
        return self.none() if sees_drafts(user) else self.exclude(PUBLIC)

    def contested(self) -> "ClaimQuerySet":
        return self.filter(status=Claim.Status.CONTESTED)

    def for_event(self, event) -> "ClaimQuerySet":
        return self.filter(event=event)

    def in_review(self) -> "ClaimQuerySet":
        """Claims waiting for a reviewer, oldest submission first."""
        return self.filter(publication=Claim.Publication.IN_REVIEW).order_by("updated_at")


# Bookkeeping columns of conditional reads (claims.versions), not content: never in history, and
# kept as they are when a claim is restored, so that they never go back.
READ_VERSIONS = ("evidence_version", "status_version", "shown_version")


class Claim(Curated):
    Status = Status

    Verdict = Verdict

    Publication = Publication

    text = models.CharField(
        max_length=500,
        help_text="One proposition in neutral words: “IS-K has links with the Taliban”.",
    )
    slug = models.SlugField(max_length=200, unique=True)
    event = models.ForeignKey(
        "claims.Event",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        help_text="The event the claim is about, if any.",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="claims")
    status = models.CharField(
        max_length=16,
        choices=Status.choices,
        default=Status.UNSUPPORTED,
        editable=False,
        help_text="Derived from the attributions and figures; never edited by hand.",
    )
    status_reason = models.TextField(
        blank=True, default="unsupported: no attributions yet", editable=False
    )
    verdict = models.CharField(
        max_length=16,
        choices=Verdict.choices,
        blank=True,
        help_text="An editorial rating (ClaimReview), kept apart from the evidence-derived status.",
    )
    verdict_note = models.TextField(blank=True, help_text="Why the reviewers rated it so.")
    publication = models.CharField(
        max_length=10, choices=Publication.choices, default=Publication.DRAFT
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    review_note = models.TextField(
        blank=True, help_text="The reviewer's reason when a claim is returned to draft."
    )

    # Bookkeeping for reads, not content: raised by claims.services whenever the claim's evidence
    # (attributions, figures, relations) is refreshed, so conditional reads (claims.versions)
    # notice a change that leaves the claim's own row and `version` untouched. Not in history
    # and never compared on saves (that is `version`).
    evidence_version = models.PositiveBigIntegerField(default=0, editable=False)
    # Raised only when a refresh changes the stored status or its reason: for pages that show a
    # claim's status but not its evidence (an actor's statements).
    status_version = models.PositiveBigIntegerField(default=0, editable=False)
    # Raised (claims.versions.shown_changed) when a record the claim's detail shows but does not
    # hold changes: a document, outlet or speaker its evidence names, a claim related to it, its
    # event, a tag. With `version` and `evidence_version` it is the claim detail's whole version:
    # one row read, not an aggregate over the evidence nor a join, answers a revalidation.
    shown_version = models.PositiveBigIntegerField(default=0, editable=False)
    history = HistoricalRecords(
        m2m_fields=[tags],
        excluded_fields=list(READ_VERSIONS),
    )
    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        permissions = [("publish_claim", "Can publish and unpublish claims and set verdicts")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values),
                name="claim_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(verdict__in=["", *Verdict.values]),
                name="claim_verdict_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(publication__in=Publication.values),
                name="claim_publication_valid",
            ),
        ]
        indexes = [
            # Public lists: published claims by status, most recently changed first.
            models.Index(fields=["publication", "status", "-updated_at"], name="claim_pub_status"),
            # ?status= filters across publication states (editors, API).
            models.Index(fields=["status"], name="claim_status"),
            # Claims of an event (event pages, ?event=).
            models.Index(fields=["event", "publication"], name="claim_event_pub"),
            # Unfiltered public lists and API pages, newest first (no sort of every published row).
            # With the id: the public claims' ids by an index-only scan, which a filter on their
            # evidence (a date range, a speaker) joins and counts: 60-90 -> 25 ms for a year's
            # 30,000 claims at scale 1 (the heap of claims was read for them before).
            models.Index(
                fields=["publication", "-updated_at"], include=["id"], name="claim_pub_updated"
            ),
            # The public claims' ids alone, in id order: a list filtered on their evidence (a
            # date range, a speaker) counts its matches by joining them, and this index is a
            # quarter of the one above to read (a year's date range: 42 -> 31 ms at scale 1).
            models.Index(
                fields=["id"],
                condition=PUBLIC,
                name="claim_published_id",
            ),
            # The claims the public may not see (hidden_from), for counts that take them away
            # from the claims found through their evidence (ClaimFilter.count).
            models.Index(
                fields=["id"],
                condition=~PUBLIC,
                name="claim_hidden_id",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    def get_absolute_url(self) -> str:
        return reverse("claims:claim", kwargs={"slug": self.slug})

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.text)
        super().save(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.publication == self.Publication.PUBLISHED
