from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "jingzhun.quality"
    label = "quality"
