"""Where information comes from: outlets, the documents they publish, and the actors who speak."""

import hashlib
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from sources import dates
from sources.quotes import QuoteError, find_quote
from sources.slugs import unique_slug


class Curated(models.Model):
    """Fields every curated record shares: a version for optimistic concurrency, and timestamps."""

    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Raised by one on every save; used to refuse stale edits.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.version = (self.version or 0) + 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version", "updated_at"}
        super().save(*args, **kwargs)


class OutletKind(models.TextChoices):
    NEWS_AGENCY = "news_agency", "News agency"
    NEWSPAPER = "newspaper", "Newspaper"
    BROADCASTER = "broadcaster", "Broadcaster"
    STATE_MEDIA = "state_media", "State media"
    GOVERNMENT = "government", "Government body"
    RESEARCH = "research", "Research group"
    MAGAZINE = "magazine", "Magazine"
    BLOG = "blog", "Blog or aggregator"
    SOCIAL = "social", "Social media account"
    OTHER = "other", "Other"


class OutletQuerySet(models.QuerySet):
    def matching(self, name: str) -> "OutletQuerySet":
        """Outlets whose name or slug equals `name`, ignoring case."""
        return self.filter(models.Q(name__iexact=name) | models.Q(slug__iexact=name))


class Outlet(Curated):
    Kind = OutletKind

    name = models.CharField(max_length=200, unique=True, help_text="The publisher's usual name.")
    slug = models.SlugField(max_length=200, unique=True, help_text="Used in page addresses.")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    country = models.CharField(max_length=100, blank=True, help_text="Where it is based, if known.")
    domain = models.CharField(
        max_length=200, blank=True, help_text="Web domain without scheme, e.g. rferl.org."
    )
    notes = models.TextField(
        blank=True, help_text="Ownership and reliability notes, e.g. “state-run”."
    )

    history = HistoricalRecords()
    objects = OutletQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=OutletKind.values), name="outlet_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sources:outlet", kwargs={"slug": self.slug})

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.name)
        super().save(*args, **kwargs)


# A document's origin: (key, label). Key ("outlet", id), or ("document", id) when the publisher
# is unknown; label the outlet's name, or “the unknown publisher of “title””.
Origin = tuple[tuple, str]


# SQLite caps the parameters of one query: IN lists of at most this many ids.
IN_CHUNK = 5000


def one_of(model, column: str, ids: list[int]) -> list:
    """Conditions "`column` of `model` is one of `ids`", together covering all of them.

    PostgreSQL: one condition with one array parameter (`= ANY(%s::bigint[])`); an IN list of a
    thousand separate parameters costs more to bind and plan than the query itself. The array goes
    as its text ('{1,2,3}', each id made an int first): psycopg's list dumper checks every element
    with a regular expression (2 ms for 2,000 ids, three times in a search). SQLite: IN lists of
    IN_CHUNK ids at most.
    """
    if connection.vendor == "postgresql":
        name = f'"{model._meta.db_table}"."{column}"'
        array = "{" + ",".join(str(int(pk)) for pk in ids) + "}"
        return [RawSQL(f"{name} = ANY(%s::bigint[])", (array,), output_field=models.BooleanField())]
    return [
        models.Q(**{f"{column}__in": ids[start : start + IN_CHUNK]})
        for start in range(0, len(ids), IN_CHUNK)
    ]


class DocumentQuerySet(models.QuerySet):
    def origins(self, document_ids: Iterable[int]) -> dict[int, Origin]:
        """Map each document id to its origin: the outlet that first published its text.

        The one implementation of the rule. A copy (`derived_from`) has the origin of the first
        stored document of its chain; that root's `origin_outlet` (the original is not stored) or
        else its `outlet`; when both are unknown, the root document stands as its own origin.
        One query per level of copying, however many documents are asked for.
        """
        asked = set(document_ids)
        rows: dict[int, dict] = {}
        wanted = set(asked)
        while wanted:
            for among in one_of(Document, "id", sorted(wanted)):
                for row in self.filter(among).order_by().values(*_ORIGIN_COLUMNS):
                    rows[row["pk"]] = row
            wanted = {r["derived_from_id"] for r in rows.values() if r["derived_from_id"]}
            wanted -= rows.keys()
        origins = {}
        for pk in asked & rows.keys():
            root, seen = rows[pk], set()
            while root["derived_from_id"] in rows and root["pk"] not in seen:
                seen.add(root["pk"])
                root = rows[root["derived_from_id"]]
            if root["origin_outlet_id"]:
                origins[pk] = (("outlet", root["origin_outlet_id"]), root["origin_outlet__name"])
            elif root["outlet_id"]:
                origins[pk] = (("outlet", root["outlet_id"]), root["outlet__name"])
            else:
                origins[pk] = (
                    ("document", root["pk"]),
                    f"the unknown publisher of “{root['title']}”",
                )
        return origins


