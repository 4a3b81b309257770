from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "jingzhun.procedures"
    label = "procedures"
    verbose_name = "识别退出程序"

    def ready(self) -> None:
        from .kinds import register_builtin_kinds

        register_builtin_kinds()
