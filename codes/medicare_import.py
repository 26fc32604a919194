"""Read CMS's own files into the Medicare tables (codes/medicare_models.py): parsing, then one transaction.

Three kinds of file, each as CMS publishes it (Latin-1, CRLF or LF line ends, multi-line header rows):

* Physician Fee Schedule relative value file (PPRRVU…csv): title lines, then a header split over several rows
  (column names read down the rows), then one row per code and modifier.
* NCCI procedure-to-procedure edits for practitioners (ccipra-v322r0-f1.txt …): tab-separated, a few header
  lines; CMS splits a quarter into several parts, imported together as one release.
* Medically Unlikely Edits, practitioner services (MCR_MUE_PractitionerServices_Eff_07-01-2026.csv): a quoted
  multi-line notice, then a header whose first cell holds a line break.

Columns are found by header name, never position (the 2026 relative value file adds PRIC IND). Descriptor columns
(AMA text) are never read, stored or echoed: error messages name the file, the line and the column, and show a
cell's value only when it is a billing code. Rows are kept only for codes in cptref's database.
"""

import csv
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import IntegrityError, transaction

from .medicare_models import (
    AdjudicationIndicator,
    FeeScheduleEntry,
    MedicareKind,
    MedicareRelease,
    ModifierIndicator,
    Mue,
    PtpEdit,
)
from .models import Code

PROGRESS_EVERY = 5000
HEADER_SEARCH_ROWS = 40  # a header further down than this means the file is not the kind we expect
BATCH_SIZE = 2000

CODE_CELL = re.compile(r"^[0-9A-Z]{5}$")
MONTHS = {
    m: i
    for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)
}
RVU_RELEASE_LETTER = {1: "A", 4: "B", 7: "C", 10: "D"}  # CMS's quarterly relative value releases


class MedicareImportError(Exception):
    """A file that cannot be imported; the message names the file (and line) and never quotes descriptor text."""


@dataclass
class ImportResult:
    release: MedicareRelease
    created: bool
    file_names: list[str]
    row_count: int = 0
    kept: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self):
        files = ", ".join(self.file_names)
        r = self.release
        if not self.created:
            return (
                f"{files}: already imported (same SHA-256) as {r} on {r.imported_at:%Y-%m-%d %H:%M}; nothing changed."
            )
        lines = [
            f"Imported {r.citation} ({r.get_kind_display()}) from {files}: {self.row_count} rows read, "
            f"{self.kept} kept (codes in cptref), "
            f"{self.skipped} skipped (codes not in cptref)."
        ]
        return " ".join(lines + self.notes)


@dataclass
class ReleaseInfo:
    label: str
    effective_on: date
    released_on: date | None = None


def _normalize(name):
    return re.sub(r"[^A-Z0-9]", "", name.upper())


class _Source:
    """One file being read: its name for messages, and the line the current row started on."""

    def __init__(self, path, kind):
        self.path = Path(path)
        self.name = self.path.name
        self.kind = kind

    def error(self, line, problem):
        where = f"{self.name}, line {line}" if line else self.name
        return MedicareImportError(f"{where}: {problem}")

    def rows(self, **csv_options):
        """Yield (first line number, cells) for each CSV row; quoted cells may span lines."""
        try:
            handle = self.path.open(encoding="latin-1", newline="")
        except OSError as exc:
            raise MedicareImportError(f"{self.name}: cannot be read ({exc.strerror or exc}).") from None
        with handle:
            reader = csv.reader(handle, strict=True, **csv_options)
            start = 1
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    if "unexpected end of data" in str(exc):
                        raise self.error(start, "the file ends inside a quoted cell: it looks truncated.") from None
                    raise self.error(start, f"damaged CSV ({exc}).") from None
                yield start, row
                start = reader.line_num + 1


def _file_digest(paths):
    digest = hashlib.sha256()
    for path in paths:
        try:
            with Path(path).open("rb") as handle:
                empty = True
                while chunk := handle.read(1 << 20):
                    if chunk.strip():
                        empty = False
                    digest.update(chunk)
        except OSError as exc:
            raise MedicareImportError(f"{Path(path).name}: cannot be read ({exc.strerror or exc}).") from None
        if empty:
            raise MedicareImportError(f"{Path(path).name}: the file is empty.")
    return digest.hexdigest()


