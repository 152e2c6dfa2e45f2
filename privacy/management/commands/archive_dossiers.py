"""Archive closed dossiers: python manage.py archive_dossiers [--before 31/12/2020] [--dry-run]

Each dossier closed (returned, refused, withdrawn, stopped) before the date and not archived yet is exported to a
ZIP package under ARCHIVE_ROOT, then its personal data is removed from the live database (privacy.services.
dossier_archive). Running it again archives nothing more.
"""

from datetime import date, datetime, time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from privacy.packages import PackageError
from privacy.selectors import dossiers_due_for_archive
from privacy.services import archive_root, dossier_archive
from procedures.formatting import DATE_INPUT_FORMATS
from procedures.worktime import TZ


def parse_date(text: str) -> date:
    for fmt in DATE_INPUT_FORMATS:  # dd/mm/yyyy, ISO
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise CommandError(f"--before “{text}” không hợp lệ: dùng dạng dd/mm/yyyy hoặc YYYY-MM-DD.", returncode=2)


def default_before(today: date) -> date:
    """Today minus ONECUA["RETENTION_YEARS"] years (29 February → 28 February)."""
    years = settings.ONECUA["RETENTION_YEARS"]
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


class Command(BaseCommand):
    help = ("Lưu trữ hồ sơ đã kết thúc trước một ngày (mặc định: hôm nay trừ RETENTION_YEARS năm): ghi gói ZIP "
            "vào ARCHIVE_ROOT rồi xóa dữ liệu cá nhân khỏi cơ sở dữ liệu đang dùng. Số liệu thống kê giữ nguyên.")

    def add_arguments(self, parser):
        parser.add_argument("--before", default=None,
                            help="Lưu trữ hồ sơ kết thúc trước ngày này (dd/mm/yyyy hoặc YYYY-MM-DD).")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ in danh sách, không thay đổi gì.")

    def handle(self, *args, **options):
        day = parse_date(options["before"]) if options["before"] else default_before(timezone.localdate())
        before = datetime.combine(day, time(0, 0), tzinfo=TZ)
        dry_run = options["dry_run"]
        candidates = list(dossiers_due_for_archive(before=before).only(
            "pk", "code", "state", "returned_at", "finished_at"))
        self.stdout.write(f"Hồ sơ kết thúc trước ngày {day:%d/%m/%Y}, chưa lưu trữ: {len(candidates)}.")
        if dry_run:
            for d in candidates:
                self.stdout.write(f"  sẽ lưu trữ {d.code} ({d.get_state_display()}, kết thúc "
                                  f"{timezone.localtime(d.closed_at):%d/%m/%Y})")
            self.stdout.write("Chạy thử (--dry-run): không thay đổi gì.")
            return
        archived, failed = 0, []
        for d in candidates:
            try:
                mark = dossier_archive(actor=None, dossier=d, before=before)
            except PackageError as exc:
                failed.append(d.code)
                self.stderr.write(f"  không lưu trữ được {d.code}: {exc}")
                continue
            if mark is None:
                continue
            archived += 1
            self.stdout.write(f"  đã lưu trữ {d.code} ({d.get_state_display()}, kết thúc "
                              f"{timezone.localtime(mark.closed_at):%d/%m/%Y}) → {archive_root() / mark.package} "
                              f"({mark.file_count} tệp, SHA-256 {mark.package_sha256})")
        self.stdout.write(f"Đã lưu trữ {archived} hồ sơ.")
        if failed:
            raise CommandError(f"{len(failed)} hồ sơ chưa lưu trữ được (dữ liệu của chúng giữ nguyên): "
                               f"{', '.join(failed)}.", returncode=1)
