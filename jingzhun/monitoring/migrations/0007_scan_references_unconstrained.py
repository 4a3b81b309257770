# The scan references of classes and alerts lose their database constraint (docs/decisions.md §14):
# the scan writes the id of the Scan row it created in the same transaction.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0006_risk_event_member_unconstrained'),
    ]

    operations = [
        migrations.AlterField(
            model_name='alert',
            name='scan',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, to='monitoring.scan'),
        ),
        migrations.AlterField(
            model_name='classification',
            name='scan',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, to='monitoring.scan'),
        ),
    ]
