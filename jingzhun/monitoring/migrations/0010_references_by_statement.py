# On PostgreSQL the references of classes and alerts to their household, region, cadre and
# procedures are checked once per statement by triggers, not row by row by foreign-key
# constraints (jingzhun.core.references, docs/decisions.md §16): a county's first scan writes
# 230,000 classes and alerts at once.
#
# Database only: the models keep their ForeignKeys (SQLite keeps its constraints; Django's
# PROTECT is unchanged). A later migration that alters one of these fields through Django
# would re-create its constraint beside the triggers (correct, only slower): swap it out
# first (references.swap_out) and back in after.

from django.db import migrations

from jingzhun.core import references

FIELDS = [
    ("classification", "household"),
    ("alert", "household"),
    ("alert", "region"),
    ("alert", "owner_cadre"),
    ("alert", "identification_case"),
    ("alert", "elimination_case"),
]


def forwards(apps, schema_editor):
    for model, field in FIELDS:
        references.swap_in(schema_editor, apps.get_model("monitoring", model), field)


def backwards(apps, schema_editor):
    for model, field in FIELDS:
        references.swap_out(schema_editor, apps.get_model("monitoring", model), field)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0009_alert_fewer_indexes"),
        ("procedures", "0001_initial"),
        ("assistance", "0002_finding_firstsecretary_gapexplanation_gradingrule_and_more"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
