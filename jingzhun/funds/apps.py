from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "jingzhun.funds"
    label = "funds"
