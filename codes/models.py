"""Curated reference data: codes, the misconceptions about them, documentation checklists, sources.

Models know nothing of pages or admin. Query vocabulary lives on the QuerySets below.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

# CPT (four digits then a digit or letter: 97110, 0552T) or HCPCS Level II (letter A-V then four digits: G0283).
CODE_PATTERN = r"^([0-9]{4}[0-9A-Z]|[A-V][0-9]{4})$"
validate_code_format = RegexValidator(
    CODE_PATTERN,
    "Enter a five-character CPT code (e.g. 97110) or HCPCS Level II code (e.g. G0283).",
    code="invalid_code",
)


class CodeField(models.CharField):
    """A five-character billing code, always stored and looked up in upper case."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 5)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value.strip().upper() if isinstance(value, str) else value

    def get_prep_value(self, value):
        return self.to_python(super().get_prep_value(value))


class Evidence(models.TextChoices):
    """How sure we are of a statement; shown in words next to it on every page."""

    PRIMARY = "primary", "Confirmed in a primary CMS or contractor source"
    ASSOCIATION = "association", "Professional association guidance"
    SECONDARY = "secondary", "Secondary sources only: verify before relying on it"
    UNVERIFIED = "unverified", "Unverified"
    CONFLICTING = "conflicting", "Sources conflict"


class SourceKind(models.TextChoices):
    CMS = "cms", "CMS manual, rule or coverage decision"
    CONTRACTOR = "contractor", "Medicare contractor (MAC) article or LCD"
    ASSOCIATION = "association", "Professional association"
    PAYER = "payer", "Commercial payer policy"
    SECONDARY = "secondary", "Secondary publication"


class BillingUnit(models.TextChoices):
    TIMED = "timed", "Timed (each 15 minutes)"
    UNTIMED = "untimed", "Untimed (per service)"


class Attendance(models.TextChoices):
    SUPERVISED = "supervised", "Supervised (provider on site, not in constant attendance)"
    CONSTANT = "constant", "Constant attendance (provider with the patient throughout)"
    ONE_ON_ONE = "one_on_one", "One-on-one direct contact"
    GROUP = "group", "Group (two or more patients at once)"
    CLINICIAN = "clinician", "Performed by the clinician (evaluation or procedure)"
    NONE = "none", "No hands-on attendance (device supply or remote monitoring)"


class CodeStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DELETED = "deleted", "Deleted"


class Consequence(models.TextChoices):
    DENIAL = "denial", "Claim denial"
    OVERPAYMENT = "overpayment", "Overpayment and audit risk"
    UNDERBILLING = "underbilling", "Under-billing (lost revenue)"
    COMPLIANCE = "compliance", "Compliance risk"


class Impact(models.IntegerChoices):
    HIGH = 3, "High impact"
    MEDIUM = 2, "Medium impact"
    LOW = 1, "Low impact"


class Requirement(models.TextChoices):
    REQUIRED = "required", "Required"
    RECOMMENDED = "recommended", "Recommended"


def choices_constraint(field, choices, model_name):
    """Choices do not constrain data on their own; this CHECK does."""
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=f"{model_name}_{field}_valid")


class PublishedQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def visible(self, include_drafts=False):
        """Published rows for billers; staff also see drafts (marked as such on the page)."""
        return self.all() if include_drafts else self.published()


class StaleEditError(Exception):
    """Someone else saved the record after this copy of it was read."""


class Versioned(models.Model):
    """Optimistic locking: a save only succeeds if nobody saved the row since it was read."""

    version = models.PositiveIntegerField(default=1, editable=True, help_text="Changes on every save.")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._state.adding or kwargs.get("force_insert"):
            return super().save(*args, **kwargs)
        with transaction.atomic():
            claimed = type(self)._base_manager.filter(pk=self.pk, version=self.version).update(version=self.version + 1)
            if not claimed:
                raise StaleEditError(
                    f"{self._meta.verbose_name} “{self}” was changed by someone else since it was read."
                )
            self.version += 1
            super().save(*args, **kwargs)


class Curated(Versioned):
    """Draft or published, and when and by whom it was last reviewed."""

    is_published = models.BooleanField(
        default=False, help_text="Billers see only published content. Only reviewers can publish."
    )
    reviewed_on = models.DateField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True


