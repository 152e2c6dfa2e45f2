from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ops import backup


class Command(BaseCommand):
    help = ("Back up the database (pg_dump custom format, or the SQLite file) and every object of the private "
            "storage into a new directory, with a SHA-256 manifest (docs/operations.md).")

    def add_arguments(self, parser):
        parser.add_argument("--output", help="a new or empty directory (default: var/backups/<date-time>)")

    def handle(self, *args, output=None, **options):
        directory = Path(output or Path(settings.BASE_DIR) / "var" / "backups" / datetime.now().strftime(
            "%Y%m%d-%H%M%S"))
        try:
            result = backup.create(directory)
        except (backup.BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backup written to {result.directory}: {result.database_file}, {result.objects} objects "
                          f"({result.bytes} bytes); checksums in {backup.MANIFEST} and {backup.SUMS}.")