def _sniff(source):
    """What kind of CMS file this looks like, when not the kind expected: a hint for the error message."""
    try:
        with source.path.open("rb") as handle:
            head = handle.read(20000).decode("latin-1").upper()
    except OSError:
        return ""
    if "COLUMN1/COLUMN2" in head or re.search(r"^COLUMN 1\t", head, re.M):
        kind, hint = MedicareKind.NCCI_PTP, " It looks like an NCCI PTP edit file: use import_ncci_ptp."
    elif "RELATIVE VALUE FILE" in head or re.search(r"^HCPCS,MOD,", head, re.M):
        kind, hint = MedicareKind.PFS_RVU, " It looks like a fee schedule relative value file: use import_pfs_rvu."
    elif "MUE ADJUDICATION" in head or "MUE VALUES" in head:
        kind, hint = MedicareKind.MUE, " It looks like an MUE file: use import_mue."
    else:
        return ""
    return "" if kind == source.kind else hint


def _blank(row):
    return not any(cell.strip() for cell in row)


def _find_columns(source, line, names, wanted, optional=()):
    """Map field -> column index by header name. `wanted`/`optional`: field -> predicate on a normalized name."""
    found, missing = {}, []
    for key, test in {**wanted, **dict(optional)}.items():
        matches = [i for i, name in enumerate(names) if name and test(name)]
        if len(matches) > 1:
            raise source.error(line, f"more than one column matches {key.replace('_', ' ')}; cannot tell which.")
        if matches:
            found[key] = matches[0]
        elif key in wanted:
            missing.append(key.replace("_", " "))
    if missing:
        raise source.error(
            line,
            f"no column for {', '.join(missing)} in the header: not the expected kind of file.{_sniff(source)}",
        )
    return found


def _codes():
    return dict(Code.objects.values_list("code", "pk"))


def _check_not_imported(kind, digest, file_names):
    existing = MedicareRelease.objects.filter(kind=kind, sha256=digest).first()
    if existing:
        return ImportResult(release=existing, created=False, file_names=file_names)
    return None


def _save(kind, info, file_names, digest, row_count, objects, model, result_notes):
    label_field, name_field = (MedicareRelease._meta.get_field(f) for f in ("release_label", "file_name"))
    if len(info.label) > label_field.max_length:
        raise MedicareImportError(f"The release label is longer than {label_field.max_length} characters.")
    if len(", ".join(file_names)) > name_field.max_length:
        raise MedicareImportError(f"The file names come to more than {name_field.max_length} characters: shorten them.")
    clash = MedicareRelease.objects.filter(kind=kind, release_label=info.label).first()
    if clash:
        raise MedicareImportError(
            f"{', '.join(file_names)}: {clash} is already imported from {clash.file_name} (different contents, "
            f"imported {clash.imported_at:%Y-%m-%d}). If this file replaces it, delete that release in admin first; "
            "the parts of an NCCI quarter must be imported together in one command."
        )
    try:
        with transaction.atomic():
            release = MedicareRelease.objects.create(
                kind=kind,
                file_name=", ".join(file_names),
                release_label=info.label,
                effective_on=info.effective_on,
                released_on=info.released_on,
                year=info.effective_on.year,
                row_count=row_count,
                kept_count=len(objects),
                sha256=digest,
            )
            for obj in objects:
                obj.release = release
            model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
    except IntegrityError:
        raise MedicareImportError(
            f"{', '.join(file_names)}: another import of this release finished first; nothing changed."
        ) from None
    return ImportResult(
        release=release,
        created=True,
        file_names=file_names,
        row_count=row_count,
        kept=len(objects),
        skipped=row_count - len(objects),
        notes=result_notes,
    )


def _progress(progress, every, name, count, kept):
    if progress and every and count % every == 0:
        progress(f"{name}: {count} rows read, {kept} kept so far …")


def _override(info, label, effective_on, source_name, what):
    if info is None and not (label and effective_on):
        raise MedicareImportError(
            f"{source_name}: cannot tell the {what} release from the file's title lines or its name; "
            "pass --label and --effective-on."
        )
    if info is None:
        return ReleaseInfo(label, effective_on)
    return ReleaseInfo(label or info.label, effective_on or info.effective_on, info.released_on)


# --- Physician Fee Schedule relative value file -------------------------------------------------------------