_ORIGIN_COLUMNS = (
    "pk",
    "title",
    "derived_from_id",
    "outlet_id",
    "outlet__name",
    "origin_outlet_id",
    "origin_outlet__name",
)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Document(Curated):
    title = models.CharField(
        max_length=500, help_text="The headline, or a short neutral description."
    )
    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        help_text="Who published this copy. Leave empty when the publisher is unknown: never guess.",
    )
    url = models.URLField(
        max_length=1000, blank=True, help_text="Where it was published, if known."
    )
    published = models.DateField(
        null=True, blank=True, help_text="Publication date, empty when unknown."
    )
    published_precision = dates.precision_field("the publication date")
    archive_url = models.URLField(
        max_length=1000,
        blank=True,
        help_text="An archived copy (Wayback Machine, archive.today), so the source can be checked "
        "after it changes or disappears.",
    )
    archived_on = models.DateField(
        null=True, blank=True, help_text="When the archived copy was captured."
    )
    date_note = models.TextField(
        blank=True,
        help_text="How the date was read or narrowed from the text, or why it is unknown.",
    )
    byline = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=12, default="en", help_text="Language code, e.g. en.")
    text = models.TextField(
        help_text="The full text exactly as stored: the ground truth that quotes are checked against."
    )
    content_hash = models.CharField(max_length=64, editable=False, help_text="SHA-256 of the text.")
    derived_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="derivatives",
        help_text="A stored document this one copies, syndicates or rewrites.",
    )
    origin_outlet = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="derived_documents",
        help_text="When the original is not stored: the outlet that first published it.",
    )
    notes = models.TextField(blank=True)

    history = HistoricalRecords(excluded_fields=["text"])
    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-published", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["url"], condition=~models.Q(url=""), name="document_url_unique"
            ),
            models.UniqueConstraint(fields=["content_hash"], name="document_content_unique"),
            models.CheckConstraint(
                condition=~models.Q(derived_from=models.F("id")), name="document_not_own_source"
            ),
            models.CheckConstraint(
                condition=models.Q(published_precision__in=dates.DatePrecision.values),
                name="document_published_precision_valid",
            ),
        ]
        indexes = [
            # Documents by outlet, newest first (outlet pages, ?outlet= filters).
            models.Index(fields=["outlet", "-published"], name="document_outlet_date"),
            # Date-range filters and "recent documents" on the home page.
            models.Index(fields=["-published"], name="document_published"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("sources:document", kwargs={"pk": self.pk})

    @property
    def published_display(self) -> str:
        """The publication date as precisely as it is known ("April 2023"), or ""."""
        return dates.display(self.published, self.published_precision)

    def clean(self) -> None:
        super().clean()
        if not self.text or not self.text.strip():
            raise ValidationError({"text": "The document has no text."})
        if self.published and self.published > timezone.localdate():
            raise ValidationError({"published": "The publication date is in the future."})
        if self.derived_from_id and self.origin_outlet_id:
            raise ValidationError(
                {"origin_outlet": "Give either the stored original or its outlet, not both."}
            )
        seen, node = {self.pk}, self.derived_from
        while node is not None:
            if node.pk in seen:
                raise ValidationError({"derived_from": "This would make a copy of itself."})
            seen.add(node.pk)
            node = node.derived_from
        if self.pk:
            quoted = self.attributions.all()
            if self.published:
                late = quoted.filter(stated_on__gt=self.published).first()
                if late:
                    raise ValidationError(
                        {
                            "published": f"An attribution in this document is dated "
                            f"{late.stated_on}, after this date."
                        }
                    )
            for attribution in quoted.only("quote", "quote_start", "quote_end"):
                if self.text[attribution.quote_start : attribution.quote_end] != attribution.quote:
                    try:
                        find_quote(self.text, attribution.quote)
                    except QuoteError:
                        raise ValidationError(
                            {
                                "text": "The new text no longer contains the quote "
                                f"“{attribution.quote[:60]}” of attribution #{attribution.pk}."
                            }
                        ) from None

    def save(self, *args, **kwargs):
        # Only this row's derived field. Re-anchoring quotes and refreshing the claims that cite
        # the document are claims.services.save_document's work.
        self.content_hash = content_hash(self.text)
        super().save(*args, **kwargs)

    def lineage_ids(self) -> list[int]:
        """This document and every stored copy made from it, however indirectly."""
        ids, frontier = [self.pk], [self.pk]
        while frontier:
            frontier = list(
                Document.objects.filter(derived_from__in=frontier).values_list("pk", flat=True)
            )
            frontier = [pk for pk in frontier if pk not in ids]
            ids.extend(frontier)
        return ids

    def origin(self) -> Origin:
        """(key, label) of the outlet that first published this text (DocumentQuerySet.origins)."""
        return Document.objects.origins([self.pk])[self.pk]


class ActorKind(models.TextChoices):
    PERSON = "person", "Person"
    GOVERNMENT = "government", "Government or state body"
    ARMED_GROUP = "armed_group", "Armed group"
    POLITICAL_GROUP = "political_group", "Political group"
    MEDIA = "media", "Media organisation"
    INTERNATIONAL_BODY = "international_body", "International body"
    RESEARCH = "research", "Research group or expert body"
    GROUP = "group", "Group of speakers"
    OTHER = "other", "Other"


class ActorQuerySet(models.QuerySet):
    def named(self, name: str) -> "ActorQuerySet":
        """Actors whose name, slug or any alias equals `name`, ignoring case."""
        name = name.strip()
        # lower() on both sides, as the indexes are built (actor_name_lower, the unique index of
        # actor_alias_unique_ci); iexact would compile to UPPER() on PostgreSQL and use neither.
        wanted = Lower(models.Value(name))
        by_alias = ActorAlias.objects.filter(Exact(Lower("name"), wanted)).values("actor_id")
        return self.filter(
            models.Q(Exact(Lower("name"), wanted))
            | models.Q(slug=name.lower())
            | models.Q(pk__in=by_alias)
        )


class Actor(Curated):
    Kind = ActorKind

    name = models.CharField(max_length=200, help_text="The name most sources use.")
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=24, choices=Kind.choices, default=Kind.OTHER)
    description = models.TextField(blank=True, help_text="Who they are, in a sentence or two.")
    affiliation = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        help_text="The organisation they speak for or belong to (Suhail Shaheen → Taliban).",
    )
    outlet = models.OneToOneField(
        Outlet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actor",
        help_text="When an outlet itself is the speaker (“according to Bakhtar News Agency”).",
    )

    history = HistoricalRecords()
    objects = ActorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ActorKind.values), name="actor_kind_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(affiliation=models.F("id")), name="actor_not_own_affiliation"
            ),
        ]
        indexes = [
            # Alias/name look-ups: Actor.objects.named("ISKP").
            models.Index(Lower("name"), name="actor_name_lower"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sources:actor", kwargs={"slug": self.slug})

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.name)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        seen, node = {self.pk}, self.affiliation
        while node is not None:
            if node.pk in seen:
                raise ValidationError({"affiliation": "This would make the actor its own member."})
            seen.add(node.pk)
            node = node.affiliation
        if self.name:
            clash = ActorAlias.objects.filter(name__iexact=self.name.strip())
            if self.pk:
                clash = clash.exclude(actor_id=self.pk)
            if clash.exists():
                other = clash.select_related("actor").first().actor
                raise ValidationError({"name": f"“{self.name}” is already an alias of {other}."})


class ActorAlias(models.Model):
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200, help_text="Another name: IS-K, ISKP, Daesh…")

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "actor aliases"
        constraints = [
            # One alias names one actor: look-ups by alias must not be ambiguous.
            models.UniqueConstraint(Lower("name"), name="actor_alias_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        self.name = (self.name or "").strip()
        if not self.name:
            raise ValidationError({"name": "An alias cannot be empty."})
        clash = ActorAlias.objects.filter(name__iexact=self.name).exclude(pk=self.pk)
        if clash.exists():
            raise ValidationError(
                {
                    "name": f"“{self.name}” already names {clash.select_related('actor').first().actor}."
                }
            )
        same_name = Actor.objects.filter(name__iexact=self.name)
        if self.actor_id:
            same_name = same_name.exclude(pk=self.actor_id)
        if same_name.exists():
            raise ValidationError({"name": f"“{self.name}” is the name of another actor."})
