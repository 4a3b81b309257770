from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "jingzhun.funds"
    label = "funds"

    def ready(self) -> None:
        # Registers the `funds` kind with `jingzhun import` (jingzhun.registry.importing).
        from . import importing  # noqa: F401
