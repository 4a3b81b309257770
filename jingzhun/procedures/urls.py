from django.urls import path

from . import views

app_name = "procedures"

urlpatterns = [
    path("", views.index, name="index"),
    path("regions/<str:code>/", views.case_list, name="region"),
    path("regions/<str:code>/notice/", views.notice_publish, name="notice_publish"),
    path("regions/<str:code>/adjustment/<int:year>/", views.adjustment, name="adjustment"),
    path("households/<str:household_no>/", views.household, name="household"),
    path("cases/<str:reference>/", views.case_detail, name="case"),
    path("cases/<str:reference>/step/", views.case_step, name="case_step"),
    path("cases/<str:reference>/withdraw/", views.case_withdraw, name="case_withdraw"),
    path("cases/<str:reference>/objections/", views.objection_create, name="objection_create"),
    path("objections/<int:pk>/resolve/", views.objection_resolve, name="objection_resolve"),
    path("notices/<int:pk>/", views.notice_detail, name="notice"),
]
