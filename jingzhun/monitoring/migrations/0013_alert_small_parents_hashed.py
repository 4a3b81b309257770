# An alert's region and cadre name tables of a few thousand rows: their checks read the parent
# once into a hash instead of probing it once per new alert (jingzhun.core.references,
# child_check_sql: a county's first scan 95 -> 28 ms for the regions, docs/benchmarks.md).
# Database only; SQLite keeps the constraints.

from django.db import migrations

from jingzhun.core import references

FIELDS = ["region", "owner_cadre"]


def forwards(apps, schema_editor):
    for field in FIELDS:
        references.set_small_parent(schema_editor, apps.get_model("monitoring", "alert"), field, True)


def backwards(apps, schema_editor):
    for field in FIELDS:
        references.set_small_parent(schema_editor, apps.get_model("monitoring", "alert"), field, False)


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0012_alert_unused_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
