from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from claims import intervals
from claims.models.review import LIVE, Review, Reviewed, ReviewedQuerySet
from claims.visibility import sees_drafts
from sources import dates
from sources.models import Curated
from sources.quotes import QuoteError, QuoteNotFound, closest_passages, find_quote, short


class Voice(models.TextChoices):
    OWN = "own", "Outlet's own voice"
    QUOTED = "quoted", "Direct quote"
    PARAPHRASED = "paraphrased", "Reported speech"
    UNNAMED = "unnamed", "Unnamed source"
    HEARSAY = "hearsay", "Hearsay or hedged"


class Stance(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    REFUTES = "refutes", "Refutes"
    QUESTIONS = "questions", "Questions"
    NEUTRAL = "neutral", "Neutral"


class AttributionQuerySet(ReviewedQuerySet):
    def with_context(self) -> "AttributionQuerySet":
        """Join what a listing of attributions shows: claim, speaker, outlet, via and document."""
        return self.select_related(
            "claim",
            "speaker",
            "via",
            "document__outlet",
            "document__origin_outlet",
        )

    def published(self) -> "AttributionQuerySet":
        """Attributions the public sees: approved (live) ones of published claims."""
        return self.filter(claim__publication="published", review__in=LIVE)

    def reviewed_for(self, user) -> "AttributionQuerySet":
        """Of these attributions (of claims `user` may see), those in a review state `user` sees:
        every one but the pending copies of edits for those who see drafts (pending ones marked
        by `review`), approved ones for the public."""
        return self.originals() if sees_drafts(user) else self.live()

    def visible_to(self, user) -> "AttributionQuerySet":
        """The attributions `user` may see: those of the claims Claim.objects.visible_to shows,
        in the review states `reviewed_for` allows (the public: approved ones only)."""
        return self.originals() if sees_drafts(user) else self.published()


class Attribution(Reviewed, Curated):
    Voice = Voice

    Stance = Stance

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="attributions")
    document = models.ForeignKey(
        "sources.Document",
        on_delete=models.PROTECT,
        related_name="attributions",
        help_text="The stored text in which the claim appears.",
    )
    speaker = models.ForeignKey(
        "sources.Actor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attributions",
        help_text="Who says it. Empty when the outlet speaks in its own voice or for hearsay.",
    )
    speaker_description = models.CharField(
        max_length=300,
        blank=True,
        help_text="How the text names an unnamed source: “a senior official in the Pakistani government”.",
    )
    via = models.ForeignKey(
        "sources.Outlet",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="relayed_attributions",
        help_text="The outlet it was relayed through (“…, RFE/RL reported”); it becomes the origin.",
    )
    stated_on = models.DateField(
        null=True,
        blank=True,
        help_text="When the speaker said it, if known. Never after the document's date.",
    )
    # Derived (set_said_on): the date it was said by the one rule, stored so that date ranges are
    # one indexed condition. Kept current by save() and by claims.services.save_document.
    said_on = models.DateField(null=True, blank=True, editable=False)
    voice = models.CharField(max_length=12, choices=Voice.choices)
    stance = models.CharField(max_length=10, choices=Stance.choices)
    quote = models.TextField(
        help_text="The exact words from the document. Straight or curly quotes and dashes both match; "
        "the document's own characters are stored."
    )
    occurrence = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="When the same words occur several times: which one (1 = first).",
    )
    quote_start = models.PositiveIntegerField(editable=False, default=0)
    quote_end = models.PositiveIntegerField(editable=False, default=0)
    quote_prefix = models.CharField(max_length=64, blank=True, editable=False)
    quote_suffix = models.CharField(max_length=64, blank=True, editable=False)
    note = models.TextField(blank=True, help_text="Editor's note, e.g. why this voice or stance.")

    history = HistoricalRecords()
    objects = AttributionQuerySet.as_manager()

    class Meta:
        ordering = ["document", "quote_start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(voice__in=Voice.values),
                name="attribution_voice_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(stance__in=Stance.values),
                name="attribution_stance_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(quote_end=models.F("quote_start") + Length("quote"))
                & models.Q(quote_end__gt=models.F("quote_start")),
                name="attribution_offsets_span_quote",
            ),
            models.CheckConstraint(
                condition=~models.Q(voice__in=["own", "hearsay"], speaker__isnull=False),
                name="attribution_own_voice_has_no_speaker",
            ),
            models.CheckConstraint(
                condition=~models.Q(voice__in=["quoted", "paraphrased"], speaker__isnull=True),
                name="attribution_quoted_has_speaker",
            ),
            models.UniqueConstraint(
                fields=["claim", "document", "quote_start", "quote_end"],
                condition=models.Q(replaces__isnull=True),
                name="attribution_unique_span",
            ),
            models.CheckConstraint(
                condition=models.Q(review__in=Review.values), name="attribution_review_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(replaces__isnull=True) | models.Q(review=Review.PENDING),
                name="attribution_edit_copy_pending",
            ),
        ]
        indexes = [
            # A claim's attributions in document order (claim pages, status refresh).
            models.Index(fields=["claim", "document"], name="attribution_claim"),
            # ?speaker= and actor pages.
            models.Index(fields=["speaker", "stance"], name="attribution_speaker"),
            # Document pages: attributions in text order.
            models.Index(fields=["document", "quote_start"], name="attribution_document"),
            # ?voice=&stance= filters.
            models.Index(fields=["voice", "stance"], name="attribution_voice_stance"),
            models.Index(fields=["stated_on"], name="attribution_stated_on"),
            # Date-range filters (claims.filters.dated_between): the claims said in a range, read
            # from the index alone, the review state too (the public reads live rows only: without
            # it every matching row's heap page was read, 68 of the 116 ms of a year's count at
            # scale 1). PostgreSQL only: SQLite has no INCLUDE (check models.W040 silenced).
            models.Index(
                fields=["said_on", "claim"], include=["review"], name="attribution_said_on"
            ),
            # ?via= and outlet pages (whom an outlet relayed).
            models.Index(fields=["via"], name="attribution_via"),
            # The review queue: pending evidence by claim.
            models.Index(fields=["review", "claim"], name="attribution_review"),
        ]

    def __str__(self) -> str:
        who = self.speaker.name if self.speaker_id else self.get_voice_display()
        return f"{who}: “{short(self.quote, 10)}”"

    def get_absolute_url(self) -> str:
        return reverse("sources:document", kwargs={"pk": self.document_id}) + f"#a-{self.pk}"

    def anchor(self) -> None:
        """Find the quote in the document's text and store its offsets and context.

        Raises ValidationError on the quote field, naming the document and the quote's first words.
        """
        text = self.document.text
        if (
            not self._state.adding
            and self.occurrence is None
            and self.quote_end > self.quote_start
            and text[self.quote_start : self.quote_end] == self.quote
        ):
            return  # still anchored where it was: keep the editor's chosen occurrence
        try:
            found = find_quote(
                text,
                self.quote,
                prefix=self.quote_prefix,
                suffix=self.quote_suffix,
                occurrence=self.occurrence,
            )
        except QuoteError as error:
            message = f"In document #{self.document_id} “{self.document.title}”: {error}"
            if isinstance(error, QuoteNotFound):
                near = closest_passages(text, self.quote, limit=1)
                if near:
                    message += f" The closest passage is “{near[0].exact}”."
            raise ValidationError({"quote": message}) from None
        self.quote = found.exact
        self.quote_start, self.quote_end = found.start, found.end
        self.quote_prefix, self.quote_suffix = found.prefix, found.suffix

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.voice in (self.Voice.OWN, self.Voice.HEARSAY) and self.speaker_id:
            errors["speaker"] = (
                "Leave the speaker empty for the outlet's own voice or hearsay; "
                "choose “direct quote” or “reported speech” if someone is named."
            )
        if self.voice in (self.Voice.QUOTED, self.Voice.PARAPHRASED) and not self.speaker_id:
            errors["speaker"] = "A direct quote or reported speech needs the speaker who said it."
        if self.stated_on and self.stated_on > timezone.localdate():
            errors["stated_on"] = "The statement date is in the future."
        if self.document_id:
            published = self.document.published
            if self.stated_on and published and self.stated_on > published:
                errors["stated_on"] = (
                    f"The statement date {self.stated_on} is after the document's date {published}."
                )
            if self.quote:
                try:
                    self.anchor()
                except ValidationError as error:
                    errors.update({k: v[0] for k, v in error.message_dict.items()})
        if errors:
            raise ValidationError(errors)

    def set_said_on(self) -> None:
        """The date it was said: the stated date, else the document's date (None when neither).

        The one rule; claims.services.save_document applies it to a document's attributions when
        the document's date changes, and the migration that added the column backfilled it.
        """
        self.said_on = self.stated_on or self.document.published

    def save(self, *args, **kwargs):
        # Only this row's derived fields (the quote's offsets, the date it was said). The claim's
        # status is refreshed by the write services in claims.services, which every writer calls.
        self.anchor()
        self.set_said_on()
        super().save(*args, **kwargs)

    def origin(self, document_origin: tuple[tuple, str] | None = None) -> tuple[tuple, str]:
        """(key, label) of the outlet that first published this attribution.

        The outlet it was relayed through when given, else the origin of its document
        (`document_origin` when the caller resolved it in bulk: claims.evidence).
        """
        if self.via_id:
            return self.origin_from(self.via_id, self.via.name, None)
        return document_origin or self.document.origin()

    @staticmethod
    def origin_from(via_id: int | None, via_name: str | None, document_origin):
        """The rule of origin() on plain values: the `via` outlet when given, else the origin of
        the document (`document_origin`, from Document.objects.origins)."""
        if via_id:
            return ("outlet", via_id), via_name
        return document_origin


