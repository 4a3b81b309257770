from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "jingzhun.regions"
    label = "regions"
