from django.urls import path

from . import views

app_name = "assistance"

urlpatterns = [
    path("", views.index, name="index"),
    path("me/", views.my_page, name="me"),
    path("cadres/", views.cadre_list, name="cadres"),
    path("cadres/new/", views.cadre_create, name="cadre_create"),
    path("cadres/<int:pk>/", views.cadre_detail, name="cadre_detail"),
    path("pairings/", views.pairing_list, name="pairings"),
    path("pairings/new/", views.pairing_create, name="pairing_create"),
    path("pairings/<int:pk>/end/", views.pairing_end, name="pairing_end"),
    path("households/<str:household_no>/", views.household, name="household"),
    path("households/<str:household_no>/visits/", views.visit_create, name="visit_create"),
    path("households/<str:household_no>/measures/", views.measure_create, name="measure_create"),
    path("households/<str:household_no>/explain/", views.gap_explain, name="gap_explain"),
    path("measures/<int:pk>/status/", views.measure_status, name="measure_status"),
    path("visits/", views.visit_list, name="visits"),
    path("visits/<int:pk>/photo/", views.visit_photo, name="visit_photo"),
    path("coverage/", views.coverage, name="coverage_home"),
    path("coverage/<str:code>/", views.coverage, name="coverage"),
    path("teams/", views.team_list, name="teams"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<int:pk>/end/", views.team_end, name="team_end"),
    path("secretaries/", views.secretary_list, name="secretaries"),
    path("secretaries/new/", views.secretary_create, name="secretary_create"),
    path("secretaries/<int:pk>/end/", views.secretary_end, name="secretary_end"),
    path("targets/", views.target_list, name="targets"),
    path("targets/<str:code>/<int:year>/", views.target_detail, name="target"),
    path("inspections/", views.inspection_list, name="inspections"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("findings/", views.finding_list, name="findings"),
    path("findings/<int:pk>/rectify/", views.finding_rectify, name="finding_rectify"),
    path("grades/<str:code>/<int:year>/", views.village_grades, name="grades"),
]
