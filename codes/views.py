from django.conf import settings
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Count, Prefetch, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .filters import CodeFilter, MisconceptionFilter
from .models import Category, Checklist, Code, Figure, Impact, Misconception, Source
from .search import as_code, normalize

HOME_MISCONCEPTIONS = 6


def _published_codes():
    return Code.objects.published().only("code", "title", "status")


@require_GET
def home(request):
    categories = Category.objects.annotate(code_count=Count("codes", filter=Q(codes__is_published=True))).filter(
        code_count__gt=0
    )
    misconceptions = (
        Misconception.objects.published()
        .filter(impact=Impact.HIGH)
        .prefetch_related(Prefetch("codes", queryset=_published_codes()))[:HOME_MISCONCEPTIONS]
    )
    return render(request, "codes/home.html", {"categories": categories, "misconceptions": misconceptions})


@require_GET
def code_list(request):
    code_filter = CodeFilter(request.GET, queryset=Code.objects.published().for_list_page())
    query = normalize(request.GET.get("q", ""))
    other_filters = any(request.GET.get(name) for name in ("category", "billing_unit", "attendance", "status"))
    exact = as_code(query)
    # A biller who types a whole code wants that code's page, as a browser search bar would take them there.
    if exact and len(exact) == 5 and not other_filters and "page" not in request.GET:
        if Code.objects.published().filter(code=exact).exists():
            return redirect("codes:code_detail", code=exact)
    page = Paginator(code_filter.qs, settings.CODES_PER_PAGE).get_page(request.GET.get("page"))
    context = {"filter": code_filter, "page": page, "query": query}
    if not page.object_list and query:
        context["suggestions"] = _nearest_codes(query)
    return render(request, "codes/code_list.html", context)


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
    obj = Code.objects.published().for_detail_page().filter(code=code).first()
    if obj is None:
        return _code_not_found(request, code)
    return render(request, "codes/code_detail.html", {"code": obj})


@require_GET
def code_checklist(request, code):
    if code != code.upper():
        return redirect("codes:code_checklist", code=code.upper(), permanent=True)
    obj = Code.objects.published().for_detail_page().filter(code=code).first()
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
    queryset = Misconception.objects.published().prefetch_related(
        Prefetch("codes", queryset=_published_codes()), "sources"
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
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def page_not_found(request, exception):
    return render(request, "404.html", status=404)