class Source(Versioned):
    key = models.SlugField(max_length=80, unique=True, help_text="Stable identifier used by the reference files.")
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=120, help_text="CMS, a MAC such as Palmetto GBA, APTA, AOTA …")
    kind = models.CharField(max_length=20, choices=SourceKind)
    section = models.CharField(max_length=200, blank=True, help_text="Chapter, section or page cited.")
    url = models.URLField(max_length=500, blank=True)
    accessed_on = models.DateField(null=True, blank=True, help_text="When the cited text was read.")
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["publisher", "title"]
        constraints = [choices_constraint("kind", SourceKind, "source")]

    def __str__(self):
        return f"{self.publisher}: {self.title}"

    def get_absolute_url(self):
        return reverse("codes:source_list") + f"#source-{self.key}"


class Category(Versioned):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField(default=0)
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("codes:code_list") + f"?category={self.slug}"


class CodeQuerySet(PublishedQuerySet):
    def for_list_page(self):
        # Only what a result row shows: search sorts whole rows, so narrow rows sort faster.
        columns = [
            "code",
            "title",
            "billing_unit",
            "status",
            "deleted_on",
            "is_published",
            "category__name",
            "category__slug",
        ]
        return (
            self.select_related("category")
            .only(*columns)
            .prefetch_related(Prefetch("replaced_by", queryset=Code.objects.only("code", "title")))
        )

    def for_visit(self, include_drafts=False):
        """What the units calculator needs per code: warnings, misconceptions and checklists."""
        return self.select_related("category").prefetch_related(
            Prefetch("replaced_by", queryset=Code.objects.visible(include_drafts).only("code", "title")),
            Prefetch(
                "misconceptions",
                queryset=Misconception.objects.visible(include_drafts).only("slug", "myth", "impact", "is_published"),
            ),
            _checklists_prefetch(include_drafts),
        )

    def for_detail_page(self, include_drafts=False, *, medicare=True):
        """Everything a code page shows, in a fixed number of queries. Staff (include_drafts) also see drafts.

        `medicare`: also the imported CMS figures (codes/medicare_models.py); the checklist page does not need them.
        """
        linked_codes = Code.objects.visible(include_drafts).only("code", "title", "is_published")
        confusions = CodeConfusion.objects.select_related("to_code")
        if not include_drafts:
            confusions = confusions.filter(to_code__is_published=True)
        return self.select_related("category").prefetch_related(
            "sources",
            Prefetch("replaced_by", queryset=linked_codes),
            Prefetch("replaces", queryset=linked_codes),
            Prefetch("confusions", queryset=confusions),
            Prefetch(
                "misconceptions",
                queryset=Misconception.objects.visible(include_drafts).prefetch_related("sources"),
            ),
            _checklists_prefetch(include_drafts),
            *(medicare_prefetches() if medicare else ()),
        )


def _checklists_prefetch(include_drafts):
    items = ChecklistItem.objects.visible(include_drafts).prefetch_related("sources")
    checklists = Checklist.objects.visible(include_drafts).prefetch_related(Prefetch("items", queryset=items))
    return Prefetch("checklists", queryset=checklists)


class CodeManager(models.Manager.from_queryset(CodeQuerySet)):
    def get_queryset(self):
        # The search vector is only read inside the database; never load it into Python.
        return super().get_queryset().defer("search_vector")


