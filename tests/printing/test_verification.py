"""The verdict on a PDF (printing.verification, `manage.py verify_result`): valid, or the precise reason it is not
— not a PDF, unreadable, no signature, modified after signing, not trusted, expired, not yet valid."""

import io
import re
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.signers import SimpleSigner

from dossiers import services
from printing.documents import html_to_pdf
from printing.keys import install_certificate
from printing.models import ResultSignature
from printing.signing import Appearance, sign_pdf
from printing.verification import verify_pdf
from tests.builders import PDF_BYTES, T_STEP, at
from tests.printing.conftest import PASSWORD, PASSWORD_SOURCE

pytestmark = pytest.mark.django_db


def signed_result(world) -> bytes:
    dossier = world.proposed()
    with at(T_STEP):
        services.dossier_approve(dossier=dossier, actor=world.user("leader@dept"))
    record = ResultSignature.objects.get(dossier=dossier)
    assert record.is_signed
    with record.attachment.file.open("rb") as handle:
        return handle.read()


def flip_inside_signed_range(data: bytes) -> bytes:
    """One byte changed inside a content stream of the first signed range (/ByteRange [0 a b c])."""
    start, first_end = 0, int(re.search(rb"/ByteRange\s*\[\s*0\s+(\d+)", data).group(1))
    offset = data.index(b"stream\n", start) + len(b"stream\n") + 5
    assert offset < first_end
    changed = bytearray(data)
    changed[offset] ^= 0x20
    return bytes(changed)


def run(tmp_path, data: bytes, name="ket-qua.pdf"):
    path = tmp_path / name
    path.write_bytes(data)
    try:
        call_command("verify_result", str(path))
    except SystemExit as exit_:
        return exit_.code
    return 0


# ---------------------------------------------------------------- valid, and modified
def test_a_signed_result_is_valid_and_names_the_agency_the_signer_and_the_time(world, dept_certificate):
    verdict = verify_pdf(signed_result(world))
    assert verdict.valid and verdict.reason == "valid"
    assert verdict.signer == "Sở Tài chính" and verdict.signer_name == str(world.user("leader@dept"))
    assert verdict.signed_at == T_STEP
    assert verdict.message == (f"Hợp lệ: ký bởi Sở Tài chính (người ký: {world.user('leader@dept')}) lúc "
                               "14:00 10/03/2025, không bị sửa đổi sau khi ký.")


def test_verify_result_exits_0_for_a_valid_file_and_1_when_one_signed_byte_is_flipped(world, dept_certificate,
                                                                                        tmp_path, capsys):
    data = signed_result(world)
    assert run(tmp_path, data) == 0
    assert capsys.readouterr().out.startswith("Hợp lệ: ký bởi Sở Tài chính")

    assert run(tmp_path, flip_inside_signed_range(data), "sua.pdf") == 1
    out = capsys.readouterr().out
    assert "đã bị sửa đổi sau khi ký" in out and "reason=modified" in out


def test_content_added_after_signing_is_a_modification(world, dept_certificate):
    """An incremental update drawing on the page after the signature: the signed bytes are intact, the file is not."""
    data = signed_result(world)
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    page_ref, _resources = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    forged = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (Gia mao) Tj ET"))
    contents = page["/Contents"]
    page["/Contents"] = generic.ArrayObject(
        [*(contents if isinstance(contents, generic.ArrayObject) else [contents]), forged])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    verdict = verify_pdf(out.getvalue())
    assert (verdict.valid, verdict.reason) == (False, "modified")
    assert "thêm vào sau chữ ký số" in verdict.message


def test_verify_result_says_why_a_file_is_not_a_signed_result(tmp_path, capsys):
    assert run(tmp_path, b"MZ\x90\x00 not a pdf") == 1
    assert "không phải tệp PDF" in capsys.readouterr().out
    assert run(tmp_path, PDF_BYTES) == 1
    assert "không có chữ ký số" in capsys.readouterr().out
    assert run(tmp_path, b"%PDF-1.7\n\x00\x01 broken") == 1
    assert "Không đọc được tệp PDF" in capsys.readouterr().out
    with pytest.raises(SystemExit) as missing:
        call_command("verify_result", str(tmp_path / "khong-co.pdf"))
    assert missing.value.code == 2


# ---------------------------------------------------------------- whose certificate, valid when
def test_a_result_signed_with_a_certificate_from_another_ca_is_not_trusted(world, trust, tmp_path, capsys):
    install_certificate(agency=world.dept, data=trust.foreign, password_source=PASSWORD_SOURCE)
    data = signed_result(world)
    verdict = verify_pdf(data)
    assert (verdict.valid, verdict.reason, verdict.signer) == (False, "untrusted", "Sở Tài chính")
    assert "không được tin cậy" in verdict.message
    assert run(tmp_path, data) == 1 and "reason=untrusted" in capsys.readouterr().out


def test_no_trust_root_configured_trusts_nobody(world, dept_certificate, settings):
    data = signed_result(world)
    settings.SIGNING_TRUST_ROOTS = []
    assert verify_pdf(data).reason == "untrusted"  # never the operating system's TLS roots


def _signed_with(p12: bytes, when: datetime) -> bytes:
    signer = SimpleSigner.load_pkcs12_data(p12, other_certs=[], passphrase=PASSWORD.encode())
    with at(when):
        return sign_pdf(html_to_pdf("<p>Kết quả</p>"), signer=signer, reason="", location="",
                        appearance=Appearance("Sở Tài chính", "Lãnh đạo", when, "http://x/"))


def test_a_certificate_expired_since_signing_is_reported_expired(trust):
    data = _signed_with(trust.expired, datetime(2020, 6, 1, tzinfo=UTC))
    with at(datetime(2020, 7, 1, tzinfo=UTC)):
        assert verify_pdf(data).valid  # while the certificate was valid
    verdict = verify_pdf(data)
    assert (verdict.valid, verdict.reason) == (False, "expired")
    assert "đã hết hạn ngày 31/12/2020" in verdict.message


def test_a_certificate_not_valid_yet_is_reported_so(trust):
    verdict = verify_pdf(_signed_with(trust.later, datetime(2039, 6, 1, tzinfo=UTC)))
    assert (verdict.valid, verdict.reason) == (False, "not_yet_valid")
    assert "chưa có hiệu lực (từ ngày 01/01/2039)" in verdict.message
