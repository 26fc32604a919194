from django.conf import settings
from django.core.paginator import Paginator
from django.db import DatabaseError, InterfaceError, connection
from django.db.models import Count, Prefetch, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .filters import CodeFilter, MisconceptionFilter
from .forms import MAX_ROWS, parse_visit
from .medicare_models import FeeScheduleEntry, MedicareKind, MedicareRelease, Mue, PtpEdit, estimate_visit
from .models import Category, Checklist, Code, Figure, Impact, Misconception, Source
from .search import as_code, normalize
from .units import allocate_cms, midpoint_units

HOME_MISCONCEPTIONS = 6
FRAGMENT_RESULTS = 10


def _drafts(request):
    """Staff see drafts on the public pages, marked as such; billers see published content only."""
    return request.user.is_authenticated and request.user.is_staff


def _published_codes(include_drafts=False):
    return Code.objects.visible(include_drafts).only("code", "title", "status", "is_published")


@require_GET
def home(request):
    drafts = _drafts(request)
    counted = Q() if drafts else Q(codes__is_published=True)
    categories = Category.objects.annotate(code_count=Count("codes", filter=counted)).filter(code_count__gt=0)
    misconceptions = (
        Misconception.objects.visible(drafts)
        .filter(impact=Impact.HIGH)
        .prefetch_related(Prefetch("codes", queryset=_published_codes(drafts)))[:HOME_MISCONCEPTIONS]
    )
    return render(request, "codes/home.html", {"categories": categories, "misconceptions": misconceptions})


@require_GET
def code_list(request):
    query = normalize(request.GET.get("q", ""))
    other_filters = any(request.GET.get(name) for name in ("category", "billing_unit", "attendance", "status"))
    exact = as_code(query)
    # A biller who types a whole code wants that code's page, as a browser search bar would take them there.
    if exact and len(exact) == 5 and not other_filters and "page" not in request.GET:
        if Code.objects.visible(_drafts(request)).filter(code=exact).exists():
            return redirect("codes:code_detail", code=exact)
    context = _results(request, query, settings.CODES_PER_PAGE, request.GET.get("page"))
    return render(request, "codes/code_list.html", context)


@require_GET
def code_search_fragment(request):
    """Search as you type: the results list alone, for the progressive-enhancement script."""
    context = _results(request, normalize(request.GET.get("q", "")), FRAGMENT_RESULTS, 1)
    return render(request, "codes/_code_results.html", {**context, "fragment": True})


def _results(request, query, per_page, page_number):
    """One page of filtered, searched codes, with nearest-code suggestions when nothing matches."""
    code_filter = CodeFilter(request.GET, queryset=Code.objects.visible(_drafts(request)).for_list_page())
    page = Paginator(code_filter.qs, per_page).get_page(page_number)
    context = {"filter": code_filter, "page": page, "query": query}
    if not page.object_list and query:
        context["suggestions"] = _nearest_codes(query)
    return context


def _nearest_codes(query, limit=5):
    """Codes that share the longest leading part of what was typed, for an empty result or an unknown code."""
    compact = as_code(query) or ""
    for length in range(min(len(compact), 4), 1, -1):
        found = list(_published_codes().filter(code__startswith=compact[:length])[:limit])
        if found:
            return found
    return []


@require_GET
def code_detail(request, code):
    if code != code.upper():
        return redirect("codes:code_detail", code=code.upper(), permanent=True)
    drafts = _drafts(request)
    obj = Code.objects.visible(drafts).for_detail_page(drafts).filter(code=code).first()
    if obj is None:
        return _code_not_found(request, code)
    return render(request, "codes/code_detail.html", {"code": obj, "medicare": _medicare_panel(obj)})


@require_GET
def code_checklist(request, code):
    if code != code.upper():
        return redirect("codes:code_checklist", code=code.upper(), permanent=True)
    drafts = _drafts(request)
    obj = Code.objects.visible(drafts).for_detail_page(drafts, medicare=False).filter(code=code).first()
    if obj is None:
        return _code_not_found(request, code)
    sources = {s.pk: s for cl in obj.checklists.all() for item in cl.items.all() for s in item.sources.all()}
    context = {"code": obj, "checklist_sources": sorted(sources.values(), key=lambda s: (s.publisher, s.title))}
    return render(request, "codes/code_checklist.html", context)


