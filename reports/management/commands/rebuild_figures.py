from django.core.management.base import BaseCommand

from reports import tally


class Command(BaseCommand):
    help = "Recount the statistics summary from the dossiers (after a restore or a direct data fix); --check only compares."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="only report the rows that differ from a recount")

    def handle(self, *args, check=False, **options):
        if check:
            differences = tally.differences()
            for key, stored, expected in differences[:50]:
                self.stdout.write(f"{key}: summary {stored} ≠ recount {expected}")
            self.stdout.write(f"{len(differences)} rows differ")
            if differences:
                raise SystemExit(1)
            return
        run = tally.rebuild()
        self.stdout.write(f"Summary rebuilt: {run.dossiers} dossiers, {run.rows} rows")
