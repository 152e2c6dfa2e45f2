"""Print a due time: python manage.py due_date --received "2026-03-02 11:30" --amount 0 --unit same_day --cutoff 11:30"""

from datetime import datetime, time
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from procedures.deadlines import DeadlineRule, compute_due
from procedures.models import Agency
from procedures.worktime import TZ, Unit

UNITS = [u.value for u in Unit]


def _parse_received(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            f"--received “{text}” không hợp lệ: dùng dạng YYYY-MM-DD HH:MM (giờ Việt Nam) hoặc ISO 8601 có múi giờ.",
            returncode=2,
        ) from None
    return value.replace(tzinfo=TZ) if value.tzinfo is None else value


def _parse_cutoff(text: str | None) -> time | None:
    if not text:
        return None
    try:
        return time.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"--cutoff “{text}” không hợp lệ: dùng dạng HH:MM, ví dụ 15:00.", returncode=2) from None


class Command(BaseCommand):
    help = "Tính thời hạn giải quyết (in một dòng ISO 8601 có múi giờ) theo lịch làm việc hiện hành."

    def add_arguments(self, parser):
        parser.add_argument("--received", required=True, help="Thời điểm tiếp nhận, giờ Việt Nam nếu không ghi múi giờ.")
        parser.add_argument("--amount", required=True, help="Số lượng (0 với same_day).")
        parser.add_argument("--unit", required=True, help="Đơn vị: " + ", ".join(UNITS))
        parser.add_argument("--cutoff", default=None, help="Giờ chốt tiếp nhận HH:MM (tùy chọn).")
        parser.add_argument("--agency", default=None, help="Mã định danh cơ quan (giờ làm việc, lịch của tỉnh).")

    def handle(self, *args, **options):
        received = _parse_received(options["received"])
        if options["unit"] not in UNITS:
            raise CommandError(f"--unit “{options['unit']}” không hợp lệ; chọn một trong: {', '.join(UNITS)}.", returncode=2)
        try:
            amount = Decimal(options["amount"])
        except InvalidOperation:
            raise CommandError(f"--amount “{options['amount']}” không phải là số.", returncode=2) from None
        if amount < 0 or not amount.is_finite():
            raise CommandError("--amount phải là số không âm.", returncode=2)
        if options["unit"] == Unit.SAME_DAY and amount != 0:
            raise CommandError("Với --unit same_day, --amount phải là 0.", returncode=2)
        try:
            due = self._due(options, received, amount)
        except DatabaseError:
            raise CommandError(
                "Cơ sở dữ liệu chưa sẵn sàng (chưa tạo bảng?): chạy `make migrate` rồi thử lại. "
                "(The database is not set up: run `make migrate`.)", returncode=2) from None
        self.stdout.write(due.isoformat())

    def _due(self, options, received, amount) -> datetime:
        agency = None
        if options["agency"]:
            agency = Agency.objects.filter(identifier=options["agency"]).first()
            if agency is None:
                raise CommandError(f"Không có cơ quan có mã định danh “{options['agency']}”.", returncode=2)
        rule = DeadlineRule(amount=amount, unit=options["unit"], cutoff=_parse_cutoff(options["cutoff"]))
        try:
            result = compute_due(rule=rule, received_at=received, agency=agency)
        except ValueError as exc:
            raise CommandError(f"Không tính được thời hạn: {exc}", returncode=2) from None
        return result.due_at
