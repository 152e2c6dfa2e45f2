"""Time the official forms' rendering (WeasyPrint): python bench/forms.py [--runs 20] [--smoke]

A throw-away database (the test database of DATABASE_URL's, else an in-memory SQLite) gets the demo data and one
dossier at a demo desk; forms 01, 02 and 06 are rendered repeatedly and mean, p95 and size are printed per form.
Each PDF is read back as text: it must name the dossier's code and the form's title (01 and 02: the applicant
too), else exit 1.
--smoke: two runs per form (CI).
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecua.settings.test")

APPLICANT = "Nguyễn Thị Ánh Tuyết"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--smoke", action="store_true", help="two runs per form and the read-back (CI)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.runs = 2

    import django

    django.setup()
    from django.test.utils import setup_databases, teardown_databases

    old = setup_databases(verbosity=0, interactive=False)
    try:
        return run(args)
    finally:
        teardown_databases(old, verbosity=0)


def run(args) -> int:
    from django.core.management import call_command
    from pypdf import PdfReader

    from accounts.models import User
    from dossiers import services
    from dossiers.form_numbers import FORM_TITLES
    from printing.documents import render_dossier_form
    from procedures.models import Agency, Procedure

    call_command("load_demo", stdout=open(os.devnull, "w"))
    clerk = User.objects.get(username="motcua.longan")
    officer = User.objects.get(username="chuyenvien.longan")
    desk = Agency.objects.get(identifier="H61.22.10")
    procedure = Procedure.objects.get(national_code="1.004873")
    dossier = services.dossier_create(
        procedure=procedure, receiving_agency=desk, channel=1, actor=clerk,
        applicant=services.ApplicantData(name=APPLICANT, id_number="079123456789", phone="0912345678",
                                         address="Ấp Bình Thạnh, xã Cần Giuộc"),
        provided_required_document_ids=[d.pk for d in procedure.documents.all()])
    dossier = services.dossier_receive(dossier=dossier, actor=clerk)
    dossier = services.dossier_forward(dossier=dossier, actor=clerk, to_agency=desk)
    dossier = services.dossier_request_supplement(dossier=dossier, actor=officer, items=["Ảnh 4x6", "Bản sao CCCD"])
    render_dossier_form("01", dossier)  # warm-up: fonts parsed once per process
    problems = []
    print(f"{'form':<6}{'runs':>6}{'mean ms':>10}{'p95 ms':>10}{'KB':>8}")
    for number in ("01", "02", "06"):
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            rendered = render_dossier_form(number, dossier)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        p95 = times[max(0, round(0.95 * (len(times) - 1)))]
        print(f"{number:<6}{len(times):>6}{statistics.mean(times):>10.0f}{p95:>10.0f}"
              f"{len(rendered.pdf) / 1024:>8.0f}")
        text = " ".join(" ".join((page.extract_text() or "").split())
                        for page in PdfReader(io.BytesIO(rendered.pdf)).pages)
        named = (dossier.code, FORM_TITLES[number]) + ((APPLICANT,) if number != "06" else ())  # 06: no applicant
        for expected in named:
            if expected.casefold() not in text.casefold():
                problems.append(f"form {number} does not read back “{expected}”")
    for problem in problems:
        print(f"MISMATCH {problem}", file=sys.stderr)
    print("read-back: " + ("every form names the dossier and its title" if not problems
                           else f"{len(problems)} problems"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
