"""Read and write the curated reference files in codes/reference/ (see the README there).

Only the management commands call this module. Loading upserts by natural key inside one transaction, saves a
row only when a value differs (a second run changes nothing), and never deletes what curators added in admin.
Exporting writes the same files back in a canonical form, so load → export is byte-identical.
"""

import datetime
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Category, Checklist, ChecklistItem, Code, CodeConfusion, Figure, Misconception, Source

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"


class ReferenceDataError(Exception):
    """A reference file is malformed or a record is invalid; the message names the file and record."""


@dataclass(frozen=True)
class Spec:
    """How one reference file maps onto one model."""

    filename: str
    model: type
    key: str
    fields: tuple[str, ...]  # plain columns, in file order after the key
    dates: tuple[str, ...] = ()
    foreign: dict[str, tuple[type, str]] = field(default_factory=dict)  # column -> (model, its natural key)
    many: dict[str, tuple[type, str]] = field(default_factory=dict)  # m2m -> (model, its natural key)


SOURCES = Spec(
    "sources.json",
    Source,
    "key",
    ("title", "publisher", "kind", "section", "url", "accessed_on", "notes"),
    dates=("accessed_on",),
)
CATEGORIES = Spec("categories.json", Category, "slug", ("name", "order", "description"))
CODES = Spec(
    "codes.json",
    Code,
    "code",
    (
        "title",
        "summary",
        "lay_terms",
        "category",
        "billing_unit",
        "unit_note",
        "attendance",
        "typical_minutes",
        "medicare_notes",
        "typical_uses",
        "status",
        "effective_on",
        "deleted_on",
        "sources",
        "evidence",
        "evidence_note",
        "is_published",
        "reviewed_on",
    ),
    dates=("effective_on", "deleted_on", "reviewed_on"),
    foreign={"category": (Category, "slug")},
    many={"sources": (Source, "key")},
)
# Code fields that point at other codes; set in a second pass once every code exists.
CODE_LINKS = ("replaced_by", "confused_with")
MISCONCEPTIONS = Spec(
    "misconceptions.json",
    Misconception,
    "slug",
    (
        "myth",
        "correction",
        "why_it_matters",
        "consequence",
        "impact",
        "codes",
        "sources",
        "evidence",
        "evidence_note",
        "is_published",
        "reviewed_on",
    ),
    dates=("reviewed_on",),
    many={"codes": (Code, "code"), "sources": (Source, "key")},
)
CHECKLISTS = Spec(
    "checklists.json",
    Checklist,
    "slug",
    ("title", "description", "order", "codes", "is_published", "reviewed_on"),
    dates=("reviewed_on",),
    many={"codes": (Code, "code")},
)
ITEMS = Spec(
    "checklists.json",
    ChecklistItem,
    "key",
    ("text", "why", "requirement", "sources", "evidence", "evidence_note", "is_published"),
    many={"sources": (Source, "key")},
)
FIGURES = Spec(
    "figures.json",
    Figure,
    "key",
    ("label", "value", "year", "note", "sources", "evidence", "evidence_note"),
    many={"sources": (Source, "key")},
)
LOAD_ORDER = (SOURCES, CATEGORIES, CODES, MISCONCEPTIONS, CHECKLISTS, FIGURES)


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)

    def count(self, model, outcome):
        getattr(self, outcome)[model._meta.verbose_name_plural] += 1

    @property
    def changed(self):
        return bool(self.created or self.updated)

    def summary(self):
        names = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        parts = [
            f"{name}: {self.created[name]} new, {self.updated[name]} changed, {self.unchanged[name]} unchanged"
            for name in names
        ]
        return "; ".join(parts) or "nothing to load"


