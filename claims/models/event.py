from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from claims.models.claim import Claim
from claims.visibility import sees_drafts
from sources import dates
from sources.models import Curated
from sources.slugs import unique_slug


class EventQuerySet(models.QuerySet):
    def with_published_claims(self) -> "EventQuerySet":
        """Events that at least one published claim is about (a sub-query: no DISTINCT)."""
        return self.filter(pk__in=Claim.objects.published().values("event_id"))

    def visible_to(self, user) -> "EventQuerySet":
        """The events `user` may see: every event for those who see drafts, else the events that
        a published claim is about (an event holding only drafts would name an unpublished story)."""
        return self if sees_drafts(user) else self.with_published_claims()


class Event(Curated):
    name = models.CharField(
        max_length=300, help_text="A short neutral name: “Kabul airport bombing”."
    )
    slug = models.SlugField(max_length=200, unique=True)
    date = models.DateField(null=True, blank=True, help_text="When it happened, if known.")
    date_precision = dates.precision_field("the date")
    place = models.CharField(max_length=300, blank=True, help_text="Where it happened.")
    description = models.TextField(blank=True)

    history = HistoricalRecords()
    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_precision__in=dates.DatePrecision.values),
                name="event_date_precision_valid",
            ),
        ]
        indexes = [
            # Event lists newest first, and date-range filters.
            models.Index(fields=["-date"], name="event_date"),
        ]

    def __str__(self) -> str:
        when = dates.display(self.date, self.date_precision)
        return f"{self.name} ({when})" if self.date else self.name

    @property
    def date_display(self) -> str:
        """The date as precisely as it is known ("August 2021"), or ""."""
        return dates.display(self.date, self.date_precision)

    def get_absolute_url(self) -> str:
        return reverse("claims:event", kwargs={"slug": self.slug})

    def clean(self) -> None:
        super().clean()
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": "The event's date is in the future."})

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, f"{self.name} {self.date.year if self.date else ''}")
        super().save(*args, **kwargs)
