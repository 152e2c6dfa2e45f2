"""python manage.py import_procedures FILE [--format csv|json] [--dry-run]: load the procedure catalog."""

from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.utils.translation import gettext as _
from tqdm import tqdm

from procedures.catalog_io import CSV, CatalogFileError, catalog_format, read_catalog_file, row_label
from procedures.services import catalog_import


class _BarOutput:
    """Lets tqdm draw on the command's stderr as is: no added newline, no error colour."""

    def __init__(self, wrapper: OutputWrapper):
        self._wrapper = wrapper

    def write(self, text: str) -> None:
        self._wrapper.write(text, style_func=str, ending="")

    def flush(self) -> None:
        self._wrapper.flush()

    def isatty(self) -> bool:
        return self._wrapper.isatty()


class Command(BaseCommand):
    help = (
        "Nhập danh mục thủ tục hành chính từ tệp CSV hoặc JSON. Chạy lại chỉ cập nhật theo mã thủ tục, không tạo "
        "trùng; dòng lỗi được liệt kê kèm số dòng và lý do, các dòng hợp lệ vẫn được nhập."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Tệp .csv hoặc .json.")
        parser.add_argument("--format", dest="fmt", help="csv hoặc json (mặc định theo đuôi tệp).")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra, không lưu gì.")

    def handle(self, *args, file, fmt, dry_run, **options):
        try:
            fmt = catalog_format(path=file, fmt=fmt)
            rows = read_catalog_file(file, fmt=fmt)
        except CatalogFileError as e:
            raise CommandError(str(e), returncode=2) from None

        # disable=None: no bar when stderr is not a terminal (cron, CI, tests); delay: none for a quick file.
        with tqdm(
            total=len(rows), file=_BarOutput(self.stderr), disable=None, delay=1, unit=" thủ tục"
        ) as bar:
            report = catalog_import(rows=rows, progress=bar.update, dry_run=dry_run)

        label = row_label(fmt)
        for line, message in report.rejected:
            self.stderr.write(f"{label} {line}: {message}")
        counts = {
            "created": report.created,
            "updated": report.updated,
            "rejected": len(report.rejected),
            "unit": _("dòng") if fmt == CSV else _("mục"),
        }
        if dry_run:
            summary = _(
                "Chạy thử, không lưu gì: sẽ tạo mới %(created)s, cập nhật %(updated)s, từ chối %(rejected)s %(unit)s."
            )
        else:
            summary = _("Đã nhập: tạo mới %(created)s, cập nhật %(updated)s, từ chối %(rejected)s %(unit)s.")
        style = self.style.WARNING if report.rejected else self.style.SUCCESS
        self.stdout.write(style(summary % counts))
