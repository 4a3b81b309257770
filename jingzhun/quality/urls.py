"""Pages of the data-quality checks. Included by the project as
``path("quality/", include("jingzhun.quality.urls"))``."""

from django.urls import path

from . import views

app_name = "quality"

urlpatterns = [
    path("", views.index, name="index"),
    path("<str:code>/", views.region, name="region"),
    path("<str:code>/run/", views.run, name="run"),
    path("<str:code>/rules/<str:rule_id>/", views.rule_findings, name="rule"),
]
