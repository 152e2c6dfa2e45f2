"""`manage.py verify_result FILE`: the verification page's verdict on a PDF, on stdout; exit status 0 only for a
valid signed result (1 when it is not, 2 when the file cannot be read)."""

from django.core.management.base import BaseCommand

from printing.verification import verify_pdf


class Command(BaseCommand):
    help = "Kiểm tra chữ ký số của một tệp kết quả PDF (exit 0 chỉ khi hợp lệ)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="đường dẫn tệp PDF")

    def handle(self, *args, file, **options):
        try:
            with open(file, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            self.stderr.write(f"Không đọc được tệp {file}: {exc.strerror}")
            raise SystemExit(2) from None
        verdict = verify_pdf(data)
        self.stdout.write(verdict.message)
        if verdict.signer:
            self.stdout.write(f"  reason={verdict.reason} signer={verdict.signer!r} name={verdict.signer_name!r}")
        else:
            self.stdout.write(f"  reason={verdict.reason}")
        if not verdict.valid:
            raise SystemExit(1)
