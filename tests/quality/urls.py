"""The project's URLs plus the quality pages, as the lead will include them."""

from django.urls import include, path

from jingzhun.urls import urlpatterns as project

urlpatterns = [path("quality/", include("jingzhun.quality.urls")), *project]
