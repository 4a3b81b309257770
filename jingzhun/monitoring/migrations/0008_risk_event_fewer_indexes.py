# A household's risk events are found by one_risk_event_per_report, which leads with the household.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0007_scan_references_unconstrained'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='riskevent',
            name='monitoring__househo_fa4fc2_idx',
        ),
    ]
