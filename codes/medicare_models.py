"""Medicare figures imported from CMS's own files: one release record per imported file, and its rows per code.

Never hand-typed: `codes/medicare_import.py` fills these tables from the Physician Fee Schedule relative value
file, the NCCI procedure-to-procedure (PTP) edits for practitioners and the practitioner-services MUE file.
No descriptor text is stored: the importers drop CMS's DESCRIPTION column (AMA copyright) unread.

`codes/models.py` star-imports this module at its end, so the models belong to the `codes` app. Codes are
referenced as "codes.Code" so this module imports nothing from models.py (no import cycle).
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone

__all__ = [
    "MEDICARE_CODE_INSTEAD",
    "MPPR_PE_FACTOR",
    "PAYABLE_STATUSES",
    "AdjudicationIndicator",
    "EstimateLine",
    "FeeScheduleEntry",
    "MedicareKind",
    "MedicareRelease",
    "ModifierIndicator",
    "Mue",
    "PtpEdit",
    "VisitEstimate",
    "estimate_visit",
    "medicare_prefetches",
    "money",
]

CENT = Decimal("0.01")
MPPR_PE_FACTOR = Decimal("0.5")
"""Therapy multiple-procedure payment reduction: later units get 50% of their practice-expense payment."""

# CMS status indicators (PFS relative value file documentation, "STATUS CODE"), in our own words.
STATUS_WORDS = {
    "A": "Active: paid separately under the fee schedule when covered",
    "B": "Bundled: never paid separately (its payment is included in other services), and the patient may not "
    "be billed for it",
    "C": "Priced by the Medicare contractor (MAC), not nationally",
    "D": "Deleted code",
    "E": "Excluded from the fee schedule by regulation",
    "F": "Deleted or discontinued code (no grace period)",
    "G": "Not valid for Medicare: another code is used",
    "H": "Deleted modifier for this code",
    "I": "Not valid for Medicare: Medicare uses another code for this service",
    "J": "Anesthesia service: paid on anesthesia units, not these RVUs",
    "M": "Measurement code: reported for quality programmes only, not paid",
    "N": "Non-covered: Medicare does not cover this service",
    "P": "Bundled or excluded: no separate fee-schedule payment",
    "R": "Restricted coverage: special coverage rules apply; when covered, paid under the fee schedule",
    "T": "Paid only when no other fee-schedule service is billed on the same date",
    "X": "Excluded by statute: not a fee-schedule service",
}
PAYABLE_STATUSES = {"A", "R", "T"}
"""Statuses paid from the national RVUs; others are bundled, not covered, not valid or priced by the MAC."""

MEDICARE_CODE_INSTEAD = {"97014": "G0283"}
"""Status I codes and the code Medicare uses for the same service (CMS replaced 97014 with G0283 in 2003)."""

MULT_PROC_WORDS = {
    "0": "No multiple-procedure reduction applies",
    "5": "Therapy multiple-procedure payment reduction (MPPR): when several units or therapy procedures are "
    "billed for the same patient on the same day, the unit with the highest practice-expense payment is paid in "
    "full and every other unit gets 50% of its practice-expense payment; work and malpractice are paid in full",
    "9": "Multiple-procedure rules do not apply to this code",
}


class MedicareKind(models.TextChoices):
    PFS_RVU = "pfs_rvu", "Physician Fee Schedule relative value file"
    NCCI_PTP = "ncci_ptp", "NCCI procedure-to-procedure edits (practitioner)"
    MUE = "mue", "Medically Unlikely Edits (practitioner services)"


class ModifierIndicator(models.IntegerChoices):
    NOT_ALLOWED = 0, "0: no modifier can bypass this edit; the column 2 code is not paid with the column 1 code"
    ALLOWED = (
        1,
        (
            "1: a 59 or X-modifier (XE, XS, XP, XU) on the column 2 code bypasses the edit, only when the note "
            "documents a separate time block, session or site"
        ),
    )
    NOT_APPLICABLE = 9, "9: not applicable (the edit is deleted or modifiers play no part)"


class AdjudicationIndicator(models.IntegerChoices):
    CLAIM_LINE = (
        1,
        (
            "1, claim-line edit: each claim line is checked on its own; a line with more units than the MUE is denied "
            "(more units may go on a separate line with a fitting modifier when documented)"
        ),
    )
    DATE_OF_SERVICE_POLICY = (
        2,
        (
            "2, date-of-service edit based on policy: more units than the MUE for one patient on one day are denied; "
            "CMS treats more as contrary to policy, so appeals rarely succeed"
        ),
    )
    DATE_OF_SERVICE_CLINICAL = (
        3,
        (
            "3, date-of-service edit based on clinical judgement: more units than the MUE for one patient on one day "
            "are denied, but may be paid on appeal with documentation of medical necessity"
        ),
    )


def money(amount):
    """Decimal dollars rounded to cents the way a fee schedule rounds (half up)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _rvu(value):
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}".rstrip("0")


