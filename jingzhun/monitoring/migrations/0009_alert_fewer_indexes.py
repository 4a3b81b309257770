# Alerts are counted by level within a region, reached through its households: no (year, level) index.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0008_risk_event_fewer_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='alert',
            name='monitoring__year_cddfe5_idx',
        ),
    ]