PFS_COLUMNS = {
    "code": lambda n: n == "HCPCS",
    "modifier": lambda n: n in ("MOD", "MODIFIER"),
    "status": lambda n: n in ("STATUSCODE", "STATUS"),
    "work": lambda n: n == "WORKRVU",
    "pe_nonfacility": lambda n: n in ("NONFACPERVU", "NONFACILITYPERVU"),
    "pe_facility": lambda n: n == "FACILITYPERVU",
    "mp": lambda n: n in ("MPRVU", "MALPRACTICERVU"),
    "total_nonfacility": lambda n: n in ("NONFACILITYTOTAL", "NONFACTOTAL"),
    "total_facility": lambda n: n == "FACILITYTOTAL",
    "pctc": lambda n: n in ("PCTCIND", "PCTCINDICATOR"),
    "mult_proc": lambda n: n in ("MULTPROC", "MULTPROCEDURE"),
    "conversion_factor": lambda n: n in ("CONVFACTOR", "CONVERSIONFACTOR"),
}
PFS_OPTIONAL = {"not_used": lambda n: n.startswith("NOTUSEDFORMEDICARE")}
PFS_DECIMALS = {
    "work": 2,
    "pe_nonfacility": 2,
    "pe_facility": 2,
    "mp": 2,
    "total_nonfacility": 2,
    "total_facility": 2,
    "conversion_factor": 4,
}
PFS_HEADING = {
    "work": "WORK RVU",
    "pe_nonfacility": "NON-FAC PE RVU",
    "pe_facility": "FACILITY PE RVU",
    "mp": "MP RVU",
    "total_nonfacility": "NON-FACILITY TOTAL",
    "total_facility": "FACILITY TOTAL",
    "conversion_factor": "CONV FACTOR",
}


def _pfs_release(titles, file_name):
    text = " ".join(titles)
    released_on = None
    if found := re.search(r"RELEASED\s+(\d{1,2})/(\d{1,2})/(\d{4})", text, re.I):
        month, day, year = map(int, found.groups())
        released_on = _date_or_none(year, month, day)
    year = month = None
    if found := re.search(r"(\d{4}) National Physician Fee Schedule Relative Value File,?\s+(\w+)", text, re.I):
        year, month = int(found[1]), MONTHS.get(found[2][:3].upper())
    if not (year and month) and (found := re.search(r"PPRRVU(\d{2}|\d{4})_?([A-Za-z]{3})", file_name, re.I)):
        year = int(found[1]) + (2000 if len(found[1]) == 2 else 0)
        month = MONTHS.get(found[2].upper())
    if not (year and month):
        return None
    letter = RVU_RELEASE_LETTER.get(month)
    label = f"RVU{year % 100:02d}{letter}" if letter else f"RVU{year % 100:02d} {date(year, month, 1):%b}"
    lowered = file_name.lower()
    if "nonqpp" in lowered or "non_qpp" in lowered:
        label += " non-QP"
    elif "qpp" in lowered:
        label += " QP"
    return ReleaseInfo(label, date(year, month, 1), released_on)


def _date_or_none(year, month, day):
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _pfs_header(source, rows):
    """Read title lines and the multi-row header; return (titles, column names, header line)."""
    before = []
    for line, row in rows:
        if row and _normalize(row[0]) == "HCPCS":
            header_line = line
            break
        before.append(row)
        if len(before) > HEADER_SEARCH_ROWS:
            raise source.error(
                None,
                "no header row starting with HCPCS near the top: not a fee schedule relative value file."
                + _sniff(source),
            )
    else:
        if not before:
            raise source.error(None, "the file is empty.")
        raise source.error(
            None,
            "no header row starting with HCPCS: not a fee schedule relative value file, "
            "or the file is truncated." + _sniff(source),
        )
    # Header rows above the HCPCS row carry names beyond the first three columns; title lines do not.
    block = [row]
    while before and any(cell.strip() for cell in before[-1][3:]):
        block.insert(0, before.pop())
    titles = [" ".join(cell.strip() for cell in r if cell.strip()) for r in before]
    width = max(len(r) for r in block)
    names = [_normalize(" ".join(r[i] for r in block if i < len(r) and r[i].strip())) for i in range(width)]
    return titles, names, header_line