class MedicareRelease(models.Model):
    """One imported CMS file (or, for NCCI PTP, all parts of one quarter's file): where every figure comes from."""

    kind = models.CharField(max_length=10, choices=MedicareKind)
    file_name = models.CharField(max_length=500, help_text="The imported file's name (several parts: comma-separated).")
    release_label = models.CharField(max_length=60, help_text="CMS's name for the release, e.g. RVU25D.")
    effective_on = models.DateField(help_text="First date of service the release applies to.")
    released_on = models.DateField(null=True, blank=True, help_text="Publication date, where the file states it.")
    year = models.PositiveSmallIntegerField()
    row_count = models.PositiveIntegerField(help_text="Data rows in the file.")
    kept_count = models.PositiveIntegerField(help_text="Rows kept: those for codes in cptref's database.")
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the file's bytes (parts in file-name order).")
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-effective_on", "-imported_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "sha256"], name="medicarerelease_unique_file"),
            models.UniqueConstraint(fields=["kind", "release_label"], name="medicarerelease_unique_label"),
            models.CheckConstraint(condition=Q(kind__in=MedicareKind.values), name="medicarerelease_kind_valid"),
        ]

    def __str__(self):
        return f"CMS {self.release_label} ({self.get_kind_display()}), effective {self.effective_on:%Y-%m-%d}"

    @property
    def citation(self):
        """How every figure names its release on a page: “CMS RVU25D, effective 2025-10-01”."""
        return f"CMS {self.release_label}, effective {self.effective_on:%Y-%m-%d}"


class FeeScheduleEntry(models.Model):
    """One row of the Physician Fee Schedule relative value file for a code in cptref (descriptor dropped)."""

    release = models.ForeignKey(MedicareRelease, on_delete=models.CASCADE, related_name="fee_schedule_entries")
    code = models.ForeignKey("codes.Code", on_delete=models.CASCADE, related_name="fee_schedule_entries")
    modifier = models.CharField(max_length=2, blank=True, help_text="Blank for the global service; 26, TC, 53 …")
    status_code = models.CharField(max_length=1)
    not_used_for_medicare_payment = models.BooleanField(
        default=False, help_text="CMS's “+”: RVUs are published but not used for Medicare payment."
    )
    work_rvu = models.DecimalField(max_digits=8, decimal_places=2)
    pe_rvu_nonfacility = models.DecimalField(max_digits=8, decimal_places=2)
    pe_rvu_facility = models.DecimalField(max_digits=8, decimal_places=2)
    mp_rvu = models.DecimalField(max_digits=8, decimal_places=2)
    total_nonfacility = models.DecimalField(max_digits=8, decimal_places=2)
    total_facility = models.DecimalField(max_digits=8, decimal_places=2)
    pctc = models.CharField("PC/TC indicator", max_length=1, blank=True)
    mult_proc = models.CharField("multiple-procedure indicator", max_length=1, blank=True)
    conversion_factor = models.DecimalField(max_digits=8, decimal_places=4)

    class Meta:
        verbose_name = "fee schedule entry"
        verbose_name_plural = "fee schedule entries"
        constraints = [
            models.UniqueConstraint(fields=["release", "code", "modifier"], name="feescheduleentry_unique_row"),
        ]

    def __str__(self):
        modifier = f"-{self.modifier}" if self.modifier else ""
        return f"{self.code.code}{modifier} in CMS {self.release.release_label}: status {self.status_code}"

    @property
    def status_words(self):
        words = STATUS_WORDS.get(self.status_code, f"Status {self.status_code} (see CMS's relative value file notes)")
        instead = MEDICARE_CODE_INSTEAD.get(self.code.code)
        if self.status_code == "I" and instead:
            words += f" (for {self.code.code}: {instead})"
        return words

    @property
    def instead_code(self):
        return MEDICARE_CODE_INSTEAD.get(self.code.code) if self.status_code in ("I", "G") else None

    @property
    def instead_url(self):
        return reverse("codes:code_detail", args=[self.instead_code]) if self.instead_code else ""

    @property
    def is_payable(self):
        return self.status_code in PAYABLE_STATUSES and not self.not_used_for_medicare_payment

    @property
    def has_mppr(self):
        return self.mult_proc == "5"

    @property
    def mult_proc_words(self):
        return MULT_PROC_WORDS.get(self.mult_proc, f"Multiple-procedure indicator {self.mult_proc or 'blank'}")

    @property
    def national_nonfacility_amount(self):
        """National non-facility amount: total non-facility RVU × conversion factor, rounded to cents."""
        return money(self.total_nonfacility * self.conversion_factor)

    def payment_arithmetic(self):
        """The amount as arithmetic: “1.07 RVU × $32.3465 = $34.61”."""
        return f"{self.total_nonfacility} RVU × ${self.conversion_factor} = ${self.national_nonfacility_amount}"


