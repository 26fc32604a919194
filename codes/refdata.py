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
from django.db import IntegrityError, transaction

from .models import (
    Category,
    Checklist,
    ChecklistItem,
    Code,
    CodeConfusion,
    Figure,
    Misconception,
    Source,
    StaleEditError,
)
from .page_cache import bump_generation

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


class Loader:
    """One load: caches each model's rows by natural key, so a record costs a query only when it changes."""

    def __init__(self, report):
        self.report = report
        self.by_key = {}

    def rows(self, model, key):
        if model not in self.by_key:
            self.by_key[model] = {getattr(obj, key): obj for obj in model.objects.all()}
        return self.by_key[model]

    def lookup(self, model, key, values, where):
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ReferenceDataError(f"{where}: expected a list of {model._meta.verbose_name} keys")
        rows = self.rows(model, key)
        normal = [v.strip().upper() if model is Code else v for v in values]
        missing = [v for v, n in zip(values, normal, strict=True) if n not in rows]
        if missing:
            raise ReferenceDataError(f"{where}: unknown {model._meta.verbose_name} {', '.join(missing)}")
        return [rows[n] for n in normal]

    def existing(self, spec, fixed):
        """Current rows of a spec (items: of one checklist) by key, with their m2m already fetched."""
        queryset = spec.model.objects.filter(**fixed).prefetch_related(*spec.many)
        return {getattr(obj, spec.key): obj for obj in queryset}

    def upsert(self, spec, record, where, existing, fixed=None):
        """Create or update one row (plain columns, foreign keys, m2m) and return it."""
        fixed = fixed or {}
        obj = existing.get(record[spec.key])
        created = obj is None
        if created:
            obj = spec.model(**{spec.key: record[spec.key], **fixed})
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
                target = self.rows(model, key).get(value)
                if target is None:
                    raise ReferenceDataError(f"{where}: unknown {name} {value!r}")
                if getattr(obj, f"{name}_id") != target.pk:
                    setattr(obj, name, target)
                    dirty = True
                continue
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                dirty = True
        if dirty:
            self.save(obj, where)
        for name, (model, key) in spec.many.items():
            targets = self.lookup(model, key, record[name], f"{where}, {name}")
            current = set() if created else {t.pk for t in getattr(obj, name).all()}
            if {t.pk for t in targets} != current:
                getattr(obj, name).set(targets)
                dirty = True
        self.report.count(spec.model, "created" if created else "updated" if dirty else "unchanged")
        return obj

    def save(self, obj, where):
        """Validate fields and clean() for a friendly message; the database enforces the constraints."""
        obj._change_reason = "load_reference"  # shown in the admin history
        try:
            obj.full_clean(validate_unique=False, validate_constraints=False)
            with transaction.atomic():
                obj.save()
        except ValidationError as exc:
            raise ReferenceDataError(f"{where}: {'; '.join(_messages(exc))}") from None
        except IntegrityError as exc:
            raise ReferenceDataError(f"{where}: rejected by the database ({exc})") from None
        except StaleEditError:
            raise ReferenceDataError(f"{where}: changed by someone else during the load; run it again") from None

    def load_spec(self, spec, records, extra=()):
        existing = self.existing(spec, {})
        seen = set()
        for index, record in enumerate(records):
            _check_fields(spec, record, index, extra)
            where = _where(spec, record, index)
            if record[spec.key] in seen:
                raise ReferenceDataError(f"{where}: {spec.key} appears twice in the file")
            seen.add(record[spec.key])
            obj = self.upsert(spec, record, where, existing)
            if spec is CHECKLISTS:
                self.load_items(obj, record["items"], where)
        self.by_key.pop(spec.model, None)  # new rows: rebuild the cache on next use

    def load_items(self, checklist, items, where):
        if not isinstance(items, list):
            raise ReferenceDataError(f"{where}: items must be a list")
        existing = self.existing(ITEMS, {"checklist": checklist}) if checklist.pk else {}
        seen = set()
        for position, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                raise ReferenceDataError(f"{where}, item #{position}: expected an object")
            item_where = f"{where}, item #{position} (key={item.get('key')!r})"
            _check_fields(ITEMS, item, position - 1)
            if item["key"] in seen:
                raise ReferenceDataError(f"{item_where}: key appears twice in the checklist")
            seen.add(item["key"])
            obj = self.upsert(ITEMS, item, item_where, existing, fixed={"checklist": checklist, "order": position})
            if obj.order != position:  # list order is display order
                ChecklistItem.objects.filter(pk=obj.pk).update(order=position)
                self.report.updated["checklist item order"] += 1

    def link_codes(self, records):
        """Second pass over codes.json: replacement codes and "often confused with" pairs."""
        codes = self.rows(Code, "code")
        replaced = {}
        for code_id, target_id in Code.replaced_by.through.objects.values_list("from_code_id", "to_code_id"):
            replaced.setdefault(code_id, set()).add(target_id)
        links = {(link.from_code_id, link.to_code_id): link for link in CodeConfusion.objects.all()}
        for index, record in enumerate(records):
            where = _where(CODES, record, index)
            code = codes[record["code"].strip().upper()]
            targets = self.lookup(Code, "code", record["replaced_by"], f"{where}, replaced_by")
            changed = {t.pk for t in targets} != replaced.get(code.pk, set())
            if changed:
                code.replaced_by.set(targets)
            pairs = record["confused_with"]
            if not isinstance(pairs, list) or not all(
                isinstance(p, dict) and p.keys() == {"code", "how_to_tell"} for p in pairs
            ):
                raise ReferenceDataError(f"{where}, confused_with: expected a list of {{code, how_to_tell}}")
            for pair in pairs:
                (other,) = self.lookup(Code, "code", [pair["code"]], f"{where}, confused_with")
                link = links.get((code.pk, other.pk)) or CodeConfusion(from_code=code, to_code=other)
                if link.pk is None or link.how_to_tell != pair["how_to_tell"]:
                    link.how_to_tell = pair["how_to_tell"]
                    self.save(link, f"{where}, confused_with {pair['code']}")
                    changed = True
            if changed:
                self.report.updated["code links"] += 1


def _messages(exc):
    if hasattr(exc, "message_dict"):
        return [f"{name}: {' '.join(msgs)}" for name, msgs in exc.message_dict.items()]
    return exc.messages


@transaction.atomic
def load_reference(directory=REFERENCE_DIR):
    """Load every reference file; all or nothing. Returns a LoadReport."""
    report = LoadReport()
    loader = Loader(report)
    files = {spec.filename: _read(directory, spec) for spec in LOAD_ORDER}
    for spec in LOAD_ORDER:
        extra = CODE_LINKS if spec is CODES else ("items",) if spec is CHECKLISTS else ()
        loader.load_spec(spec, files[spec.filename], extra)
        if spec is CODES:
            loader.link_codes(files[spec.filename])
    if report.changed:
        bump_generation()  # cached pages are out of date (the saves above signal it too; update() calls do not)
    return report


# --- export -------------------------------------------------------------------------------------------------


def field_value(obj, spec, name):
    if name in spec.many:
        model, key = spec.many[name]
        return sorted(getattr(t, key) for t in getattr(obj, name).all())
    if name in spec.foreign:
        return getattr(getattr(obj, name), spec.foreign[name][1])
    value = getattr(obj, name)
    return value.isoformat() if isinstance(value, datetime.date) else value


def _record(obj, spec):
    return {spec.key: getattr(obj, spec.key), **{name: field_value(obj, spec, name) for name in spec.fields}}


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
