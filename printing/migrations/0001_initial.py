# The tracking book files moved here from the dossiers app: the table is kept, only the state moves.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('procedures', '0003_catalog_search_order'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],  # the table stays where it is
            state_operations=[
                migrations.CreateModel(
                    name='TrackingBookFile',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField(verbose_name='ngày')),
                        ('file', models.FileField(max_length=255, upload_to='tracking-books/', verbose_name='tệp PDF')),
                        ('dossier_count', models.PositiveIntegerField(default=0, verbose_name='số hồ sơ')),
                        ('rendered_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='tạo lúc')),
                        ('agency', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='procedures.agency', verbose_name='bộ phận một cửa')),
                    ],
                    options={
                        'verbose_name': 'sổ theo dõi hồ sơ (PDF)',
                        'verbose_name_plural': 'sổ theo dõi hồ sơ (PDF)',
                        'db_table': 'dossiers_trackingbookfile',
                        'constraints': [models.UniqueConstraint(fields=('agency', 'day'), name='tracking_book_file_unique')],
                    },
                ),
            ],
        ),
    ]
