import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from .csv_io import CsvImportError, export_csv, import_csv
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

STALE_EDIT_MESSAGE = (
    "Someone else saved this record after you opened it, so your changes were not saved. Your changes are still "
    "in the form below: open the record in a new tab to see the other changes (History lists them), re-apply "
    "yours here, then save again."
)


class VersionedForm(forms.ModelForm):
    """Carries the version the editor started from; saving refuses a record someone else saved meanwhile."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            current = (
                type(self.instance)._base_manager.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            )
            if current is not None and cleaned.get("version") != current:
                raise ValidationError(STALE_EDIT_MESSAGE, code="stale")
        return cleaned


class VersionedAdmin(SimpleHistoryAdmin):
    """History (with field diffs and revert) and optimistic locking for every curated model."""

    form = VersionedForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not any("version" in options.get("fields", ()) for _, options in fieldsets):
            name, options = fieldsets[0]
            fieldsets = [(name, {**options, "fields": [*options["fields"], "version"]}), *fieldsets[1:]]
        return fieldsets

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        current = getattr(request, "reverting_from_version", None)
        if current is None:
            return form

        class RevertForm(form):
            # Reverting starts from the historical copy but is a new edit of the current row.
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.initial["version"] = current

        return RevertForm

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        request.reverting_from_version = (
            self.model._base_manager.filter(pk=object_id).values_list("version", flat=True).first()
        )
        return super().history_form_view(request, object_id, version_id, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StaleEditError:  # lost the race between the form check and the save: nothing was written
            messages.error(request, STALE_EDIT_MESSAGE)
            return HttpResponseRedirect(request.get_full_path())


class CsvImportForm(forms.Form):
    file = forms.FileField(label="CSV file (UTF-8)")
    dry_run = forms.BooleanField(label="Dry run: only report what would change", required=False, initial=True)


class CsvAdminMixin:
    """Export selected rows as CSV, and import a CSV (dry run, line-numbered errors, all or nothing)."""

    csv_kind = None
    change_list_template = "admin/codes/change_list_csv.html"

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_import_csv"
        return [path("import-csv/", self.admin_site.admin_view(self.import_csv_view), name=name), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra = {
            "import_url": f"admin:{self.opts.app_label}_{self.opts.model_name}_import_csv",
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra)

    @admin.action(description="Export selected as CSV")
    def export_csv(self, request, queryset):
        response = HttpResponse(export_csv(self.csv_kind, queryset), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="cptref-{self.csv_kind}.csv"'
        return response

    def import_csv_view(self, request):
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied
        drafts_only = not self.has_publish_permission(request)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Import {self.opts.verbose_name_plural} from CSV",
            "changelist_url": f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist",
            "drafts_only": drafts_only,
        }
        form = CsvImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                text = form.cleaned_data["file"].read().decode("utf-8-sig")
                context["report"] = import_csv(
                    self.csv_kind, text, dry_run=form.cleaned_data["dry_run"], drafts_only=drafts_only
                )
            except UnicodeDecodeError:
                context["errors"] = ["The file is not UTF-8 text: save it from your spreadsheet as “CSV UTF-8”."]
            except CsvImportError as exc:
                context["errors"] = exc.errors
        context["form"] = form
        return TemplateResponse(request, "admin/codes/import_csv.html", context)


class ReviewFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("never", "Never reviewed"),
            ("stale", "Not reviewed in 12 months"),
            ("recent", "Reviewed in 12 months"),
        ]

    def queryset(self, request, queryset):
        year_ago = timezone.localdate() - datetime.timedelta(days=365)
        if self.value() == "never":
            return queryset.filter(reviewed_on__isnull=True)
        if self.value() == "stale":
            return queryset.filter(Q(reviewed_on__isnull=True) | Q(reviewed_on__lt=year_ago))
        if self.value() == "recent":
            return queryset.filter(reviewed_on__gte=year_ago)
        return queryset


class CuratedAdmin(VersionedAdmin):
    """Drafts and publishing: curators save drafts; only reviewers (the publish permission) publish and review."""

    review_fields = ["is_published", "reviewed_on", "reviewed_by"]
    actions = ["publish", "unpublish", "mark_reviewed"]

    def has_publish_permission(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.publish_{self.opts.model_name}")

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            readonly += [name for name in self.review_fields if name not in readonly]
        elif "reviewed_by" not in readonly:
            readonly.append("reviewed_by")
        return readonly

    def save_model(self, request, obj, form, change):
        if not self.has_publish_permission(request):
            # Only reviewed content is public: a curator's save (new or edit) waits for a reviewer.
            was_published = obj.is_published
            obj.is_published, obj.reviewed_on, obj.reviewed_by = False, None, None
            messages.warning(
                request,
                "Saved as a draft: billers will not see it until a reviewer publishes it."
                + (" It was published before this edit." if change and was_published else ""),
            )
        elif "reviewed_on" in form.changed_data and obj.reviewed_on:
            obj.reviewed_by = request.user
        super().save_model(request, obj, form, change)

    def _save_each(self, request, queryset, **values):
        # Saved one by one (not queryset.update) so history records who did it and versions move on.
        for obj in queryset:
            for name, value in values.items():
                setattr(obj, name, value)
            obj._change_reason = ", ".join(f"{name}={value}" for name, value in values.items() if name != "reviewed_by")
            obj.save()
        return queryset.count()

    @admin.action(description="Publish (billers will see it)", permissions=["publish"])
    def publish(self, request, queryset):
        count = self._save_each(request, queryset, is_published=True)
        self.message_user(request, f"Published {count} record(s).", messages.SUCCESS)

    @admin.action(description="Unpublish (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        count = self._save_each(request, queryset, is_published=False)
        self.message_user(request, f"Unpublished {count} record(s).", messages.SUCCESS)

    @admin.action(description="Mark reviewed today", permissions=["publish"])
    def mark_reviewed(self, request, queryset):
        count = self._save_each(request, queryset, reviewed_on=timezone.localdate(), reviewed_by=request.user)
        self.message_user(request, f"Marked {count} record(s) reviewed.", messages.SUCCESS)


@admin.register(Source)
class SourceAdmin(VersionedAdmin):
    list_display = ["title", "publisher", "kind", "section", "accessed_on", "citations"]
    list_filter = ["kind", "publisher"]
    search_fields = ["key", "title", "publisher", "section", "url"]
    prepopulated_fields = {"key": ["publisher", "title"]}
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # Django 6's default

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_codes=Count("codes", distinct=True),
                n_misconceptions=Count("misconceptions", distinct=True),
                n_items=Count("checklist_items", distinct=True),
            )
        )

    @admin.display(description="Cited by")
    def citations(self, obj):
        return f"{obj.n_codes} codes, {obj.n_misconceptions} misconceptions, {obj.n_items} checklist items"


@admin.register(Category)
class CategoryAdmin(VersionedAdmin):
    list_display = ["name", "slug", "order", "code_count"]
    list_editable = ["order"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_codes=Count("codes"))

    @admin.display(description="Codes", ordering="n_codes")
    def code_count(self, obj):
        return obj.n_codes


class ConfusionInline(admin.TabularInline):
    model = CodeConfusion
    fk_name = "from_code"
    extra = 0
    autocomplete_fields = ["to_code"]
    verbose_name = "often confused with"
    verbose_name_plural = "often confused with (add the reverse link on the other code too)"


class MisconceptionInline(admin.TabularInline):
    model = Misconception.codes.through
    extra = 0
    autocomplete_fields = ["misconception"]
    verbose_name = "misconception about this code"
    verbose_name_plural = "misconceptions about this code"


class ChecklistInline(admin.TabularInline):
    model = Checklist.codes.through
    extra = 0
    autocomplete_fields = ["checklist"]
    verbose_name = "checklist for this code"
    verbose_name_plural = "checklists for this code"


@admin.register(Code)
class CodeAdmin(CsvAdminMixin, CuratedAdmin):
    csv_kind = "codes"
    actions = [*CuratedAdmin.actions, "export_csv"]
    list_display = ["code", "title", "category", "billing_unit", "attendance", "status", "is_published", "reviewed_on"]
    list_filter = ["is_published", ReviewFilter, "status", "category", "billing_unit", "attendance", "evidence"]
    search_fields = ["code", "title", "lay_terms"]
    list_select_related = ["category"]
    autocomplete_fields = ["sources", "replaced_by"]
    readonly_fields = ["updated_at"]
    inlines = [ConfusionInline, MisconceptionInline, ChecklistInline]
    fieldsets = [
        (None, {"fields": ["code", "title", "summary", "lay_terms", "category"]}),
        (
            "Billing facts",
            {
                "fields": [
                    "billing_unit",
                    "unit_note",
                    "attendance",
                    "typical_minutes",
                    "medicare_notes",
                    "typical_uses",
                ]
            },
        ),
        ("Status", {"fields": ["status", "effective_on", "deleted_on", "replaced_by"]}),
        ("Evidence", {"fields": ["sources", "evidence", "evidence_note"]}),
        ("Clinic's licensed descriptor", {"fields": ["licensed_descriptor"], "classes": ["collapse"]}),
        ("Publishing", {"fields": ["is_published", "reviewed_on", "reviewed_by", "updated_at", "version"]}),
    ]


@admin.register(Misconception)
class MisconceptionAdmin(CsvAdminMixin, CuratedAdmin):
    csv_kind = "misconceptions"
    actions = [*CuratedAdmin.actions, "export_csv"]
    list_display = ["myth", "impact", "consequence", "evidence", "code_list", "is_published", "reviewed_on"]
    list_filter = ["is_published", ReviewFilter, "impact", "consequence", "evidence", "codes__category"]
    search_fields = ["slug", "myth", "correction", "codes__code"]
    autocomplete_fields = ["codes", "sources"]
    prepopulated_fields = {"slug": ["myth"]}
    readonly_fields = ["updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("codes")

    @admin.display(description="Codes")
    def code_list(self, obj):
        return ", ".join(code.code for code in obj.codes.all())


class ChecklistItemInline(admin.StackedInline):
    model = ChecklistItem
    form = VersionedForm
    extra = 0
    autocomplete_fields = ["sources"]
    fields = [
        ("order", "key", "requirement"),
        "text",
        "why",
        ("evidence", "evidence_note"),
        "sources",
        "is_published",
        "version",
    ]


@admin.register(Checklist)
class ChecklistAdmin(CuratedAdmin):
    list_display = ["title", "order", "item_count", "code_count", "is_published", "reviewed_on"]
    list_filter = ["is_published", ReviewFilter]
    search_fields = ["slug", "title", "codes__code"]
    autocomplete_fields = ["codes"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["updated_at"]
    inlines = [ChecklistItemInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(n_items=Count("items", distinct=True), n_codes=Count("codes", distinct=True))
        )

    @admin.display(description="Items", ordering="n_items")
    def item_count(self, obj):
        return obj.n_items

    @admin.display(description="Codes", ordering="n_codes")
    def code_count(self, obj):
        return obj.n_codes


@admin.register(ChecklistItem)
class ChecklistItemAdmin(VersionedAdmin):
    list_display = ["text", "checklist", "requirement", "evidence", "is_published"]
    list_filter = ["requirement", "evidence", "is_published", "checklist"]
    search_fields = ["text", "why", "key"]
    list_select_related = ["checklist"]
    autocomplete_fields = ["checklist", "sources"]


@admin.register(Figure)
class FigureAdmin(VersionedAdmin):
    list_display = ["label", "year", "value", "evidence"]
    list_filter = ["year", "evidence"]
    search_fields = ["key", "label"]
    autocomplete_fields = ["sources"]


from . import medicare_admin  # noqa: E402, F401  (read-only admin for the Medicare figures imported from CMS files)