class PtpEditQuerySet(models.QuerySet):
    def in_effect(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(deleted_on__isnull=True) | Q(deleted_on__gte=on))


class PtpEdit(models.Model):
    """An NCCI procedure-to-procedure pair: billed together, the column 2 code is not paid unless a modifier applies."""

    release = models.ForeignKey(MedicareRelease, on_delete=models.CASCADE, related_name="ptp_edits")
    column1 = models.ForeignKey("codes.Code", on_delete=models.CASCADE, related_name="ptp_edits_as_column1")
    column2 = models.ForeignKey("codes.Code", on_delete=models.CASCADE, related_name="ptp_edits_as_column2")
    effective_on = models.DateField()
    deleted_on = models.DateField(null=True, blank=True, help_text="Last date the edit applies; blank: in effect.")
    modifier_indicator = models.PositiveSmallIntegerField(choices=ModifierIndicator)
    rationale = models.TextField(help_text="CMS's short rationale, e.g. “Mutually exclusive procedures”.")

    objects = PtpEditQuerySet.as_manager()

    class Meta:
        verbose_name = "NCCI PTP edit"
        constraints = [
            models.UniqueConstraint(
                fields=["release", "column1", "column2", "effective_on"], name="ptpedit_unique_row"
            ),
            models.CheckConstraint(
                condition=Q(modifier_indicator__in=ModifierIndicator.values), name="ptpedit_modifier_indicator_valid"
            ),
        ]

    def __str__(self):
        return f"{self.column1.code} / {self.column2.code} in CMS {self.release.release_label}"

    def is_in_effect(self, on=None):
        on = on or timezone.localdate()
        return self.deleted_on is None or self.deleted_on >= on

    @property
    def modifier_words(self):
        return ModifierIndicator(self.modifier_indicator).label


class Mue(models.Model):
    """A Medically Unlikely Edit: the most units of a code Medicare expects for one patient on one day."""

    release = models.ForeignKey(MedicareRelease, on_delete=models.CASCADE, related_name="mues")
    code = models.ForeignKey("codes.Code", on_delete=models.CASCADE, related_name="mues")
    value = models.PositiveIntegerField(help_text="Most units per day (per claim line when the indicator is 1).")
    adjudication_indicator = models.PositiveSmallIntegerField(choices=AdjudicationIndicator)
    adjudication_label = models.CharField(max_length=100, help_text="The indicator's words as the CMS file gives them.")
    rationale = models.TextField(help_text="CMS's short rationale, e.g. “Nature of Service/Procedure”.")

    class Meta:
        verbose_name = "MUE"
        verbose_name_plural = "MUEs"
        constraints = [
            models.UniqueConstraint(fields=["release", "code"], name="mue_unique_row"),
            models.CheckConstraint(
                condition=Q(adjudication_indicator__in=AdjudicationIndicator.values),
                name="mue_adjudication_indicator_valid",
            ),
        ]

    def __str__(self):
        return f"{self.code.code}: MUE {self.value} in CMS {self.release.release_label}"

    @property
    def adjudication_words(self):
        return AdjudicationIndicator(self.adjudication_indicator).label


NEWEST_RELEASE_FIRST = ("-release__effective_on", "-release__imported_at")
OTHER_CODE_FIELDS = ("code", "title", "is_published")


def medicare_prefetches():
    """Prefetches for a code page's Medicare panel: four queries however many releases and rows there are."""
    ptp = PtpEdit.objects.select_related("release")
    return [
        Prefetch(
            "fee_schedule_entries",
            queryset=FeeScheduleEntry.objects.select_related("release").order_by(*NEWEST_RELEASE_FIRST, "modifier"),
        ),
        Prefetch("mues", queryset=Mue.objects.select_related("release").order_by(*NEWEST_RELEASE_FIRST)),
        Prefetch(
            "ptp_edits_as_column1",
            queryset=ptp.select_related("column2")
            .only(*_ptp_fields("column2"))
            .order_by(*NEWEST_RELEASE_FIRST, "column2__code", "-effective_on"),
        ),
        Prefetch(
            "ptp_edits_as_column2",
            queryset=ptp.select_related("column1")
            .only(*_ptp_fields("column1"))
            .order_by(*NEWEST_RELEASE_FIRST, "column1__code", "-effective_on"),
        ),
    ]