def _read(directory, spec):
    path = Path(directory) / spec.filename
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReferenceDataError(f"{spec.filename}: file not found in {directory}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReferenceDataError(f"{spec.filename}: not valid JSON ({exc})") from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ReferenceDataError(f"{spec.filename}: expected a list of records")
    return records


def _where(spec, record, index):
    return f"{spec.filename}, record #{index + 1} ({spec.key}={record.get(spec.key)!r})"


def _check_fields(spec, record, index, extra=()):
    expected = {spec.key, *spec.fields, *extra}
    missing, unknown = expected - record.keys(), record.keys() - expected
    if missing or unknown:
        detail = ", ".join(
            [f"missing field(s) {sorted(missing)}"] * bool(missing)
            + [f"unknown field(s) {sorted(unknown)}"] * bool(unknown)
        )
        raise ReferenceDataError(f"{_where(spec, record, index)}: {detail}")


def _lookup(model, key, values, where):
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ReferenceDataError(f"{where}: expected a list of {model._meta.verbose_name} keys")
    found = {getattr(obj, key): obj for obj in model.objects.filter(**{f"{key}__in": values})}
    found_keys = {str(k).upper() if model is Code else k for k in found}
    missing = [v for v in values if (v.upper() if model is Code else v) not in found_keys]
    if missing:
        raise ReferenceDataError(f"{where}: unknown {model._meta.verbose_name} {', '.join(missing)}")
    return list(found.values())


def _upsert(spec, record, where, report, fixed=None):
    """Create or update one row (plain columns, foreign keys, m2m) and return it."""
    fixed = fixed or {}
    lookup = {spec.key: record[spec.key], **fixed}
    obj = spec.model.objects.filter(**lookup).first()
    created = obj is None
    if created:
        obj = spec.model(**lookup)
    dirty = created
    for name in spec.fields:
        if name in spec.many:
            continue
        value = record[name]
        if name in spec.dates and value is not None:
            try:
                value = datetime.date.fromisoformat(value)
            except (TypeError, ValueError):
                raise ReferenceDataError(f"{where}: {name} must be a date YYYY-MM-DD, not {value!r}") from None
        if name in spec.foreign:
            model, key = spec.foreign[name]
            value = model.objects.filter(**{key: value}).first()
            if value is None:
                raise ReferenceDataError(f"{where}: unknown {name} {record[name]!r}")
            if getattr(obj, f"{name}_id") != value.pk:
                setattr(obj, name, value)
                dirty = True
            continue
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            dirty = True
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise ReferenceDataError(f"{where}: {'; '.join(_messages(exc))}") from None
    if dirty:
        obj.save()
    for name, (model, key) in spec.many.items():
        targets = _lookup(model, key, record[name], f"{where}, {name}")
        manager = getattr(obj, name)
        if {t.pk for t in targets} != set(manager.values_list("pk", flat=True)):
            manager.set(targets)
            dirty = True
    report.count(spec.model, "created" if created else "updated" if dirty else "unchanged")
    return obj


def _messages(exc):
    if hasattr(exc, "message_dict"):
        return [f"{name}: {' '.join(msgs)}" for name, msgs in exc.message_dict.items()]
    return exc.messages


def _link_codes(record, where, report):
    """Second pass over codes.json: replacement codes and "often confused with" pairs."""
    code = Code.objects.get(code=record["code"])
    changed = False
    replaced_by = _lookup(Code, "code", record["replaced_by"], f"{where}, replaced_by")
    if {c.pk for c in replaced_by} != set(code.replaced_by.values_list("pk", flat=True)):
        code.replaced_by.set(replaced_by)
        changed = True
    pairs = record["confused_with"]
    if not isinstance(pairs, list) or not all(
        isinstance(p, dict) and p.keys() == {"code", "how_to_tell"} for p in pairs
    ):
        raise ReferenceDataError(f"{where}, confused_with: expected a list of {{code, how_to_tell}}")
    for pair in pairs:
        (other,) = _lookup(Code, "code", [pair["code"]], f"{where}, confused_with")
        link = CodeConfusion.objects.filter(from_code=code, to_code=other).first()
        if link is None:
            link = CodeConfusion(from_code=code, to_code=other)
        if link.pk is None or link.how_to_tell != pair["how_to_tell"]:
            link.how_to_tell = pair["how_to_tell"]
            try:
                link.full_clean()
            except ValidationError as exc:
                raise ReferenceDataError(
                    f"{where}, confused_with {pair['code']}: {'; '.join(_messages(exc))}"
                ) from None
            link.save()
            changed = True
    if changed:
        report.updated["code links"] += 1


@transaction.atomic
def load_reference(directory=REFERENCE_DIR):
    """Load every reference file; all or nothing. Returns a LoadReport."""
    report = LoadReport()
    files = {spec.filename: _read(directory, spec) for spec in LOAD_ORDER}
    for spec in LOAD_ORDER:
        extra = CODE_LINKS if spec is CODES else ("items",) if spec is CHECKLISTS else ()
        for index, record in enumerate(files[spec.filename]):
            _check_fields(spec, record, index, extra)
            where = _where(spec, record, index)
            obj = _upsert(spec, record, where, report)
            if spec is CHECKLISTS:
                _load_items(obj, record["items"], where, report)
        if spec is CODES:
            for index, record in enumerate(files[spec.filename]):
                _link_codes(record, _where(spec, record, index), report)
    return report


def _load_items(checklist, items, where, report):
    if not isinstance(items, list):
        raise ReferenceDataError(f"{where}: items must be a list")
    for position, item in enumerate(items, start=1):
        item_where = f"{where}, item #{position} (key={item.get('key')!r})" if isinstance(item, dict) else where
        if not isinstance(item, dict):
            raise ReferenceDataError(f"{item_where}: expected an object")
        _check_fields(ITEMS, item, position - 1)
        _upsert(ITEMS, {**item}, item_where, report, fixed={"checklist": checklist})
        ChecklistItem.objects.filter(checklist=checklist, key=item["key"]).exclude(order=position).update(
            order=position
        )


# --- export -------------------------------------------------------------------------------------------------


def _value(obj, spec, name):
    if name in spec.many:
        model, key = spec.many[name]
        return sorted(getattr(t, key) for t in getattr(obj, name).all())
    if name in spec.foreign:
        return getattr(getattr(obj, name), spec.foreign[name][1])
    value = getattr(obj, name)
    return value.isoformat() if isinstance(value, datetime.date) else value


def _record(obj, spec):
    return {spec.key: getattr(obj, spec.key), **{name: _value(obj, spec, name) for name in spec.fields}}


def export_records():
    """The database as reference records, keyed by file name."""
    files = {}
    for spec in LOAD_ORDER:
        queryset = spec.model.objects.order_by(spec.key).prefetch_related(*spec.many)
        if spec is CODES:
            queryset = queryset.select_related("category").prefetch_related("replaced_by", "confusions__to_code")
        if spec is CHECKLISTS:
            queryset = queryset.prefetch_related("items__sources")
        records = []
        for obj in queryset:
            record = _record(obj, spec)
            if spec is CODES:
                record["replaced_by"] = sorted(c.code for c in obj.replaced_by.all())
                record["confused_with"] = [
                    {"code": link.to_code.code, "how_to_tell": link.how_to_tell}
                    for link in sorted(obj.confusions.all(), key=lambda link: link.to_code.code)
                ]
            if spec is CHECKLISTS:
                items = sorted(obj.items.all(), key=lambda item: (item.order, item.key))
                record["items"] = [_record(item, ITEMS) for item in items]
            records.append(record)
        files[spec.filename] = records
    return files


def dumps(records):
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"


def export_reference(directory=REFERENCE_DIR):
    """Write every reference file; returns the paths whose content changed."""
    changed = []
    for filename, records in export_records().items():
        path = Path(directory) / filename
        text = dumps(records)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed
