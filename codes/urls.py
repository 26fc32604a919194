from django.urls import path, register_converter

from . import views


class CodeConverter:
    """Five letters or digits; anything else 404s before a view runs. The model validates the real format."""

    regex = "[0-9A-Za-z]{5}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(CodeConverter, "code")

app_name = "codes"
urlpatterns = [
    path("", views.home, name="home"),
    path("codes/", views.code_list, name="code_list"),
    path("codes/search/", views.code_search_fragment, name="code_search_fragment"),
    path("codes/<code:code>/", views.code_detail, name="code_detail"),
    path("codes/<code:code>/checklist/", views.code_checklist, name="code_checklist"),
    path("misconceptions/", views.misconception_list, name="misconception_list"),
    path("sources/", views.source_list, name="source_list"),
    path("units/", views.units, name="units"),
    path("healthz", views.healthz, name="healthz"),
]
