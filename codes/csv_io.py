"""CSV export and import of codes and misconceptions, for bulk work in a spreadsheet.

The columns are the reference-file fields (lists joined with ";"). Import validates every row with the same loader
as `load_reference`, reports errors by line number, and commits all rows or none; a dry run reports what would
change and commits nothing.
"""

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction

from .refdata import CODES, MISCONCEPTIONS, Loader, LoadReport, ReferenceDataError, field_value

KINDS = {"codes": CODES, "misconceptions": MISCONCEPTIONS}
LIST_SEPARATOR = ";"
INTEGER_FIELDS = {"typical_minutes", "impact"}
BOOLEAN_FIELDS = {"is_published"}


class CsvImportError(Exception):
    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(errors[:5]) + (f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""))


@dataclass
class CsvImportReport:
    dry_run: bool
    rows: int = 0
    load: LoadReport = field(default_factory=LoadReport)
    changed_keys: list = field(default_factory=list)

    def summary(self):
        verb = "would change" if self.dry_run else "changed"
        counts = self.load.summary()
        return f"{self.rows} rows read; {counts}" + (
            f"; {verb}: {', '.join(self.changed_keys)}" if self.changed_keys else ""
        )


def columns(kind):
    spec = KINDS[kind]
    return [spec.key, *spec.fields]


def export_csv(kind, queryset):
    """The rows as CSV text, in the import's columns."""
    spec = KINDS[kind]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns(kind))
    for obj in queryset.prefetch_related(*spec.many):
        row = [getattr(obj, spec.key)]
        for name in spec.fields:
            value = field_value(obj, spec, name)
            if isinstance(value, list):
                value = LIST_SEPARATOR.join(value)
            row.append("" if value is None else value)
        writer.writerow(row)
    return out.getvalue()


def _record(kind, row):
    """A CSV row (all strings) as a reference record (typed)."""
    spec = KINDS[kind]
    record = {}
    for name in columns(kind):
        value = (row.get(name) or "").strip()
        if name in spec.many:
            record[name] = [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]
        elif name in INTEGER_FIELDS:
            record[name] = int(value) if value.lstrip("-").isdigit() else (None if not value else value)
        elif name in BOOLEAN_FIELDS:
            record[name] = value.lower() in {"1", "true", "yes", "y"}
        elif name in spec.dates:
            record[name] = value or None
        else:
            record[name] = value
    return record


def import_csv(kind, text, dry_run=False, drafts_only=False, progress=None):
    """Import CSV text; all rows or none. Raises CsvImportError listing every bad line."""
    spec = KINDS[kind]
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = reader.fieldnames or []
    missing = [name for name in columns(kind) if name not in header]
    if missing:
        raise CsvImportError([f"line 1: missing column(s) {', '.join(missing)}"])
    unknown = [name for name in header if name not in columns(kind)]
    if unknown:
        raise CsvImportError([f"line 1: unknown column(s) {', '.join(unknown)}"])
    report = CsvImportReport(dry_run=dry_run)
    errors = []
    loader = Loader(report.load)
    with transaction.atomic():
        existing = loader.existing(spec, {})
        seen = set()
        for row in reader:
            line = reader.line_num
            report.rows += 1
            record = _record(kind, row)
            if drafts_only:
                record["is_published"] = False
            where = f"line {line} ({spec.key}={record[spec.key]!r})"
            if record[spec.key] in seen:
                errors.append(f"{where}: appears twice in the file")
                continue
            seen.add(record[spec.key])
            before = report.load.created.total() + report.load.updated.total()
            try:
                with transaction.atomic():  # a savepoint, so one bad row does not spoil the others' checks
                    loader.upsert(spec, record, where, existing)
            except ReferenceDataError as exc:
                errors.append(str(exc))
            if report.load.created.total() + report.load.updated.total() > before:
                report.changed_keys.append(str(record[spec.key]))
            if progress and report.rows % 100 == 0:
                progress(report.rows)
        if errors:
            transaction.set_rollback(True)
            raise CsvImportError(errors)
        if dry_run:
            transaction.set_rollback(True)
    return report
