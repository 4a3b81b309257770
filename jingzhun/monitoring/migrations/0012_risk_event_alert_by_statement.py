# On PostgreSQL a risk event's alert is checked once per statement by triggers, as its household
# is since 0011 (jingzhun.core.references, docs/decisions.md §16-17): the scan after a match
# links 87,000 events to their new alerts in one UPDATE, and their row-by-row checks at commit
# were 0.5-0.7 s of it (docs/benchmarks.md). The parent's side reads the events by a join,
# where the constraint's per-row check scanned them once per deleted alert (`alert_id` is not
# indexed). Database only; SQLite keeps the constraint.

from django.db import migrations

from jingzhun.core import references


def forwards(apps, schema_editor):
    references.swap_in(schema_editor, apps.get_model("monitoring", "riskevent"), "alert")


def backwards(apps, schema_editor):
    references.swap_out(schema_editor, apps.get_model("monitoring", "riskevent"), "alert")


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0011_risk_event_household_by_statement")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
