"""manage.py dvcqg_sync [--all]: deliver now every sync row whose turn has come (the beat's re-queue, by hand;
useful in the embedded default, which runs no beat), then print the counts per state."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations import delivery
from integrations.models import SyncRow, SyncStatus


class Command(BaseCommand):
    help = _("Gửi ngay các bản tin đồng bộ DVCQG đã đến lượt, rồi in số bản tin theo trạng thái.")

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", dest="now",
                            help=_("Gửi cả các bản tin đang chờ thử lại, không đợi hết thời gian chờ."))

    def handle(self, *args, now=False, **options):
        if now:
            SyncRow.objects.filter(status=SyncStatus.PENDING).update(next_attempt_at=timezone.now())
        total: dict[str, int] = {}
        while ids := delivery.heads_due(older_than=timedelta(0)):
            outcomes = delivery.deliver_batch(ids)
            for key, value in outcomes.items():
                total[key] = total.get(key, 0) + value
            if not outcomes.get("sent"):
                break
        self.stdout.write(_("Đã gửi %(sent)s, Cổng từ chối %(rejected)s, chờ thử lại %(retry)s.") % {
            "sent": total.get("sent", 0), "rejected": total.get("rejected", 0), "retry": total.get("retry", 0)})
        counts = dict(SyncRow.objects.values_list("status").annotate(n=Count("id")).order_by())
        for status in SyncStatus:
            self.stdout.write(f"  {status.label}: {counts.get(status.value, 0)}")
