"""django-filter FilterSets for the list pages. Invalid values are ignored and reported on the form."""

import django_filters
from django import forms

from .models import Attendance, BillingUnit, Category, Code, CodeStatus, Consequence, Evidence, Impact, Misconception
from .search import MAX_QUERY_LENGTH, search_codes


class CodeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label="Code or words",
        max_length=MAX_QUERY_LENGTH * 5,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "97110, ther ex, e-stim…"}),
    )
    category = django_filters.ModelChoiceFilter(
        field_name="category", to_field_name="slug", queryset=Category.objects.all(), empty_label="Any category"
    )
    billing_unit = django_filters.ChoiceFilter(choices=BillingUnit.choices, label="Billing unit", empty_label="Any")
    attendance = django_filters.ChoiceFilter(choices=Attendance.choices, empty_label="Any")
    status = django_filters.ChoiceFilter(choices=CodeStatus.choices, empty_label="Any")

    class Meta:
        model = Code
        fields = ["q", "category", "billing_unit", "attendance", "status"]

    def filter_q(self, queryset, name, value):
        return search_codes(value, queryset)


class MisconceptionFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(field_name="codes__code", label="Code", max_length=5, method="filter_code")
    category = django_filters.ModelChoiceFilter(
        field_name="codes__category",
        to_field_name="slug",
        queryset=Category.objects.all(),
        empty_label="Any category",
        distinct=True,
    )
    impact = django_filters.ChoiceFilter(choices=Impact.choices, empty_label="Any")
    consequence = django_filters.ChoiceFilter(choices=Consequence.choices, label="Why it matters", empty_label="Any")
    evidence = django_filters.ChoiceFilter(choices=Evidence.choices, empty_label="Any")

    class Meta:
        model = Misconception
        fields = ["code", "category", "impact", "consequence", "evidence"]

    def filter_code(self, queryset, name, value):
        return queryset.filter(codes__code=value.strip().upper()).distinct()
