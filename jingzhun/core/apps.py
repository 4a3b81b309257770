from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jingzhun.core"
    label = "core"
