from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "cptref curation"
admin.site.site_title = "cptref admin"
admin.site.index_title = "Reference data"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("codes.urls")),
]

handler404 = "codes.views.page_not_found"