class Measure(models.TextChoices):
    KILLED = "killed", "Killed"
    WOUNDED = "wounded", "Wounded"
    MISSING = "missing", "Missing"
    ATTACKERS = "attackers", "Attackers"
    EVACUATED = "evacuated", "Evacuated"
    NOT_EVACUATED = "not_evacuated", "Not evacuated"
    DETAINED = "detained", "Detained"
    OTHER = "other", "Other"


class Qualifier(models.TextChoices):
    EXACT = "exact", "Exactly"
    AT_LEAST = "at_least", "At least"
    MORE_THAN = "more_than", "More than"
    AT_MOST = "at_most", "At most"
    FEWER_THAN = "fewer_than", "Fewer than"
    APPROXIMATELY = "approximately", "Approximately"
    RANGE = "range", "Range"
    UNSPECIFIED = "unspecified", "Unspecified (several, dozens)"


# The largest count every supported database stores in an integer column (PostgreSQL's int4).
MAX_FIGURE = 2_147_483_647


class FigureQuerySet(ReviewedQuerySet):
    def current(self) -> "FigureQuerySet":
        """Figures not superseded by a later update."""
        return self.filter(superseded_by__isnull=True)

    def published(self) -> "FigureQuerySet":
        """Figures the public sees: approved ones on approved attributions of published claims."""
        return self.filter(
            attribution__claim__publication="published",
            attribution__review__in=LIVE,
            review__in=LIVE,
        )

    def reviewed_for(self, user) -> "FigureQuerySet":
        """Of these figures (of claims `user` may see), those in a review state `user` sees:
        every one but the pending copies of edits for those who see drafts, approved ones on
        approved attributions for the public."""
        if sees_drafts(user):
            return self.originals()
        return self.filter(review__in=LIVE, attribution__review__in=LIVE)

    def visible_to(self, user) -> "FigureQuerySet":
        """The figures `user` may see: those of the claims Claim.objects.visible_to shows, in
        the review states `reviewed_for` allows (the public: approved ones only)."""
        return self.originals() if sees_drafts(user) else self.published()


