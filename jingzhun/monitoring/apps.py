from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "jingzhun.monitoring"
    label = "monitoring"

    def ready(self) -> None:
        # Registers the `match` kind with `jingzhun import` (jingzhun.registry.importing).
        from . import importing  # noqa: F401
        from .procedures import register

        # The identification and risk-elimination procedures, run by jingzhun.procedures.
        register()
