"""The project's URLs plus the reports app (until jingzhun/urls.py includes it)."""

from django.urls import include, path

from jingzhun.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("reports/", include("jingzhun.reports.urls")),
    *project_urlpatterns,
]