class Figure(Reviewed, Curated):
    Measure = Measure

    Qualifier = Qualifier

    attribution = models.ForeignKey(Attribution, on_delete=models.CASCADE, related_name="figures")
    event = models.ForeignKey(
        "claims.Event",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="figures",
        help_text="Defaults to the claim's event; empty when the count is not about one event.",
    )
    measure = models.CharField(max_length=16, choices=Measure.choices)
    population = models.CharField(
        max_length=100,
        default=intervals.TOTAL,
        help_text="Whom it counts: “total”, or a part such as “Afghans” or “US service members”.",
    )
    qualifier = models.CharField(max_length=16, choices=Qualifier.choices)
    value = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="The number (the low end of a range; for “several”/“dozens”, the floor it implies).",
    )
    value_high = models.PositiveIntegerField(
        null=True, blank=True, help_text="The high end, for a range only."
    )
    text = models.CharField(max_length=300, blank=True, help_text="The figure as written.")
    as_of = models.DateField(null=True, blank=True, help_text="The date the count refers to.")
    as_of_precision = dates.precision_field("the as-of date")
    superseded_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supersedes",
        help_text="A later figure from the same origin that updates this one.",
    )
    # Exact bounds (claims/intervals.py): "around 100" is [85, 115], not [85, 114.99999999999999].
    low = models.DecimalField(
        max_digits=20, decimal_places=intervals.PLACES, editable=False, default=0
    )
    high = models.DecimalField(
        max_digits=20,
        decimal_places=intervals.PLACES,
        null=True,
        blank=True,
        editable=False,
        help_text="Empty means no upper bound.",
    )
    # Bookkeeping for reads, not content (as a claim's READ_VERSIONS): raised by
    # claims.versions.figures_changed whenever what the figure comparison shows of this figure
    # changes outside its own row: its attribution (speaker, voice, document, review), its
    # claim's publication, a record its attribution names. With `version`, summed over an
    # event's figures, it versions the event's figure comparison without a join. Not in
    # history, never copied by a review, never compared on saves (that is `version`).
    shown_version = models.PositiveBigIntegerField(default=0, editable=False)

    history = HistoricalRecords(excluded_fields=["shown_version"])
    objects = FigureQuerySet.as_manager()

    class Meta:
        ordering = ["event", "measure", "population", "low"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(measure__in=Measure.values),
                name="figure_measure_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(qualifier__in=Qualifier.values),
                name="figure_qualifier_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(low__gte=0)
                & (models.Q(high__isnull=True) | models.Q(high__gte=models.F("low"))),
                name="figure_bounds_ordered",
            ),
            models.CheckConstraint(
                condition=~models.Q(qualifier="range")
                | models.Q(value__isnull=False, value_high__gte=models.F("value")),
                name="figure_range_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(qualifier="unspecified") | models.Q(value__isnull=False),
                name="figure_value_required",
            ),
            models.CheckConstraint(
                condition=~models.Q(superseded_by=models.F("id")), name="figure_not_own_update"
            ),
            models.CheckConstraint(
                condition=models.Q(as_of_precision__in=dates.DatePrecision.values),
                name="figure_as_of_precision_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(review__in=Review.values), name="figure_review_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(replaces__isnull=True) | models.Q(review=Review.PENDING),
                name="figure_edit_copy_pending",
            ),
        ]
        indexes = [
            # Event comparisons: every figure of an event grouped by measure and population.
            models.Index(fields=["event", "measure", "population"], name="figure_event_measure"),
            # ?measure=&qualifier= filters.
            models.Index(fields=["measure", "qualifier"], name="figure_measure_qualifier"),
            # Figures by as-of date (event timelines, date-range filters).
            models.Index(fields=["as_of"], name="figure_as_of"),
            # The review queue: pending figures.
            models.Index(fields=["review"], name="figure_review"),
        ]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} ({self.population}): {self.text or self.interval()}"

    def get_absolute_url(self) -> str:
        return self.attribution.get_absolute_url()

    def interval(self) -> intervals.Interval:
        return intervals.interval(
            self.qualifier,
            self.value,
            self.value_high,
            tolerance=settings.FIGURE_APPROXIMATE_TOLERANCE,
        )

    def fact(self) -> intervals.FigureFact:
        return self.fact_from(
            self.pk,
            self.attribution_id,
            self.event_id,
            self.measure,
            self.population,
            self.low,
            self.high,
            self.superseded_by_id,
        )

    # The columns fact_from reads, in its order: a values_list of them gives facts without rows.
    FACT_COLUMNS = (
        "pk",
        "attribution_id",
        "event_id",
        "measure",
        "population",
        "low",
        "high",
        "superseded_by_id",
    )

    @staticmethod
    def fact_from(
        pk, attribution_id, event_id, measure, population, low, high, superseded_by_id
    ) -> intervals.FigureFact:
        """The FigureFact of a figure's stored values (FACT_COLUMNS)."""
        return intervals.FigureFact(
            id=pk,
            attribution_id=attribution_id,
            event_id=event_id,
            measure=measure,
            population=population,
            interval=intervals.Interval(low, intervals.INF if high is None else high),
            superseded=superseded_by_id is not None,
        )

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.qualifier == self.Qualifier.RANGE:
            if self.value is None or self.value_high is None:
                errors["value_high"] = "A range needs both its low and its high end."
            elif self.value_high < self.value:
                errors["value_high"] = (
                    f"The high end {self.value_high} is below the low end {self.value}."
                )
        elif self.value_high is not None:
            errors["value_high"] = "Only a range has a high end; leave it empty."
        if self.qualifier and self.qualifier != self.Qualifier.UNSPECIFIED and self.value is None:
            errors["value"] = "Give the number."
        if self.as_of and self.as_of > timezone.localdate():
            errors["as_of"] = "The as-of date is in the future."
        for name in ("value", "value_high"):
            number = getattr(self, name)
            if number is not None and number > MAX_FIGURE:
                errors[name] = f"{number} is too large to be a count; check the figure."
        if not (self.population or "").strip():
            errors["population"] = "Say whom the figure counts, or “total”."
        if self.superseded_by_id:
            later = self.superseded_by
            if later.pk == self.pk:
                errors["superseded_by"] = "A figure cannot update itself."
            elif (later.event_id, later.measure) != (self.event_id or later.event_id, self.measure):
                errors["superseded_by"] = "The update must count the same event and measure."
            elif (
                self.attribution_id
                and later.attribution.origin()[0] != self.attribution.origin()[0]
            ):
                errors["superseded_by"] = (
                    "Only a later figure from the same origin can update this one."
                )
            elif (
                self.attribution_id
                and self.attribution.claim.is_published
                and not later.attribution.claim.is_published
            ):
                # A published figure must not point readers at (or take its status from) a draft.
                errors["superseded_by"] = (
                    "A figure of a published claim can only be updated by a figure of a "
                    "published claim; publish that claim first."
                )
        if errors:
            raise ValidationError(errors)

    def derive_bounds(self) -> None:
        """Set this row's derived fields: the interval's bounds and the normalised population."""
        try:
            bounds = self.interval()
        except ValueError as error:
            raise ValidationError({"value": str(error)}) from None
        self.low = bounds.low
        self.high = None if bounds.open_ended else bounds.high
        self.population = " ".join(self.population.split()) or intervals.TOTAL

    def save(self, *args, **kwargs):
        # Only this row's fields. The claim's status is refreshed by the write services in
        # claims.services, which every writer calls.
        if not self.event_id:
            self.event_id = self.attribution.claim.event_id
        self.derive_bounds()
        super().save(*args, **kwargs)
