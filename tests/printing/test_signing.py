"""The leader's approval signs the result (PAdES, the competent agency's certificate), read back with pyHanko;
without a valid certificate or key the approval still goes through, with no electronic result."""

import io
import logging

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from core.links import absolute_url
from dossiers import services
from dossiers.models import Attachment, AttachmentPurpose
from printing import signing
from printing.keys import install_certificate
from printing.models import NotSignedReason, ResultSignature, SigningOutcome
from tests.builders import T_STEP, at, fresh, upload
from tests.printing.conftest import PASSWORD_SOURCE

pytestmark = pytest.mark.django_db


def approve(world, dossier):
    with at(T_STEP):
        return services.dossier_approve(dossier=dossier, actor=world.user("leader@dept"))


def officer_pdf() -> bytes:
    from printing.documents import font_context, html_to_pdf

    return html_to_pdf(f"<html><head><style>{font_context()['font_css']}</style></head>"
                       "<body style='font-family: \"Liberation Serif\"'><h1>Quyết định cấp bản sao</h1>"
                       "<p>Nội dung do chuyên viên soạn.</p></body></html>")


def proposed_with_file(world, pdf: bytes):
    dossier = world.processing()
    with at(T_STEP):
        return services.dossier_propose(dossier=dossier, actor=world.user("officer@dept"), outcome="approved",
                                        note="Đủ điều kiện", result_file=upload("ket-qua.pdf", pdf))


def stored_bytes(attachment: Attachment) -> bytes:
    with attachment.file.open("rb") as handle:
        return handle.read()


def pyhanko_status(data: bytes, ca):
    """What pyHanko itself says of the file, with the test CA as the only root."""
    signature = PdfFileReader(io.BytesIO(data)).embedded_signatures[-1]
    root = asn1_x509.Certificate.load(ca.certificate.public_bytes(Encoding.DER))
    return signature, validate_pdf_signature(signature, ValidationContext(trust_roots=[root]))


def text_of(data: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(data)).pages).split())


# ---------------------------------------------------------------- signed on approval
def test_the_approval_signs_the_officers_result_pdf_with_the_competent_agencys_certificate(world, dept_certificate,
                                                                                          trust):
    original = officer_pdf()
    dossier = approve(world, proposed_with_file(world, original))

    record = ResultSignature.objects.get(dossier=dossier)
    assert record.outcome == SigningOutcome.SIGNED and record.certificate == dept_certificate
    assert record.agency == world.dept == fresh(dossier).competent_agency
    signed = record.attachment
    assert signed.purpose == AttachmentPurpose.RESULT and signed.signed_at == T_STEP
    assert signed.event.action == "approve" and signed.uploaded_by == world.user("leader@dept")
    assert signed.original_name == f"ket-qua-{dossier.code}.pdf" and signed.content_type == "application/pdf"
    assert record.source is not None and record.source.signed_at is None  # the officer's file is kept unsigned
    assert fresh(dossier).result_is_electronic is True

    data = stored_bytes(signed)
    assert data.startswith(original)  # an incremental update: the officer's bytes are signed as they were
    embedded, status = pyhanko_status(data, trust.ca)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.signing_cert.subject.native["common_name"] == "Sở Tài chính"
    assert str(embedded.sig_object["/Name"]) == str(world.user("leader@dept"))
    assert status.signer_reported_dt == T_STEP
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES


def test_without_a_result_file_the_decision_is_rendered_from_the_proposal_and_signed(world, dept_certificate, trust):
    dossier = approve(world, world.proposed())
    record = ResultSignature.objects.get(dossier=dossier)
    assert record.is_signed and record.source is None
    data = stored_bytes(record.attachment)
    _embedded, status = pyhanko_status(data, trust.ca)
    assert status.bottom_line
    text = text_of(data)
    for expected in ("THÔNG BÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", "Trần Văn Nộp", dossier.code,
                     world.procedure.name, "được giải quyết", "Đủ điều kiện giải quyết", "Sở Tài chính",
                     str(world.user("leader@dept"))):
        assert expected in text, expected
    # The visible signature names the agency, the signer and the time (its text is in the field's appearance).
    assert "VĂN BẢN ĐÃ ĐƯỢC KÝ SỐ" in text_of(signing.render_box(signing.Appearance(
        "Sở Tài chính", "Cán bộ leader@dept", T_STEP, "http://x/")))


def test_the_qr_code_and_the_link_of_the_signature_open_the_verification_page(world, dept_certificate, monkeypatch,
                                                                               client):
    seen = []
    real = signing.render_box
    monkeypatch.setattr(signing, "render_box", lambda appearance: seen.append(appearance) or real(appearance))
    dossier = approve(world, world.proposed())
    record = ResultSignature.objects.get(dossier=dossier)
    url = absolute_url(reverse("printing:verify_stored", args=[record.key]))
    assert [a.url for a in seen] == [url]  # the QR code drawn in the box encodes this address
    assert seen[0].agency_name == "Sở Tài chính" and seen[0].signer_name == str(world.user("leader@dept"))
    assert seen[0].when == T_STEP

    page = PdfReader(io.BytesIO(stored_bytes(record.attachment))).pages[-1]
    links = [a.get_object()["/A"]["/URI"] for a in page["/Annots"] if a.get_object()["/Subtype"] == "/Link"]
    assert links == [url]
    response = client.get(url.removeprefix(absolute_url("")))
    assert response.status_code == 200 and 'data-reason="valid"' in response.content.decode()


