# On PostgreSQL a risk event's household is checked once per statement by triggers, as the
# references of classes and alerts are since 0010 (jingzhun.core.references,
# docs/decisions.md §16): a match writes 90,000 events at once, and their row-by-row checks at
# commit were 0.8-1.3 s of it (docs/benchmarks.md). Database only; SQLite keeps the constraint.

from django.db import migrations

from jingzhun.core import references


def forwards(apps, schema_editor):
    references.swap_in(schema_editor, apps.get_model("monitoring", "riskevent"), "household")


def backwards(apps, schema_editor):
    references.swap_out(schema_editor, apps.get_model("monitoring", "riskevent"), "household")


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0010_references_by_statement")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
