# The partial unique index one_head_per_household (0001) is dropped on PostgreSQL by 0002:
# Django's AlterField of `household` to db_index=False drops every plain index on
# household_id that is not one of Meta.indexes, and takes the partial unique index, a
# constraint in Meta.constraints, for the foreign key's own. Removed (DROP INDEX IF EXISTS:
# a no-op where it is gone) and added again, so every database has it.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_member_id_number_bytewise"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="member",
            name="one_head_per_household",
        ),
        migrations.AddConstraint(
            model_name="member",
            constraint=models.UniqueConstraint(
                condition=models.Q(("relation", "head")),
                fields=("household",),
                name="one_head_per_household",
            ),
        ),
    ]
