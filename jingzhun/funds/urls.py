"""Funds pages. Included by the project as ``path("funds/", include("jingzhun.funds.urls"))``."""

from django.urls import path

from . import views

app_name = "funds"

urlpatterns = [
    path("", views.report, name="report"),
    path("budgets/new/", views.budget_create, name="budget_create"),
    path("allocations/new/", views.allocation_create, name="allocation_create"),
    path("projects/", views.project_list, name="projects"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
]
