from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "jingzhun.funds"
    label = "funds"

    def ready(self) -> None:
        # Registers the `funds` kind with `jingzhun import` (jingzhun.registry.importing).
        try:
            from . import importing  # noqa: F401
        except ModuleNotFoundError as exc:
            # The shared import pipeline is being built alongside; without it there is
            # nothing to register with. Any other missing module is a real error.
            if not (exc.name or "").startswith("jingzhun.registry.importing"):
                raise
