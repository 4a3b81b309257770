"""The audit trail's page. Included by the project as ``path("audit/", include(...))``."""

from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [path("", views.entry_list, name="index")]
