from django.contrib import admin
from django.db import models
from django.db.models import Count

from .models import Category, Checklist, ChecklistItem, Code, CodeConfusion, Figure, Misconception, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
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
class CategoryAdmin(admin.ModelAdmin):
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
class CodeAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "category", "billing_unit", "attendance", "status", "is_published", "reviewed_on"]
    list_filter = ["is_published", "status", "category", "billing_unit", "attendance", "evidence"]
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
        ("Publishing", {"fields": ["is_published", "reviewed_on", "updated_at"]}),
    ]


@admin.register(Misconception)
class MisconceptionAdmin(admin.ModelAdmin):
    list_display = ["myth", "impact", "consequence", "evidence", "code_list", "is_published", "reviewed_on"]
    list_filter = ["is_published", "impact", "consequence", "evidence", "codes__category"]
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
    extra = 0
    autocomplete_fields = ["sources"]
    fields = [("order", "key", "requirement"), "text", "why", ("evidence", "evidence_note"), "sources", "is_published"]


@admin.register(Checklist)
class ChecklistAdmin(admin.ModelAdmin):
    list_display = ["title", "order", "item_count", "code_count", "is_published", "reviewed_on"]
    list_filter = ["is_published"]
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
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ["text", "checklist", "requirement", "evidence", "is_published"]
    list_filter = ["requirement", "evidence", "is_published", "checklist"]
    search_fields = ["text", "why", "key"]
    list_select_related = ["checklist"]
    autocomplete_fields = ["checklist", "sources"]


@admin.register(Figure)
class FigureAdmin(admin.ModelAdmin):
    list_display = ["label", "year", "value", "evidence"]
    list_filter = ["year", "evidence"]
    search_fields = ["key", "label"]
    autocomplete_fields = ["sources"]
