"""python manage.py export_procedures [--format csv|json] [--output FILE]: write the procedure catalog."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from procedures.catalog_io import (
    CSV,
    JSON,
    CatalogFileError,
    catalog_export_rows,
    catalog_format,
    catalog_render,
)


class Command(BaseCommand):
    help = (
        "Xuất danh mục thủ tục hành chính ra CSV hoặc JSON (cùng mẫu với import_procedures), "
        "ra tệp hoặc ra màn hình khi không có --output."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--format", dest="fmt", help="csv hoặc json (mặc định theo đuôi tệp --output, hoặc json)."
        )
        parser.add_argument("--output", "-o", help="Tệp để ghi; không có thì in ra màn hình.")

    def handle(self, *args, fmt, output, **options):
        try:
            fmt = catalog_format(path=output, fmt=fmt) if (fmt or output) else JSON
        except CatalogFileError as e:
            raise CommandError(str(e), returncode=2) from None
        rows = catalog_export_rows()
        text = catalog_render(rows=rows, fmt=fmt)
        if not output:
            self.stdout.write(text, ending="")
            return
        # A BOM so that Excel opens the CSV's Vietnamese text as UTF-8; import_procedures accepts it.
        encoding = "utf-8-sig" if fmt == CSV else "utf-8"
        try:
            Path(output).write_text(text, encoding=encoding, newline="")
        except OSError as e:
            raise CommandError(
                _("Không ghi được tệp “%(path)s”: %(reason)s.") % {"path": output, "reason": e.strerror or e},
                returncode=2,
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Đã xuất %(count)s thủ tục ra tệp “%(path)s”.") % {"count": len(rows), "path": output}
            )
        )
