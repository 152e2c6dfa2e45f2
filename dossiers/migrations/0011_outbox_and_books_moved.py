# The outbox and the tracking book files now belong to the notifications and printing apps (state only).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('dossiers', '0010_competent_agency_indexes'),
        ('notifications', '0001_initial'),
        ('printing', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],  # the table stays where it is
            state_operations=[
                migrations.RemoveField(
                    model_name='trackingbookfile',
                    name='agency',
                ),
                migrations.DeleteModel(
                    name='Notification',
                ),
                migrations.DeleteModel(
                    name='TrackingBookFile',
                ),
            ],
        ),
    ]
