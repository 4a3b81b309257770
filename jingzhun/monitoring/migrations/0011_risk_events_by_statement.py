# On PostgreSQL a risk event's household and alert are checked once per statement by
# triggers, as the references of classes and alerts are since 0010 (jingzhun.core.references,
# docs/decisions.md §16-17): a match writes 90,000 events at once, whose row-by-row household
# checks at commit were 0.8-1.3 s of it, and the next scan links as many to their alerts in
# one UPDATE, whose checks were 0.5-0.7 s (docs/benchmarks.md). The alert's parent side reads
# the events by a join, where the constraint's per-row check scanned them once per deleted
# alert (`alert_id` is not indexed). Database only; SQLite keeps the constraints.

from django.db import migrations

from jingzhun.core import references

FIELDS = ["household", "alert"]


def forwards(apps, schema_editor):
    for field in FIELDS:
        references.swap_in(schema_editor, apps.get_model("monitoring", "riskevent"), field)


def backwards(apps, schema_editor):
    for field in FIELDS:
        references.swap_out(schema_editor, apps.get_model("monitoring", "riskevent"), field)


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0010_references_by_statement")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
