"""Time the signing of electronic results (PAdES with pyHanko): python bench/signing.py [--runs 50] [--smoke]

A throw-away database (the test database of DATABASE_URL's, else an in-memory SQLite) gets the demo data: the demo
CA and one certificate per agency (load_demo). Three measures, in milliseconds (median, p95, max):

* sign_pdf: one officer's result PDF (two pages) signed with the visible box (the box rendered by WeasyPrint, then
  pyHanko): the signing time per result PDF, target ≤ 300 ms; also its CPU time (what a busy machine does not
  inflate);
* approval, officer's PDF: the whole signing step of a leader's approval (printing.results.sign_result: the
  certificate looked up, the key, the signature, the signed attachment stored), and the whole approval action;
* approval, rendered decision: the same when the officer attached nothing (the decision rendered, then signed).

Every signed PDF is verified afterwards (printing.verification.verify_pdf against the demo CA): any that does not
verify as valid makes the exit status 1.
--smoke: three signatures and two approvals of each kind (CI).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecua.settings.test")

TARGET_MS = 300


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="signatures of one PDF (approvals: runs // 2)")
    parser.add_argument("--smoke", action="store_true", help="three signatures, two approvals of each kind (CI)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.runs = 3

    import django

    django.setup()
    from django.test.utils import setup_databases, teardown_databases

    old = setup_databases(verbosity=0, interactive=False)
    try:
        return run(args)
    finally:
        teardown_databases(old, verbosity=0)


def figures(label: str, times: list[float]) -> str:
    times = sorted(times)
    p95 = times[max(0, round(0.95 * (len(times) - 1)))]
    return f"{label:<44}{len(times):>6}{statistics.median(times):>10.0f}{p95:>10.0f}{times[-1]:>10.0f}"


def run(args) -> int:
    from django.conf import settings
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from accounts.models import User
    from demo.data import DEMO_CA_CERTIFICATE
    from dossiers import services
    from printing import keys, results
    from printing.documents import font_context, html_to_pdf
    from printing.signing import Appearance, sign_pdf
    from printing.verification import verify_pdf
    from procedures.models import Agency, Procedure

    call_command("load_demo", stdout=open(os.devnull, "w"))
    settings.SIGNING_TRUST_ROOTS = [str(Path(default_storage.path(DEMO_CA_CERTIFICATE)).parent)]
    desk = Agency.objects.get(identifier="H61.22.10")
    clerk, officer, leader = (User.objects.get(username=name)
                              for name in ("motcua.longan", "chuyenvien.longan", "lanhdao.longan"))
    procedure = Procedure.objects.get(national_code="1.004873")
    paragraph = "<p>Căn cứ hồ sơ đề nghị và kết quả thẩm định, cơ quan giải quyết thủ tục hành chính như sau. </p>" * 30
    officer_pdf = html_to_pdf(f"<html><head><style>{font_context()['font_css']}</style></head><body style="
                              f"'font-family: \"Liberation Serif\"'><h1>Quyết định</h1>{paragraph}</body></html>")
    signer = keys.signer_for(keys.valid_certificate_of(desk.pk))
    problems, signed = [], []

    sign_pdf(officer_pdf, signer=signer, reason="", location="",  # warm-up: fonts parsed once per process
             appearance=Appearance(desk.name, str(leader), _now(), "http://127.0.0.1:8000/xac-thuc/"))
    sign_times, sign_cpu = [], []
    for i in range(args.runs):
        start, cpu = time.perf_counter(), time.process_time()
        data = sign_pdf(officer_pdf, signer=signer, reason="Phê duyệt", location="Tây Ninh",
                        appearance=Appearance(desk.name, str(leader), _now(), f"http://127.0.0.1:8000/xac-thuc/{i}/"))
        sign_times.append((time.perf_counter() - start) * 1000)
        sign_cpu.append((time.process_time() - cpu) * 1000)
        signed.append(("sign_pdf", data))

    step_times: dict[bool, list[float]] = {True: [], False: []}
    action_times: dict[bool, list[float]] = {True: [], False: []}
    real_sign_result = results.sign_result

    def timed_sign_result(dossier, event):
        start = time.perf_counter()
        try:
            return real_sign_result(dossier, event)
        finally:
            step_times[current["with_file"]].append((time.perf_counter() - start) * 1000)

    current = {"with_file": True}
    results.sign_result = timed_sign_result
    try:
        approvals = 2 if args.smoke else max(2, args.runs // 2)
        for with_file in (True, False):
            current["with_file"] = with_file
            for _ in range(approvals):
                dossier = _processing(services, procedure, desk, clerk)
                dossier = services.dossier_propose(
                    dossier=dossier, actor=officer, outcome="approved", note="Đủ điều kiện cấp bản sao.",
                    result_file=SimpleUploadedFile("ket-qua.pdf", officer_pdf) if with_file else None)
                start = time.perf_counter()
                dossier = services.dossier_approve(dossier=dossier, actor=leader)
                action_times[with_file].append((time.perf_counter() - start) * 1000)
                record = dossier.result_signatures.get()
                if not record.is_signed:
                    problems.append(f"{dossier.code}: not signed ({record.reason})")
                    continue
                with record.attachment.file.open("rb") as handle:
                    signed.append((dossier.code, handle.read()))
    finally:
        results.sign_result = real_sign_result

    print(f"{'measure':<44}{'n':>6}{'median':>10}{'p95':>10}{'max':>10}   (ms)")
    print(figures("sign_pdf (officer's 2-page PDF)", sign_times))
    print(figures("sign_pdf, CPU time of this process", sign_cpu))
    print(figures("approval: signing step, officer's PDF", step_times[True]))
    print(figures("approval: whole action, officer's PDF", action_times[True]))
    print(figures("approval: signing step, rendered decision", step_times[False]))
    print(figures("approval: whole action, rendered decision", action_times[False]))
    for label, data in signed:
        verdict = verify_pdf(data)
        if not verdict.valid:
            problems.append(f"{label}: {verdict.reason} – {verdict.message}")
    for problem in problems:
        print(f"MISMATCH {problem}", file=sys.stderr)
    median = statistics.median(sign_times)
    print(f"target: signing per result PDF ≤ {TARGET_MS} ms — median {median:.0f} ms: "
          + ("met" if median <= TARGET_MS else "NOT MET"))
    print(f"recount: {len(signed)} signed PDFs verified, {len(problems)} problems"
          + (" (every one valid)" if not problems else ""))
    return 1 if problems else 0


def _now():
    from django.utils import timezone

    return timezone.now()


def _processing(services, procedure, desk, clerk):
    dossier = services.dossier_create(
        procedure=procedure, receiving_agency=desk, channel=1, actor=clerk,
        applicant=services.ApplicantData(name="Nguyễn Thị Ánh Tuyết", id_number="079123456789", phone="0912345678"),
        provided_required_document_ids=[d.pk for d in procedure.documents.all()])
    dossier = services.dossier_receive(dossier=dossier, actor=clerk)
    return services.dossier_forward(dossier=dossier, actor=clerk, to_agency=desk)


if __name__ == "__main__":
    sys.exit(main())
