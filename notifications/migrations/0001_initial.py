# The outbox moved here from the dossiers app: its table (dossiers_notification) is kept, only the state moves.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('dossiers', '0010_competent_agency_indexes'),
        ('procedures', '0003_catalog_search_order'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],  # the table stays where it is
            state_operations=[
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('idempotency_key', models.CharField(help_text='Một khóa cho mỗi thông báo; dùng làm Message-ID của thư.', max_length=200, unique=True, verbose_name='khóa chống gửi trùng')),
                        ('kind', models.CharField(max_length=40, verbose_name='loại thông báo')),
                        ('channel', models.CharField(choices=[('email', 'Thư điện tử'), ('sms', 'Tin nhắn SMS')], max_length=10, verbose_name='kênh gửi')),
                        ('recipient', models.CharField(help_text='Địa chỉ thư hoặc số điện thoại.', max_length=254, verbose_name='người nhận')),
                        ('subject', models.CharField(blank=True, max_length=255, verbose_name='tiêu đề')),
                        ('body', models.TextField(verbose_name='nội dung')),
                        ('status', models.CharField(choices=[('pending', 'Chờ gửi'), ('sending', 'Đang gửi'), ('sent', 'Đã gửi'), ('failed', 'Gửi không thành công')], default='pending', max_length=10, verbose_name='trạng thái gửi')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='số lần thử')),
                        ('deliveries', models.PositiveSmallIntegerField(default=0, help_text='Lớn hơn 1 nghĩa là người nhận có thể nhận trùng.', verbose_name='số lần đã chuyển đi')),
                        ('last_error', models.TextField(blank=True, verbose_name='lỗi gần nhất')),
                        ('claim_token', models.UUIDField(blank=True, null=True, verbose_name='mã phiên gửi')),
                        ('claimed_at', models.DateTimeField(blank=True, null=True, verbose_name='nhận gửi lúc')),
                        ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='thử lại từ')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='gửi lúc')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='tạo lúc')),
                        ('agency', models.ForeignKey(help_text='Cơ quan có hộp thư đi chứa thông báo này (nơi tiếp nhận hồ sơ, hoặc nơi công tác của cán bộ).', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='procedures.agency', verbose_name='cơ quan')),
                        ('dossier', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='dossiers.dossier', verbose_name='hồ sơ')),
                        ('recipient_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='cán bộ nhận')),
                    ],
                    options={
                        'verbose_name': 'thông báo',
                        'verbose_name_plural': 'hộp thư đi',
                        'db_table': 'dossiers_notification',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['status', 'next_attempt_at'], name='notification_requeue'), models.Index(fields=['agency', 'status', 'created_at'], name='notification_outbox_page')],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('status', 'sent'), _negated=True), ('sent_at__isnull', False), _connector='OR'), name='notification_sent_has_sent_at'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'sending'), _negated=True), models.Q(('claim_token__isnull', False), ('claimed_at__isnull', False)), _connector='OR'), name='notification_sending_has_lease')],
                    },
                ),
            ],
        ),
    ]
