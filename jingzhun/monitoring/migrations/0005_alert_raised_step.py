# The scan no longer writes a "raised" timeline row: the alert row and its scan are that step;
# nothing looks alerts up by scan, so its index goes.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0004_alert_reason_en'),
    ]

    operations = [
        migrations.AlterField(
            model_name='alert',
            name='scan',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, to='monitoring.scan'),
        ),
    ]
