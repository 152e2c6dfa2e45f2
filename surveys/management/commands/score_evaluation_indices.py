"""Score the automatic evaluation indices of returned dossiers that have none (or of all, with --all)."""

from django.core.management.base import BaseCommand

from dossiers.models import Dossier, State
from surveys.services import indices_compute


class Command(BaseCommand):
    help = "Tính tự động các chỉ số đánh giá cho hồ sơ đã trả kết quả chưa có chỉ số (--all: tính lại tất cả)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Tính lại cả hồ sơ đã có chỉ số.")

    def handle(self, *args, **options):
        dossiers = Dossier.objects.filter(state=State.RETURNED)
        if not options["all"]:
            dossiers = dossiers.filter(evaluation__isnull=True)
        count = 0
        for dossier_id in dossiers.values_list("pk", flat=True).iterator():
            if indices_compute(dossier_id=dossier_id) is not None:
                count += 1
        self.stdout.write(f"{count}")
