"""manage.py dvcqg_pull_catalog [--since DD/MM/YYYY] [--dry-run]: update the catalog from the national portal."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.utils.translation import gettext as _
from tqdm import tqdm

from integrations.catalog import PullReport, fetch_details, import_details, list_wanted
from integrations.dvcqg.transport import TransportError, get_transport


class _BarOutput:
    """tqdm draws on the command's stderr as it is (no added newline, no colour)."""

    def __init__(self, wrapper: OutputWrapper):
        self._wrapper = wrapper

    def write(self, text: str) -> None:
        self._wrapper.write(text, style_func=str, ending="")

    def flush(self) -> None:
        self._wrapper.flush()

    def isatty(self) -> bool:
        return self._wrapper.isatty()


def _date(text: str):
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CommandError(_("Ngày “%(text)s” không hợp lệ: viết dạng dd/mm/yyyy.") % {"text": text}, returncode=2)


class Command(BaseCommand):
    help = _(
        "Cập nhật danh mục thủ tục hành chính từ Cổng Dịch vụ công quốc gia (LayDanhSachTTHC, LayThuTuc). Chạy lại "
        "chỉ cập nhật theo mã thủ tục, không tạo trùng; thủ tục bị từ chối được liệt kê kèm lý do."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", help=_("Chỉ lấy thủ tục Cổng ghi nhận thay đổi từ ngày này (dd/mm/yyyy)."))
        parser.add_argument("--dry-run", action="store_true", help=_("Chỉ kiểm tra, không lưu gì."))

    def handle(self, *args, since=None, dry_run=False, **options):
        since = _date(since) if since else None
        transport = get_transport()
        report = PullReport()
        try:
            codes = list_wanted(transport, since=since, report=report)
        except TransportError as exc:
            raise CommandError(_("Không lấy được danh sách thủ tục: %(error)s") % {"error": exc}, returncode=2) from None
        bar_out = _BarOutput(self.stderr)
        with tqdm(total=len(codes), file=bar_out, disable=None, delay=1, unit=" thủ tục",
                  desc=_("Tải từ Cổng")) as bar:
            items = fetch_details(transport, codes, report=report, progress=bar.update)
        with tqdm(total=len(items), file=bar_out, disable=None, delay=1, unit=" thủ tục", desc=_("Nhập")) as bar:
            import_details(items, report=report, dry_run=dry_run, progress=bar.update)
        for code, reason in report.rejected:
            self.stderr.write(_("Thủ tục %(code)s: %(reason)s") % {"code": code, "reason": reason})
        counts = {"listed": report.listed, "skipped": report.not_changed, "created": report.created,
                  "updated": report.updated, "rejected": len(report.rejected)}
        listed = (_("Cổng có %(listed)s thủ tục, %(skipped)s không đổi từ ngày đã chọn") if since
                  else _("Cổng có %(listed)s thủ tục")) % counts
        if dry_run:
            summary = _("Chạy thử, không lưu gì: %(listed)s; sẽ tạo mới %(created)s, cập nhật %(updated)s, từ chối "
                        "%(rejected)s.")
        else:
            summary = _("Đã cập nhật từ Cổng: %(listed)s; tạo mới %(created)s, cập nhật %(updated)s, từ chối "
                        "%(rejected)s.")
        counts["listed"] = listed
        style = self.style.WARNING if report.rejected else self.style.SUCCESS
        self.stdout.write(style(summary % counts))
