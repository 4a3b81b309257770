from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "jingzhun.reports"
    label = "reports"
