from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("<str:code>/", views.dashboard, name="dashboard"),
    path("<str:code>/figures.json", views.figures_json, name="figures_json"),
    path("<str:code>/summary.xlsx", views.summary_xlsx, name="summary_xlsx"),
    path("<str:code>/households.xlsx", views.households_xlsx, name="households_xlsx"),
]
