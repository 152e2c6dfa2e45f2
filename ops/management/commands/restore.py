from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops import backup


class Command(BaseCommand):
    help = ("Restore a backup (manage.py backup) into the configured database and private storage, both empty: "
            "every checksum is verified before, and the storage compared with the manifest after.")

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="the backup's directory")
        parser.add_argument("--verify-only", action="store_true",
                            help="only compare the backup's files, and the current storage, with its manifest")

    def handle(self, *args, input, verify_only=False, **options):
        directory = Path(input)
        try:
            if verify_only:
                manifest = backup.verify_files(directory)
                problems = backup.compare_storage(manifest)
                for problem in problems[:50]:
                    self.stdout.write(problem)
                self.stdout.write(f"{len(problems)} differences between the storage and the backup")
                if problems:
                    raise SystemExit(1)
                return
            result = backup.restore(directory)
        except (backup.BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored {result.database_file} and {result.objects} objects ({result.bytes} bytes) "
                          "from {}; checksums verified.".format(result.directory))
        self.stdout.write("Next: manage.py rebuild_figures --check (the statistics against the dossiers).")
