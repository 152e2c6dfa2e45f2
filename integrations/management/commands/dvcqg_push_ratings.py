"""manage.py dvcqg_push_ratings [--month YYYY-MM]: write the month's ratings summary (DongBoDanhGia, one sync row
per desk; default: the previous month) and send it, as the beat task integrations.push_monthly_ratings does.
Running it again for the same month writes nothing new."""

import re
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from integrations import ratings
from integrations.tasks import push_monthly_ratings


def _month(value: str) -> date:
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", value or "")
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise CommandError(_("Tháng không hợp lệ: %(value)s (định dạng YYYY-MM, ví dụ 2026-10).") % {"value": value})
    return date(int(match[1]), int(match[2]), 1)


class Command(BaseCommand):
    help = _("Tổng hợp đánh giá mức độ hài lòng của một tháng theo từng nơi tiếp nhận và gửi lên Cổng DVCQG "
             "(DongBoDanhGia).")

    def add_arguments(self, parser):
        parser.add_argument("--month", default="", help=_("Tháng cần gửi, YYYY-MM (mặc định: tháng trước)."))

    def handle(self, *args, month="", **options):
        period = _month(month) if month else ratings.previous_month()
        if period > ratings.previous_month():
            raise CommandError(_("Tháng %(month)s chưa kết thúc; chỉ gửi được các tháng đã qua.") % {
                "month": f"{period:%m/%Y}"})
        result = push_monthly_ratings(f"{period:%Y-%m}")
        if not result["enabled"]:
            raise CommandError(_("Đồng bộ DVCQG đang tắt (DVCQG_ENABLED); không gửi gì."))
        if not result["provider"]:
            raise CommandError(_("Không có nguồn số liệu đánh giá (ứng dụng khảo sát chưa đăng ký); không gửi gì."))
        self.stdout.write(_("Đánh giá tháng %(month)s: %(created)s bản tin mới, %(refreshed)s bản tin cập nhật số "
                            "liệu, %(unchanged)s bản tin đã có.") % {
            "month": f"{period:%m/%Y}", "created": result["created"], "refreshed": result["refreshed"],
            "unchanged": result["unchanged"]})
