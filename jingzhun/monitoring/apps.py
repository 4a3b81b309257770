from django.apps import AppConfig
from django.db import connection
from django.db.models.signals import pre_delete


def lock_risk_events(**kwargs) -> None:
    """Before a member is deleted (and Django sets the member of their risk events to NULL):
    wait for any transaction writing risk events (a match, a cadre's entry) to end, and keep
    new ones out until this one ends. A risk event's member has no database constraint
    (docs/decisions.md §13); this lock is what keeps it from naming a removed member. Before a
    household is deleted too: its references' triggers lock alerts, classes and risk events in
    their names' order (jingzhun.core.references), and risk events must come first, as every
    writer takes them (lock_for_writing). SQLite runs one writing transaction at a time."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        from .models import RiskEvent

        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {RiskEvent._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")


def lock_for_writing(cursor, *also: str, alone: bool = False) -> None:
    """The lock a writer of risk events takes before it reads the members it will name:
    ROW EXCLUSIVE, which a member's removal (SHARE ROW EXCLUSIVE) waits for and blocks;
    `alone`: SHARE ROW EXCLUSIVE instead, which also keeps every other writer of risk events
    out until this one ends (a match). `also`: more tables taken in ROW EXCLUSIVE after it, in
    the order a household's removal locks them (risk events, alerts, classes: lock_risk_events,
    then jingzhun.core.references), never a deadlock."""
    if connection.vendor == "postgresql":
        from .models import RiskEvent

        mode = "SHARE ROW EXCLUSIVE" if alone else "ROW EXCLUSIVE"
        cursor.execute(f"LOCK TABLE {RiskEvent._meta.db_table} IN {mode} MODE")
        if also:
            cursor.execute(f"LOCK TABLE {', '.join(also)} IN ROW EXCLUSIVE MODE")


class MonitoringConfig(AppConfig):
    name = "jingzhun.monitoring"
    label = "monitoring"

    def ready(self) -> None:
        # Registers the `match` kind with `jingzhun import` (jingzhun.registry.importing).
        from jingzhun.registry.models import Household, Member

        from . import importing  # noqa: F401
        from .procedures import register

        pre_delete.connect(lock_risk_events, sender=Member, dispatch_uid="monitoring.member")
        pre_delete.connect(lock_risk_events, sender=Household, dispatch_uid="monitoring.household")

        # The identification and risk-elimination procedures, run by jingzhun.procedures.
        register()
