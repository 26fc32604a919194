"""Admin for the Medicare figures: read-only, because they are imported from CMS files, never typed.

Releases can be deleted (their rows go with them), e.g. to re-import a corrected file. Registered by the import at
the end of codes/admin.py.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from .medicare_models import FeeScheduleEntry, MedicareKind, MedicareRelease, Mue, PtpEdit

ROWS = {
    MedicareKind.PFS_RVU: ("feescheduleentry", "fee_schedule_entries", FeeScheduleEntry),
    MedicareKind.NCCI_PTP: ("ptpedit", "ptp_edits", PtpEdit),
    MedicareKind.MUE: ("mue", "mues", Mue),
}


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MedicareRelease)
class MedicareReleaseAdmin(ReadOnlyAdmin):
    list_display = ["release_label", "kind", "effective_on", "file_name", "row_count", "kept_count", "imported_at"]
    list_filter = ["kind"]
    search_fields = ["release_label", "file_name", "sha256"]
    fields = [
        "kind",
        "release_label",
        "effective_on",
        "released_on",
        "year",
        "file_name",
        "sha256",
        "row_count",
        "kept_count",
        "imported_at",
        "rows",
    ]
    readonly_fields = fields

    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    @admin.display(description="Rows kept")
    def rows(self, obj):
        name, related, _ = ROWS[obj.kind]
        url = reverse(f"admin:codes_{name}_changelist") + f"?release__id__exact={obj.pk}"
        return format_html('<a href="{}">{} rows for codes in cptref</a>', url, getattr(obj, related).count())

    def get_deleted_objects(self, objs, request):
        """Summarize the rows a release takes with it (the rows themselves cannot be deleted one by one)."""
        summary, counts = [], {}
        for release in objs:
            _, related, model = ROWS[release.kind]
            n = getattr(release, related).count()
            summary += [str(release), [f"{n} {model._meta.verbose_name_plural}"]]
            label = model._meta.verbose_name_plural
            counts[label] = counts.get(label, 0) + n
        counts[MedicareRelease._meta.verbose_name_plural] = len(objs)
        return summary, counts, set(), []


@admin.register(FeeScheduleEntry)
class FeeScheduleEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "modifier",
        "status_code",
        "work_rvu",
        "pe_rvu_nonfacility",
        "mp_rvu",
        "total_nonfacility",
        "mult_proc",
        "conversion_factor",
        "release",
    ]
    list_filter = ["release", "status_code", "mult_proc"]
    list_select_related = ["release", "code"]
    search_fields = ["code__code"]
    ordering = ["code__code", "modifier"]


@admin.register(PtpEdit)
class PtpEditAdmin(ReadOnlyAdmin):
    list_display = ["column1", "column2", "effective_on", "deleted_on", "modifier_indicator", "rationale", "release"]
    list_filter = ["release", "modifier_indicator"]
    list_select_related = ["release", "column1", "column2"]
    search_fields = ["column1__code", "column2__code"]
    ordering = ["column1__code", "column2__code", "-effective_on"]


@admin.register(Mue)
class MueAdmin(ReadOnlyAdmin):
    list_display = ["code", "value", "adjudication_indicator", "rationale", "release"]
    list_filter = ["release", "adjudication_indicator"]
    list_select_related = ["release", "code"]
    search_fields = ["code__code"]
    ordering = ["code__code"]