def _ptp_fields(other):
    own = [f.name for f in PtpEdit._meta.concrete_fields]
    release = [f"release__{f.name}" for f in MedicareRelease._meta.concrete_fields]
    return own + release + [f"{other}__{name}" for name in OTHER_CODE_FIELDS]


@dataclass
class EstimateLine:
    entry: FeeScheduleEntry
    units: int
    full_pe_units: int = 0
    reduced_pe_units: int = 0
    rvus: Decimal = Decimal(0)
    amount: Decimal = Decimal(0)
    arithmetic: str = ""
    note: str = ""


@dataclass
class VisitEstimate:
    """A national Medicare estimate for one visit, with the therapy MPPR applied (see `estimate_visit`)."""

    release: MedicareRelease
    lines: list[EstimateLine]
    not_paid: list[EstimateLine] = field(default_factory=list)
    total: Decimal = Decimal(0)
    full_total: Decimal = Decimal(0)
    steps: list[str] = field(default_factory=list)

    @property
    def reduction(self):
        return self.full_total - self.total


def estimate_visit(billed):
    """Estimate national non-facility payment for a visit: `billed` is a list of (FeeScheduleEntry, units).

    Therapy MPPR (mult-proc indicator 5): of every unit of such codes billed that day, the one unit with the
    highest practice-expense (PE) payment keeps its full PE; every other unit gets 50% of its PE. Work and
    malpractice (MP) are always paid in full; codes without indicator 5 are paid in full. Codes whose status is
    not payable (bundled, not valid for Medicare, non-covered, MAC-priced …) add nothing. Each line is rounded to
    cents; the total is the sum of the lines. National: no geographic adjustment, before deductible and
    coinsurance. All entries must come from one release.
    """
    billed = [(entry, units) for entry, units in billed if units > 0]
    if not billed:
        return None
    releases = {entry.release_id for entry, _ in billed}
    if len(releases) != 1:
        raise ValueError("An estimate uses one fee-schedule release for every code.")
    estimate = VisitEstimate(release=billed[0][0].release, lines=[])
    payable = []
    for entry, units in billed:
        line = EstimateLine(entry=entry, units=units)
        if entry.is_payable:
            payable.append(line)
        else:
            line.note = entry.status_words
            estimate.not_paid.append(line)
    mppr = [line for line in payable if line.entry.has_mppr]
    if mppr:
        top = max(mppr, key=lambda line: (line.entry.pe_rvu_nonfacility, line.units))
        for line in mppr:
            line.full_pe_units = 1 if line is top else 0
            line.reduced_pe_units = line.units - line.full_pe_units
        estimate.steps.append(
            f"Multiple-procedure reduction: {top.entry.code.code} has the highest practice-expense payment "
            f"(PE {top.entry.pe_rvu_nonfacility} RVU), so one of its units keeps full PE; every other unit of a "
            "code with indicator 5 gets 50% of its PE. Work and malpractice are paid in full."
        )
    for line in payable:
        if not line.entry.has_mppr:
            line.full_pe_units = line.units
        entry = line.entry
        work_mp = (entry.work_rvu + entry.mp_rvu) * line.units
        pe = entry.pe_rvu_nonfacility * line.full_pe_units
        pe += entry.pe_rvu_nonfacility * MPPR_PE_FACTOR * line.reduced_pe_units
        line.rvus = work_mp + pe
        line.amount = money(line.rvus * entry.conversion_factor)
        line.arithmetic = _line_arithmetic(line)
        estimate.lines.append(line)
        estimate.total += line.amount
        estimate.full_total += money(entry.total_nonfacility * line.units * entry.conversion_factor)
    return estimate


def _line_arithmetic(line):
    entry, n = line.entry, line.units
    parts = [f"(work {entry.work_rvu} + MP {entry.mp_rvu}) × {n}"]
    if line.full_pe_units:
        parts.append(f"PE {entry.pe_rvu_nonfacility} × {line.full_pe_units}")
    if line.reduced_pe_units:
        parts.append(f"PE {entry.pe_rvu_nonfacility} × 50% × {line.reduced_pe_units}")
    return f"{' + '.join(parts)} = {_rvu(line.rvus)} RVU × ${entry.conversion_factor} = ${line.amount}"
