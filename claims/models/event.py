from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from sources.models import Curated
from sources.slugs import unique_slug


class EventQuerySet(models.QuerySet):
    def with_published_claims(self) -> "EventQuerySet":
        """Events that at least one published claim is about."""
        return self.filter(claims__publication="published").distinct()


class Event(Curated):
    name = models.CharField(
        max_length=300, help_text="A short neutral name: “Kabul airport bombing”."
    )
    slug = models.SlugField(max_length=200, unique=True)
    date = models.DateField(null=True, blank=True, help_text="When it happened, if known.")
    place = models.CharField(max_length=300, blank=True, help_text="Where it happened.")
    description = models.TextField(blank=True)

    history = HistoricalRecords()
    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "name"]
        indexes = [
            # Event lists newest first, and date-range filters.
            models.Index(fields=["-date"], name="event_date"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.date})" if self.date else self.name

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