def import_pfs_rvu(path, *, label=None, effective_on=None, progress=None, progress_every=PROGRESS_EVERY):
    source = _Source(path, MedicareKind.PFS_RVU)
    digest = _file_digest([path])
    if done := _check_not_imported(MedicareKind.PFS_RVU, digest, [source.name]):
        return done
    rows = source.rows()
    titles, names, header_line = _pfs_header(source, rows)
    columns = _find_columns(source, header_line, names, PFS_COLUMNS, PFS_OPTIONAL)
    info = _override(_pfs_release(titles, source.name), label, effective_on, source.name, "relative value file")
    dropped = [i for i, name in enumerate(names) if "DESC" in name]
    needed = max(columns.values()) + 1
    codes = _codes()
    entries, seen, count = [], {}, 0
    for line, row in rows:
        if _blank(row):
            continue
        count += 1
        if len(row) < needed:
            raise source.error(line, f"only {len(row)} of {len(names)} columns: the file looks truncated or damaged.")
        code = _code_cell(source, line, row[columns["code"]], "HCPCS")
        modifier = row[columns["modifier"]].strip().upper()
        if len(modifier) > 2:
            raise source.error(line, f"(code {code}) the MOD column holds more than a two-character modifier.")
        if (code, modifier) in seen:
            raise source.error(
                line,
                f"code {code}{'-' + modifier if modifier else ''} appears twice (also line {seen[code, modifier]}).",
            )
        seen[code, modifier] = line
        status = row[columns["status"]].strip().upper()
        if not re.fullmatch(r"[A-Z]", status):
            raise source.error(line, f"(code {code}) STATUS CODE is not a single letter.")
        values = {
            key: _decimal(source, line, code, row[columns[key]], key, places) for key, places in PFS_DECIMALS.items()
        }
        pctc, mult_proc = row[columns["pctc"]].strip(), row[columns["mult_proc"]].strip()
        for key, value in (("PCTC IND", pctc), ("MULT PROC", mult_proc)):
            if len(value) > 1:
                raise source.error(line, f"(code {code}) {key} is not a one-character indicator.")
        if code in codes:
            entries.append(
                FeeScheduleEntry(
                    code_id=codes[code],
                    modifier=modifier,
                    status_code=status,
                    not_used_for_medicare_payment="not_used" in columns and row[columns["not_used"]].strip() != "",
                    work_rvu=values["work"],
                    pe_rvu_nonfacility=values["pe_nonfacility"],
                    pe_rvu_facility=values["pe_facility"],
                    mp_rvu=values["mp"],
                    total_nonfacility=values["total_nonfacility"],
                    total_facility=values["total_facility"],
                    pctc=pctc,
                    mult_proc=mult_proc,
                    conversion_factor=values["conversion_factor"],
                )
            )
        _progress(progress, progress_every, source.name, count, len(entries))
    if not count:
        raise source.error(None, "a header but no data rows: the file looks truncated.")
    notes = []
    if dropped:
        notes.append("Descriptor column dropped unread (CMS's DESCRIPTION, AMA text).")
    return _save(MedicareKind.PFS_RVU, info, [source.name], digest, count, entries, FeeScheduleEntry, notes)


def _code_cell(source, line, cell, column):
    code = cell.strip().upper()
    if not CODE_CELL.match(code):
        problem = "is empty" if not code else "is not a five-character code"
        raise source.error(line, f"the {column} cell {problem}.")
    return code


def _decimal(source, line, code, cell, key, places):
    heading = PFS_HEADING[key]
    try:
        value = Decimal(cell.strip())
    except InvalidOperation:
        raise source.error(line, f"(code {code}) {heading} is not a number.") from None
    if not value.is_finite() or value < 0 or value >= 1_000_000 or value.as_tuple().exponent < -places:
        raise source.error(line, f"(code {code}) {heading} is not a number with at most {places} decimals.")
    return value


# --- NCCI procedure-to-procedure edits (practitioner) ---------------------------------------------------------

PTP_COLUMNS = {
    "column1": lambda n: n == "COLUMN1",
    "column2": lambda n: n == "COLUMN2",
    "effective": lambda n: n.startswith("EFFECTIVE"),
    "deletion": lambda n: n.startswith("DELETION"),
    "modifier": lambda n: n.startswith("MODIFIER"),
}
PTP_OPTIONAL = {"rationale": lambda n: "RATIONALE" in n}


def _ptp_release(file_name):
    if re.search(r"ccioph|hospital", file_name, re.I):
        raise MedicareImportError(
            f"{file_name}: this is the hospital outpatient PTP file; cptref imports the practitioner file (ccipra…)."
        )
    found = re.search(r"v(\d{2})(\d)r(\d+)", file_name, re.I)
    if not found:
        return None
    major, minor, revision = int(found[1]), int(found[2]), int(found[3])
    if minor > 3:
        return None
    year = 1994 + major  # NCCI version 32.x is 2026 (31.x 2025 …); .0-.3 are the quarters
    label = f"{year} Q{minor + 1} v{major}.{minor}" + (f" r{revision}" if revision else "")
    return ReleaseInfo(label, date(year, 3 * minor + 1, 1))