class Code(Curated):
    code = CodeField(unique=True, validators=[validate_code_format])
    title = models.CharField(max_length=150, help_text="Short plain-language title in our own words.")
    summary = models.TextField(help_text="What the code covers, in our own words. Never paste AMA descriptor text.")
    lay_terms = models.TextField(
        blank=True, help_text="Comma-separated words and clinic slang billers type, e.g. “ther ex, TE”."
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="codes")
    billing_unit = models.CharField(max_length=10, choices=BillingUnit)
    unit_note = models.CharField(max_length=200, blank=True, help_text="How units are counted, when not obvious.")
    attendance = models.CharField(max_length=12, choices=Attendance)
    typical_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Typical face-to-face time (evaluations). Descriptive, not a minimum."
    )
    medicare_notes = models.TextField(blank=True)
    typical_uses = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=CodeStatus, default=CodeStatus.ACTIVE)
    effective_on = models.DateField(null=True, blank=True)
    deleted_on = models.DateField(null=True, blank=True)
    replaced_by = models.ManyToManyField("self", symmetrical=False, related_name="replaces", blank=True)
    confused_with = models.ManyToManyField(
        "self", through="CodeConfusion", symmetrical=False, related_name="+", blank=True
    )
    licensed_descriptor = models.TextField(
        blank=True,
        help_text="Your clinic's licensed AMA CPT descriptor, if you hold a licence. "
        "Shown on the code page; never written to the reference files.",
    )
    sources = models.ManyToManyField(Source, related_name="codes", blank=True)
    evidence = models.CharField(max_length=12, choices=Evidence, default=Evidence.SECONDARY)
    evidence_note = models.CharField(max_length=300, blank=True, help_text="What is unverified or in conflict.")
    updated_at = models.DateTimeField(auto_now=True)
    # PostgreSQL only: kept current by a database trigger (migration 0002); unused on SQLite. See codes/search.py.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = CodeManager()
    history = HistoricalRecords(excluded_fields=["search_vector", "updated_at"])

    class Meta:
        ordering = ["code"]
        permissions = [("publish_code", "Can publish codes and mark them reviewed")]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=CODE_PATTERN), name="code_code_format"),
            choices_constraint("billing_unit", BillingUnit, "code"),
            choices_constraint("attendance", Attendance, "code"),
            choices_constraint("status", CodeStatus, "code"),
            choices_constraint("evidence", Evidence, "code"),
            models.CheckConstraint(
                condition=Q(typical_minutes__isnull=True) | Q(typical_minutes__gt=0), name="code_minutes_positive"
            ),
            models.CheckConstraint(
                condition=Q(status=CodeStatus.ACTIVE, deleted_on__isnull=True)
                | Q(status=CodeStatus.DELETED, deleted_on__isnull=False),
                name="code_deleted_has_date",
            ),
            models.CheckConstraint(
                condition=Q(effective_on__isnull=True)
                | Q(deleted_on__isnull=True)
                | Q(effective_on__lt=models.F("deleted_on")),
                name="code_effective_before_deleted",
            ),
        ]
        indexes = [
            # The code list filters published codes by category and shows them in code order.
            models.Index(fields=["category", "code"], name="code_category_code_idx"),
            # The code list filters by billing unit, attendance and status.
            models.Index(fields=["billing_unit", "attendance"], name="code_unit_attendance_idx"),
            models.Index(fields=["status", "code"], name="code_status_code_idx"),
            # Search indexes are PostgreSQL-only and created by migration 0002 (see codes/migration_ops.py).
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def get_absolute_url(self):
        return reverse("codes:code_detail", args=[self.code])

    def clean(self):
        super().clean()
        if self.status == CodeStatus.DELETED and not self.deleted_on:
            raise ValidationError({"deleted_on": "A deleted code needs the date it was deleted."})
        if self.status == CodeStatus.ACTIVE and self.deleted_on:
            raise ValidationError({"status": "A code with a deletion date must have the status Deleted."})
        if self.effective_on and self.deleted_on and self.effective_on >= self.deleted_on:
            raise ValidationError({"deleted_on": "The deletion date must come after the effective date."})

    @property
    def is_timed(self):
        return self.billing_unit == BillingUnit.TIMED

    @property
    def is_deleted(self):
        return self.status == CodeStatus.DELETED

    @property
    def lay_term_list(self):
        return [term.strip() for term in self.lay_terms.split(",") if term.strip()]


class CodeConfusion(models.Model):
    """“Often confused with”: one direction of a pair; the reference data keeps both directions."""

    from_code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="confusions")
    to_code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="+")
    how_to_tell = models.CharField(max_length=300, help_text="One line: how to tell the two apart.")

    class Meta:
        ordering = ["from_code__code", "to_code__code"]
        constraints = [
            models.UniqueConstraint(fields=["from_code", "to_code"], name="codeconfusion_unique_pair"),
            models.CheckConstraint(condition=~Q(from_code=models.F("to_code")), name="codeconfusion_not_self"),
        ]

    def __str__(self):
        return f"{self.from_code.code} ↔ {self.to_code.code}"


