# A risk event's member loses its database constraint (docs/decisions.md §13): the writers and a
# member's removal keep it by a table lock instead (jingzhun.monitoring.apps).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0005_alert_raised_step'),
        ('registry', '0003_member_fewer_indexes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='riskevent',
            name='member',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='risk_events', to='registry.member', verbose_name='成员'),
        ),
    ]