def _yyyymmdd(cache, text):
    value = cache.get(text)
    if value is None:
        if len(text) != 8 or not text.isdigit():
            return None
        value = _date_or_none(int(text[:4]), int(text[4:6]), int(text[6:]))
        if value is None:
            return None
        cache[text] = value
    return value


def _ptp_header(source, rows):
    names_rows, line = [], None
    for line, row in rows:
        if row and _normalize(row[0]) == "COLUMN1":
            names_rows.append(row)
            break
        if line > HEADER_SEARCH_ROWS:
            break
    if not names_rows:
        if line is None:
            raise source.error(None, "the file is empty.")
        raise source.error(
            None,
            "no header row starting with “Column 1”: not an NCCI PTP edit file, or the file "
            "is truncated." + _sniff(source),
        )
    header_line = line
    for line, row in rows:
        if row and CODE_CELL.match(row[0].strip().upper()):
            width = max(len(r) for r in names_rows)
            names = [
                _normalize(" ".join(r[i] for r in names_rows if i < len(r) and r[i].strip())) for i in range(width)
            ]
            return names, header_line, (line, row)
        names_rows.append(row)
        if len(names_rows) > 10:
            break
    raise source.error(header_line, "a header but no data rows: the file looks truncated.")


def _ptp_open(path):
    source = _Source(path, MedicareKind.NCCI_PTP)
    rows = source.rows(delimiter="\t", quoting=csv.QUOTE_NONE)
    column_names, header_line, first_row = _ptp_header(source, rows)
    columns = _find_columns(source, header_line, column_names, PTP_COLUMNS, PTP_OPTIONAL)
    return source, rows, columns, max(columns.values()) + 1, first_row


def import_ncci_ptp(paths, *, label=None, effective_on=None, progress=None, progress_every=PROGRESS_EVERY):
    paths = sorted((Path(p) for p in paths), key=lambda p: p.name)
    if not paths:
        raise MedicareImportError("Give at least one NCCI PTP file.")
    names = [p.name for p in paths]
    if len(set(names)) != len(names):
        raise MedicareImportError(f"The same file name is given twice: {', '.join(names)}.")
    digest = _file_digest(paths)
    if done := _check_not_imported(MedicareKind.NCCI_PTP, digest, names):
        return done
    for path in paths:  # every part's header first: a wrong file fails before anything long happens
        _ptp_open(path)[1].close()
    infos = {p.name: _ptp_release(p.name) for p in paths}
    labels = {info.label for info in infos.values() if info}
    if len(labels) > 1:
        raise MedicareImportError(
            f"These files belong to different NCCI releases ({', '.join(sorted(labels))}): import one quarter at a time."
        )
    first = next(iter(infos.values()))
    info = _override(first if labels else None, label, effective_on, ", ".join(names), "NCCI PTP")
    codes = _codes()
    dates = {"*": None}
    edits, seen, count = {}, {}, 0
    for path in paths:
        source, rows, columns, needed, first_row = _ptp_open(path)
        for line, row in _chain([first_row], rows):
            if _blank(row):
                continue
            count += 1
            if len(row) < needed:
                raise source.error(line, f"only {len(row)} of {needed} columns: the file looks truncated or damaged.")
            col1 = _code_cell(source, line, row[columns["column1"]], "Column 1")
            col2 = _code_cell(source, line, row[columns["column2"]], "Column 2")
            effective_text = row[columns["effective"]].strip()
            effective = _yyyymmdd(dates, effective_text)
            if effective is None:
                raise source.error(line, f"({col1}/{col2}) the effective date is not a YYYYMMDD date.")
            deletion_text = row[columns["deletion"]].strip() or "*"
            deleted = _yyyymmdd(dates, deletion_text)
            if deleted is None and deletion_text != "*":
                raise source.error(line, f"({col1}/{col2}) the deletion date is neither a YYYYMMDD date nor “*”.")
            indicator = row[columns["modifier"]].strip()
            if indicator not in ("0", "1", "9"):
                raise source.error(line, f"({col1}/{col2}) the modifier indicator is not 0, 1 or 9.")
            if col1 in codes and col2 in codes:
                rationale = row[columns["rationale"]].strip() if "rationale" in columns else ""
                key = (col1, col2, effective)
                values = (deleted, int(indicator), rationale)
                if key in edits:
                    if values != seen[key][1]:
                        other_file, other_line = seen[key][0]
                        raise source.error(
                            line, f"({col1}/{col2}) the same edit differs from {other_file}, line {other_line}."
                        )
                    continue
                seen[key] = ((source.name, line), values)
                edits[key] = PtpEdit(
                    column1_id=codes[col1],
                    column2_id=codes[col2],
                    effective_on=effective,
                    deleted_on=deleted,
                    modifier_indicator=ModifierIndicator(int(indicator)),
                    rationale=rationale,
                )
            _progress(progress, progress_every, source.name, count, len(edits))
    notes = [f"{len(paths)} part{'s' if len(paths) != 1 else ''} imported as one release."]
    return _save(MedicareKind.NCCI_PTP, info, names, digest, count, list(edits.values()), PtpEdit, notes)


