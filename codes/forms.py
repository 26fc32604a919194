"""The units calculator's GET form: rows of code + minutes, read from repeated query parameters.

`/units/?code=97110&minutes=23&code=97112&minutes=24` is the whole state, so a visit can be shared as a link.
Nothing entered is stored.
"""

from dataclasses import dataclass, field
from itertools import zip_longest

from .models import Code
from .search import as_code
from .units import MAX_TOTAL_MINUTES

MAX_ROWS = 12
DEFAULT_ROWS = 4
MORE_ROWS = 3


@dataclass
class Row:
    code: str = ""
    minutes: str = ""
    errors: list[str] = field(default_factory=list)
    obj: Code | None = None

    @property
    def is_blank(self):
        return not self.code.strip() and not self.minutes.strip()


@dataclass
class VisitForm:
    rows: list[Row]
    errors: list[str] = field(default_factory=list)
    submitted: bool = False

    @property
    def is_valid(self):
        return self.submitted and not self.errors and not any(row.errors for row in self.rows) and bool(self.entries)

    @property
    def entries(self):
        return [row for row in self.rows if not row.is_blank]


def parse_visit(params, include_drafts=False):
    """Read and validate the rows in a QueryDict; looks every code up in one query."""
    codes, minutes = params.getlist("code")[: MAX_ROWS * 2], params.getlist("minutes")[: MAX_ROWS * 2]
    rows = [Row(code=(c or "")[:20], minutes=(m or "")[:20]) for c, m in zip_longest(codes, minutes)]
    form = VisitForm(rows=rows, submitted=any(not row.is_blank for row in rows))
    if len(form.entries) > MAX_ROWS:
        form.errors.append(f"Enter at most {MAX_ROWS} codes for one visit.")
    form.rows = [row for row in rows if not row.is_blank][:MAX_ROWS]
    shown = min(max(_wanted_rows(params.get("rows")), len(form.rows) + 1), MAX_ROWS)
    form.rows += [Row() for _ in range(shown - len(form.rows))]

    normalized = {}
    for row in form.entries:
        code = as_code(row.code.strip())
        if not row.code.strip():
            row.errors.append("Enter a code for these minutes.")
        elif not code or len(code) != 5:
            row.errors.append(f"“{row.code}” is not a five-character code such as 97110 or G0283.")
        else:
            normalized[id(row)] = code
        value = row.minutes.strip()
        if not value:
            row.errors.append("Enter the minutes (0 if none).")
        elif not value.isdigit():
            row.errors.append("Minutes must be a whole number, such as 23.")
        elif int(value) > MAX_TOTAL_MINUTES:
            row.errors.append(f"{value} minutes is more than a day; check the entry.")

    codes = Code.objects.visible(include_drafts).filter(code__in=set(normalized.values()))
    found = {c.code: c for c in codes.for_visit(include_drafts)}
    for row in form.entries:
        code = normalized.get(id(row))
        if code is None:
            continue
        row.code = code
        row.obj = found.get(code)
        if row.obj is None:
            row.errors.append(f"cptref has no code {code}. Check the number, or search for the service.")
    return form


def _wanted_rows(raw):
    """How many rows to show: the "more rows" button asks for more, up to the maximum."""
    try:
        wanted = int(raw)
    except (TypeError, ValueError):
        wanted = DEFAULT_ROWS
    return max(DEFAULT_ROWS, min(wanted, MAX_ROWS))
