# On PostgreSQL the unique index of members' ID numbers carries the member's household and id,
# so the cross-department match (jingzhun.monitoring.importing) looks a list of numbers up by
# an index-only scan instead of reading a registry_member page per number (phase 2 of a
# 100,000-row match at 3.6M members: 1.4 -> 1.1 s, docs/benchmarks.md).
#
# Database only: Meta keeps the plain UniqueConstraint, because Django skips a constraint
# with `include` outright on a backend without covering indexes (SQLite), and the registry
# would lose its uniqueness there. The constraint keeps its name, so Django still finds it;
# the large first load's index rebuild (importing/indexes.py) re-creates it from
# pg_get_constraintdef, INCLUDE and all. A later migration that alters this constraint
# through Meta must re-apply the INCLUDE.

from django.db import migrations

TABLE = "registry_member"
NAME = "member_id_number_unique"


def _constraint(definition: str):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {NAME}")
        schema_editor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {NAME} {definition}")

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_one_head_per_household_restored"),
    ]

    operations = [
        migrations.RunPython(
            _constraint("UNIQUE (id_number) INCLUDE (household_id, id)"),
            _constraint("UNIQUE (id_number)"),
            elidable=False,
        ),
    ]
