from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("search/", views.search, name="search"),
    path("regions/<str:code>/", views.region_detail, name="region"),
    path("regions/<str:code>/register/", views.household_register, name="household_register"),
    path("households/<str:household_no>/", views.household_detail, name="household"),
    path("households/<str:household_no>/edit/", views.household_edit, name="household_edit"),
    path("households/<str:household_no>/members/add/", views.member_add, name="member_add"),
    path(
        "households/<str:household_no>/members/<int:member_id>/edit/",
        views.member_edit,
        name="member_edit",
    ),
    path("households/<str:household_no>/incomes/", views.income_set, name="income_set"),
]