# The indexed expression and the search query must be the same expression for the index to be used.
MISCONCEPTION_SEARCH_VECTOR = SearchVector("myth", "correction", config="english")


class Misconception(Curated):
    slug = models.SlugField(max_length=80, unique=True)
    myth = models.CharField(max_length=300, help_text="The myth as a biller would say it.")
    correction = models.TextField()
    why_it_matters = models.TextField()
    consequence = models.CharField(max_length=12, choices=Consequence)
    impact = models.PositiveSmallIntegerField(choices=Impact, default=Impact.MEDIUM)
    codes = models.ManyToManyField(Code, related_name="misconceptions", blank=True)
    sources = models.ManyToManyField(Source, related_name="misconceptions", blank=True)
    evidence = models.CharField(max_length=12, choices=Evidence)
    evidence_note = models.CharField(max_length=300, blank=True, help_text="What is unverified or in conflict.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = PublishedQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-impact", "slug"]
        permissions = [("publish_misconception", "Can publish misconceptions and mark them reviewed")]
        constraints = [
            choices_constraint("consequence", Consequence, "misconception"),
            choices_constraint("evidence", Evidence, "misconception"),
            models.CheckConstraint(condition=Q(impact__in=Impact.values), name="misconception_impact_valid"),
        ]
        indexes = [
            # The home page lists the highest-impact published misconceptions.
            models.Index(fields=["is_published", "-impact"], name="misconception_pub_impact_idx"),
            # Code search matches misconception text: a PostgreSQL GIN index on MISCONCEPTION_SEARCH_VECTOR
            # is created by migration 0002 (codes/migration_ops.py).
        ]

    def __str__(self):
        return self.myth

    def get_absolute_url(self):
        return reverse("codes:misconception_list") + f"#m-{self.slug}"


class Checklist(Curated):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers show first on a code page.")
    codes = models.ManyToManyField(Code, related_name="checklists", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PublishedQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["order", "title"]
        permissions = [("publish_checklist", "Can publish checklists and mark them reviewed")]

    def __str__(self):
        return self.title


class ChecklistItem(Versioned):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    key = models.SlugField(max_length=80, help_text="Stable identifier within the checklist.")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=400, help_text="What to document.")
    why = models.TextField(help_text="Why auditors look for this.")
    requirement = models.CharField(max_length=12, choices=Requirement, default=Requirement.REQUIRED)
    sources = models.ManyToManyField(Source, related_name="checklist_items", blank=True)
    evidence = models.CharField(max_length=12, choices=Evidence)
    evidence_note = models.CharField(max_length=300, blank=True)
    is_published = models.BooleanField(default=True, help_text="Untick to hide one item of a published checklist.")

    objects = PublishedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["checklist", "order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "key"], name="checklistitem_unique_key"),
            choices_constraint("requirement", Requirement, "checklistitem"),
            choices_constraint("evidence", Evidence, "checklistitem"),
        ]

    def __str__(self):
        return self.text


class Figure(Versioned):
    """A year-stamped number (threshold, conversion factor, percentage): never shown without its year and source."""

    key = models.SlugField(max_length=80, unique=True)
    label = models.CharField(max_length=200)
    value = models.CharField(max_length=60, help_text="As displayed, e.g. “$2,480” or “85%”.")
    year = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True)
    sources = models.ManyToManyField(Source, related_name="figures", blank=True)
    evidence = models.CharField(max_length=12, choices=Evidence)
    evidence_note = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["label", "-year"]
        constraints = [
            choices_constraint("evidence", Evidence, "figure"),
            models.CheckConstraint(condition=Q(year__gte=1990, year__lte=2100), name="figure_year_plausible"),
        ]

    def __str__(self):
        return f"{self.label} ({self.year}): {self.value}"


class ContentGeneration(models.Model):
    """A counter bumped whenever curated or imported content changes; part of every cached page's key, so a change
    made in any process empties the page cache of every process at once (codes/page_cache.py)."""

    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="contentgeneration_single_row")]

    def __str__(self):
        return f"content generation {self.value}"


# Medicare figures imported from CMS files: defined apart, registered in this app by this import.
from .medicare_models import FeeScheduleEntry, MedicareRelease, Mue, PtpEdit, medicare_prefetches  # noqa: E402, F401