def _chain(first, rest):
    yield from first
    yield from rest


# --- Medically Unlikely Edits (practitioner services) ---------------------------------------------------------

MUE_COLUMNS = {
    "code": lambda n: "HCPCS" in n,
    "value": lambda n: "MUEVALUE" in n,
    "indicator": lambda n: "ADJUDICATION" in n,
}
MUE_OPTIONAL = {"rationale": lambda n: "RATIONALE" in n}
MUE_INDICATOR = re.compile(r"^\s*([0-9])(?:\s+(.*))?$", re.S)


def _mue_release(file_name):
    found = re.search(r"Eff_(\d{2})-(\d{2})-(\d{4})", file_name, re.I)
    if not found:
        return None
    effective = _date_or_none(int(found[3]), int(found[1]), int(found[2]))
    return ReleaseInfo(f"MUE {effective:%Y-%m-%d}", effective) if effective else None


def import_mue(path, *, label=None, effective_on=None, progress=None, progress_every=PROGRESS_EVERY):
    source = _Source(path, MedicareKind.MUE)
    digest = _file_digest([path])
    if done := _check_not_imported(MedicareKind.MUE, digest, [source.name]):
        return done
    rows = source.rows()
    header = None
    for line, row in rows:
        if row and "HCPCS" in _normalize(row[0]) and any("MUE" in _normalize(cell) for cell in row[1:]):
            header = (line, [_normalize(cell) for cell in row])
            break
        if line > HEADER_SEARCH_ROWS:
            break
    if header is None:
        raise source.error(
            None,
            "no header row with HCPCS and MUE columns: not an MUE file, or the file is truncated." + _sniff(source),
        )
    header_line, names = header
    columns = _find_columns(source, header_line, names, MUE_COLUMNS, MUE_OPTIONAL)
    if "PRACTITIONER" not in names[columns["value"]]:
        raise source.error(
            header_line, "this is not the practitioner services MUE file (cptref imports practitioner MUEs)."
        )
    info = _override(_mue_release(source.name), label, effective_on, source.name, "MUE")
    needed = max(columns.values()) + 1
    codes = _codes()
    mues, seen, count = [], {}, 0
    for line, row in rows:
        if _blank(row):
            continue
        count += 1
        if len(row) < needed:
            raise source.error(line, f"only {len(row)} of {len(names)} columns: the file looks truncated or damaged.")
        code = _code_cell(source, line, row[columns["code"]], "HCPCS/CPT code")
        if code in seen:
            raise source.error(line, f"code {code} appears twice (also line {seen[code]}).")
        seen[code] = line
        value = row[columns["value"]].strip()
        if not value.isdigit():
            raise source.error(line, f"(code {code}) the MUE value is not a whole number.")
        found = MUE_INDICATOR.match(row[columns["indicator"]])
        if not found or int(found[1]) not in AdjudicationIndicator.values:
            raise source.error(line, f"(code {code}) the MUE adjudication indicator is not 1, 2 or 3.")
        if code in codes:
            mues.append(
                Mue(
                    code_id=codes[code],
                    value=int(value),
                    adjudication_indicator=int(found[1]),
                    adjudication_label=(found[2] or "").strip()[:100],
                    rationale=row[columns["rationale"]].strip() if "rationale" in columns else "",
                )
            )
        _progress(progress, progress_every, source.name, count, len(mues))
    if not count:
        raise source.error(None, "a header but no data rows: the file looks truncated.")
    return _save(MedicareKind.MUE, info, [source.name], digest, count, mues, Mue, [])