def test_the_signed_box_sits_in_the_last_pages_bottom_right_corner(world, dept_certificate):
    record = ResultSignature.objects.get(dossier=approve(world, world.proposed()))
    page = PdfReader(io.BytesIO(stored_bytes(record.attachment))).pages[-1]
    widget = next(a.get_object() for a in page["/Annots"] if a.get_object()["/Subtype"] == "/Widget")
    left, bottom, right, top = (float(v) for v in widget["/Rect"])
    width = float(page.mediabox.width)
    assert right == pytest.approx(width - signing.BOX_RIGHT_MM * signing.MM, abs=0.1)
    assert bottom == pytest.approx(signing.BOX_BOTTOM_MM * signing.MM, abs=0.1)
    assert (right - left, top - bottom) == (pytest.approx(signing.BOX_WIDTH_MM * signing.MM, abs=0.1),
                                            pytest.approx(signing.BOX_HEIGHT_MM * signing.MM, abs=0.1))


# ---------------------------------------------------------------- no electronic result, the approval goes on
def test_without_a_certificate_the_approval_succeeds_with_no_electronic_result(world, caplog):
    caplog.set_level(logging.WARNING, logger="printing.results")
    dossier = approve(world, world.proposed())
    assert fresh(dossier).state == "resolved" and fresh(dossier).result_is_electronic is False
    assert not Attachment.objects.filter(dossier=dossier, signed_at__isnull=False).exists()
    record = ResultSignature.objects.get(dossier=dossier)
    assert (record.outcome, record.reason, record.attachment) == (SigningOutcome.NOT_SIGNED,
                                                                  NotSignedReason.NO_CERTIFICATE, None)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "no valid signing certificate" in logged
    for personal in ("Trần Văn Nộp", "0912000111", "079203001234", dossier.code):
        assert personal not in logged


def test_an_expired_or_inactive_certificate_signs_nothing(world, trust):
    install_certificate(agency=world.dept, data=trust.expired, password_source=PASSWORD_SOURCE, check=False)
    install_certificate(agency=world.dept, data=trust.dept, password_source=PASSWORD_SOURCE, active=False)
    install_certificate(agency=world.desk, data=trust.dept, password_source=PASSWORD_SOURCE)  # another agency's
    dossier = approve(world, world.proposed())
    assert ResultSignature.objects.get(dossier=dossier).reason == NotSignedReason.NO_CERTIFICATE
    assert fresh(dossier).result_is_electronic is False


def test_a_key_whose_password_is_gone_signs_nothing_and_the_approval_succeeds(world, dept_certificate, settings):
    settings.SIGNING_KEY_PASSWORDS = {PASSWORD_SOURCE: "mat-khau-da-doi"}
    dossier = approve(world, world.proposed())
    assert fresh(dossier).state == "resolved" and fresh(dossier).result_is_electronic is False
    assert ResultSignature.objects.get(dossier=dossier).reason == NotSignedReason.KEY_UNAVAILABLE


def test_a_pdf_that_cannot_be_signed_leaves_the_approval_alone(world, dept_certificate, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("unsignable")

    monkeypatch.setattr("printing.results.sign_pdf", broken)
    dossier = approve(world, world.proposed())
    assert fresh(dossier).state == "resolved"
    assert ResultSignature.objects.get(dossier=dossier).reason == NotSignedReason.ERROR


def test_declining_signs_nothing(world, dept_certificate):
    dossier = world.proposed(outcome="declined")
    with at(T_STEP):
        services.dossier_decline(dossier=dossier, actor=world.user("leader@dept"), reason="Không đủ điều kiện")
    assert not ResultSignature.objects.exists()


def test_the_room_reserved_for_a_signature_is_learnt_and_a_too_small_one_is_redone(trust):
    from pyhanko.sign.signers import SimpleSigner

    from printing.documents import html_to_pdf
    from printing.verification import verify_pdf
    from tests.printing.conftest import PASSWORD

    signer = SimpleSigner.load_pkcs12_data(trust.dept, other_certs=[], passphrase=PASSWORD.encode())
    fingerprint = signer.signing_cert.sha256
    signing._RESERVED.pop(fingerprint, None)
    appearance = signing.Appearance("Sở Tài chính", "Lãnh đạo", T_STEP, "http://x/")
    pdf = html_to_pdf("<p>Kết quả</p>")
    with at(T_STEP):
        first = signing.sign_pdf(pdf, signer=signer, appearance=appearance, reason="", location="")
        learnt = signing._RESERVED[fingerprint]
        assert 1000 < learnt < 20000
        signing._RESERVED[fingerprint] = 64  # far too small: signed again with pyHanko's own estimate
        second = signing.sign_pdf(pdf, signer=signer, appearance=appearance, reason="", location="")
    assert abs(signing._RESERVED[fingerprint] - learnt) <= 32  # learnt again (ECDSA signatures vary by a byte or two)
    assert verify_pdf(first).valid and verify_pdf(second).valid
