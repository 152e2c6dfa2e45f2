"""Time the official forms' rendering (WeasyPrint): python bench/forms.py [--runs 20]

Uses the configured database (DATABASE_URL, else the embedded SQLite): migrates, loads the demo data, files one
dossier at a demo desk, then renders forms 01, 02 and 06 repeatedly and prints mean and p95 per form.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecua.settings.dev")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from accounts.models import User  # noqa: E402
from dossiers import services  # noqa: E402
from dossiers.documents import render_dossier_form  # noqa: E402
from procedures.models import Agency, Procedure  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))
    clerk = User.objects.get(username="motcua.longan")
    officer = User.objects.get(username="chuyenvien.longan")
    desk = Agency.objects.get(identifier="H61.22.10")
    procedure = Procedure.objects.get(national_code="1.004873")
    dossier = services.dossier_create(
        procedure=procedure, receiving_agency=desk, channel=1, actor=clerk,
        applicant=services.ApplicantData(name="Nguyễn Thị Ánh Tuyết", id_number="079123456789", phone="0912345678",
                                         address="Ấp Bình Thạnh, xã Cần Giuộc"),
        provided_required_document_ids=[d.pk for d in procedure.documents.all()])
    dossier = services.dossier_receive(dossier=dossier, actor=clerk)
    dossier = services.dossier_forward(dossier=dossier, actor=clerk, to_agency=desk)
    dossier = services.dossier_request_supplement(dossier=dossier, actor=officer, items=["Ảnh 4x6", "Bản sao CCCD"])
    render_dossier_form("01", dossier)  # warm-up: fonts parsed once per process
    print(f"{'form':<6}{'runs':>6}{'mean ms':>10}{'p95 ms':>10}")
    for number in ("01", "02", "06"):
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            render_dossier_form(number, dossier)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        p95 = times[max(0, round(0.95 * (len(times) - 1)))]
        print(f"{number:<6}{len(times):>6}{statistics.mean(times):>10.0f}{p95:>10.0f}")


if __name__ == "__main__":
    main()
