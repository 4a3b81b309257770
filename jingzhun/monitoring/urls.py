"""Monitoring pages, included by the project as ``path("monitoring/", include(...))``."""

from django.urls import path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("", views.index, name="index"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("alerts/<int:pk>/<str:action>/", views.alert_action, name="alert_action"),
    path("households/<str:household_no>/events/", views.event_create, name="event_create"),
    path("<str:code>/", views.region, name="region"),
    path("<str:code>/scan/", views.scan_run, name="scan"),
]
