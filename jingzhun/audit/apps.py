from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "jingzhun.audit"
    label = "audit"