def _code_not_found(request, code):
    context = {"missing_code": code, "suggestions": _nearest_codes(code)}
    return render(request, "codes/code_not_found.html", context, status=404)


@require_GET
def misconception_list(request):
    drafts = _drafts(request)
    queryset = Misconception.objects.visible(drafts).prefetch_related(
        Prefetch("codes", queryset=_published_codes(drafts)), "sources"
    )
    misconception_filter = MisconceptionFilter(request.GET, queryset=queryset)
    return render(
        request,
        "codes/misconception_list.html",
        {"filter": misconception_filter, "misconceptions": misconception_filter.qs},
    )


@require_GET
def source_list(request):
    sources = Source.objects.prefetch_related(
        Prefetch("codes", queryset=_published_codes()),
        Prefetch("misconceptions", queryset=Misconception.objects.published().only("slug", "myth")),
        Prefetch("checklist_items__checklist", queryset=Checklist.objects.only("slug", "title")),
        "figures",
    )
    figures = Figure.objects.prefetch_related("sources")
    return render(request, "codes/source_list.html", {"sources": sources, "figures": figures})


@require_GET
@never_cache
def healthz(request):
    """Liveness with a database round trip: 503 (not a crash) when the database cannot be reached."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except (DatabaseError, InterfaceError):  # InterfaceError: e.g. the connection was already closed
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


# Sources shown beside "which rule which payer uses" on the units page (keys in codes/reference/sources.json).
UNIT_RULE_SOURCES = {
    "cms": ["fcso-counting-units", "findacode-therapy-documentation", "chirocode-medicare-timed-codes"],
    "midpoint": ["aafp-cpt-midpoint-rule", "therapycomply-total-time", "webpt-8-minute-rule-guide", "bcbsne-rp-i-003"],
}


@require_GET
def units(request):
    form = parse_visit(request.GET, include_drafts=_drafts(request))
    context = {"form": form, "max_rows": MAX_ROWS, "rule_sources": _rule_sources()}
    if form.is_valid:
        try:
            context["visit"] = _visit(form)
        except ValueError as exc:  # e.g. more timed minutes than a day has
            form.errors.append(str(exc))
    return render(request, "codes/units.html", context)


def _rule_sources():
    keys = [key for keys in UNIT_RULE_SOURCES.values() for key in keys]
    found = {s.key: s for s in Source.objects.filter(key__in=keys)}
    return {rule: [found[k] for k in keys if k in found] for rule, keys in UNIT_RULE_SOURCES.items()}


def _visit(form):
    """Both unit rules for the visit, per-code warnings and the combined checklist."""
    timed, untimed, codes = {}, {}, {}
    for row in form.entries:
        codes[row.code] = row.obj
        bucket = timed if row.obj.is_timed else untimed
        bucket[row.code] = bucket.get(row.code, 0) + int(row.minutes)  # the same code twice: add the minutes
    allocation = allocate_cms(timed)
    midpoint = midpoint_units(timed)
    checklists = {}
    for code in codes.values():
        for checklist in code.checklists.all():
            checklists.setdefault(checklist.pk, checklist)
    return {
        "timed": [
            {"code": codes[c], "minutes": m, "cms": allocation.units[c], "midpoint": midpoint[c]}
            for c, m in timed.items()
        ],
        "untimed": [{"code": codes[c], "minutes": m} for c, m in untimed.items()],
        "allocation": allocation,
        "midpoint_total": sum(midpoint.values()),
        "timed_minutes": sum(timed.values()),
        "treatment_minutes": sum(timed.values()) + sum(untimed.values()),
        "warnings": [(code, _warnings(code)) for code in codes.values()],
        "checklists": sorted(checklists.values(), key=lambda c: (c.order, c.title)),
        "duplicates": len(form.entries) > len(codes),
        # Medicare units: the 8-minute rule for timed codes, one per service for untimed ones.
        "medicare": _visit_medicare(codes, {**allocation.units, **{c: 1 for c in untimed}}),
    }


def _warnings(code):
    notes = []
    if code.is_deleted:
        replacements = ", ".join(r.code for r in code.replaced_by.all())
        notes.append(f"Deleted code{f': use {replacements}' if replacements else ''}.")
    if not code.is_timed:
        notes.append(
            "Untimed: bill one unit per service. Its minutes count toward total treatment time, never timed minutes."
        )
    if code.attendance == "constant":
        notes.append("Needs constant attendance: count only minutes the provider was with the patient throughout.")
    if code.attendance == "group":
        notes.append("Group code: one unit per patient per session, not per 15 minutes.")
    if code.medicare_notes:
        notes.append(f"Medicare: {code.medicare_notes}")
    return notes


# Medicare figures imported from CMS files (codes/medicare_models.py, codes/medicare_import.py).


def _newest_releases():
    """The newest imported release of each kind (one query; the table holds a handful of rows)."""
    newest = {}
    for release in MedicareRelease.objects.all():  # newest first
        newest.setdefault(release.kind, release)
    return newest


def _medicare_panel(code):
    """A code page's Medicare section: each imported release, newest first, with this code's rows in it."""
    releases = list(MedicareRelease.objects.all())
    fees, mues, pairs = {}, {}, {}
    for entry in code.fee_schedule_entries.all():
        fees.setdefault(entry.release_id, []).append(entry)
    for mue in code.mues.all():
        mues[mue.release_id] = mue
    for edit in code.ptp_edits_as_column1.all():
        pairs.setdefault(edit.release_id, []).append({"edit": edit, "other": edit.column2, "column": 1})
    for edit in code.ptp_edits_as_column2.all():
        pairs.setdefault(edit.release_id, []).append({"edit": edit, "other": edit.column1, "column": 2})
    today = timezone.localdate()
    ptp = []
    for release in (r for r in releases if r.kind == MedicareKind.NCCI_PTP):
        rows = sorted(pairs.get(release.pk, []), key=lambda p: (p["other"].code, p["column"]))
        ptp.append(
            {
                "release": release,
                "current": [p for p in rows if p["edit"].is_in_effect(today)],
                "history": [p for p in rows if not p["edit"].is_in_effect(today)],
            }
        )
    return {
        "loaded": bool(releases),
        "fee": [{"release": r, "entries": fees.get(r.pk, [])} for r in releases if r.kind == MedicareKind.PFS_RVU],
        "ptp": ptp,
        "mue": [{"release": r, "mue": mues.get(r.pk)} for r in releases if r.kind == MedicareKind.MUE],
    }


def _visit_medicare(codes, units):
    """National Medicare estimate (MPPR applied), NCCI pairs and MUEs for a visit, from the newest releases.

    `codes`: code -> Code; `units`: code -> Medicare units billed. At most four queries, however many codes.
    """
    newest = _newest_releases()
    by_pk = {code.pk: code for code in codes.values()}
    billed = [code.pk for code in codes.values() if units.get(code.code, 0) > 0]  # in visit order
    result = {"releases": newest, "estimate": None, "missing": [], "pairs": [], "over_mue": [], "mues_checked": 0}
    if release := newest.get(MedicareKind.PFS_RVU):
        entries = FeeScheduleEntry.objects.filter(release=release, code__in=billed, modifier="")
        found = {}
        for entry in entries:
            entry.release, entry.code = release, by_pk[entry.code_id]
            found[entry.code_id] = entry
        result["estimate"] = estimate_visit([(found[pk], units[by_pk[pk].code]) for pk in billed if pk in found])
        result["missing"] = sorted((by_pk[pk] for pk in billed if pk not in found), key=lambda c: c.code)
    if release := newest.get(MedicareKind.NCCI_PTP):
        edits = PtpEdit.objects.in_effect().filter(release=release, column1__in=billed, column2__in=billed)
        for edit in edits.order_by("column1__code", "column2__code"):
            edit.release, edit.column1, edit.column2 = release, by_pk[edit.column1_id], by_pk[edit.column2_id]
            result["pairs"].append(edit)
    if release := newest.get(MedicareKind.MUE):
        for mue in Mue.objects.filter(release=release, code__in=billed).order_by("code__code"):
            mue.release, mue.code = release, by_pk[mue.code_id]
            result["mues_checked"] += 1
            if units[mue.code.code] > mue.value:
                result["over_mue"].append({"mue": mue, "units": units[mue.code.code]})
    return result
