"""Dossiers the portal sends us (a business's dossier submitted on the national portal, the promotional-notice
"TTKM" flow): checked, then entered through the online submission (dossiers.services.dossier_submit_online),
so they follow the same lifecycle as any online dossier; linked to the portal's code in the same transaction;
a second delivery of the same code is answered "already exists" and changes nothing.

Answers, as the portal expects: {error_code: 0} accepted, 1 duplicate, -1 refused (with the reason).
"""

import base64
import binascii
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError

from core.errors import DossierError
from dossiers.attachments import Upload
from dossiers.models import Dossier
from dossiers.services import ApplicantData, dossier_submit_online
from integrations.dvcqg import config
from integrations.models import InboundDossier
from integrations.outbox import Inbound, inbound_submission, national_code_for
from procedures.models import Agency, Procedure

log = logging.getLogger(__name__)

REQUIRED = ("MaHoSo", "MaTTHC", "MaSoThue", "TenThuongNhan")
ACCEPTED, DUPLICATE, REFUSED = 0, 1, -1


@dataclass
class InboundAnswer:
    error_code: int
    message: str
    dossier: Dossier | None = None

    def as_json(self) -> dict:
        reply = {"error_code": self.error_code, "message": self.message}
        if self.dossier is not None:
            reply["MaHoSoDonVi"] = self.dossier.code
        return reply


def _text(data: dict, key: str, limit: int = 255) -> str:
    value = data.get(key)
    return "" if value is None or isinstance(value, dict | list) else str(value).strip()[:limit]


def _address(data: dict) -> str:
    address = data.get("DiaChiDoanhNghiep")
    if isinstance(address, dict):
        parts = [_text(address, key) for key in ("DiaChiChiTiet", "MaXa", "MaHuyen", "MaTinh")]
        return ", ".join(p for p in parts if p)[:500]
    return _text(data, "DiaChiDoanhNghiep", 500)


def _uploads(data: dict) -> list[Upload]:
    """The application form (TepDonDangKy) and the attached documents (TaiLieuNop), decoded from base64."""
    files = []
    if data.get("TepDonDangKy"):
        files.append((_text(data, "TenTepDonDangKy") or "don-dang-ky.pdf", data["TepDonDangKy"]))
    attached = data.get("TaiLieuNop") or []
    if not isinstance(attached, list):
        raise ValueError("TaiLieuNop phải là danh sách")
    for number, item in enumerate(attached, 1):
        if not isinstance(item, dict) or not item.get("Base64"):
            raise ValueError(f"TaiLieuNop[{number}] thiếu Base64")
        files.append((_text(item, "TenTepDinhKem") or f"tai-lieu-{number}.pdf", item["Base64"]))
    uploads = []
    for name, encoded in files:
        try:
            content = base64.b64decode(str(encoded), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"Tệp “{name}” không giải mã được (base64)") from None
        uploads.append(Upload(SimpleUploadedFile(name, content)))
    return uploads


def _desk(procedure: Procedure) -> Agency | None:
    identifier = str(config.option("INBOUND_DESK") or "").strip()
    if identifier:
        return Agency.objects.filter(identifier=identifier, is_one_stop_desk=True).first()
    return procedure.agencies.filter(is_one_stop_desk=True, valid_to__isnull=True).order_by("identifier").first()


def receive_inbound(data) -> InboundAnswer:
    """Enter a dossier the portal sent; never raises for bad input."""
    if not isinstance(data, dict):
        return InboundAnswer(REFUSED, "Nội dung phải là một đối tượng JSON")
    missing = [key for key in REQUIRED if not _text(data, key)]
    if missing:
        return InboundAnswer(REFUSED, f"Thiếu trường bắt buộc: {', '.join(missing)}")
    code = _text(data, "MaHoSo", 60)
    existing = InboundDossier.objects.filter(national_code=code).select_related("dossier").first()
    if existing is not None:
        return InboundAnswer(DUPLICATE, f"Hồ sơ {code} đã tồn tại", existing.dossier)
    procedure = Procedure.objects.filter(national_code=_text(data, "MaTTHC", 60), is_active=True).first()
    if procedure is None:
        return InboundAnswer(REFUSED, f"Không có thủ tục {_text(data, 'MaTTHC')} đang áp dụng")
    desk = _desk(procedure)
    if desk is None:
        return InboundAnswer(REFUSED, f"Chưa có Bộ phận Một cửa tiếp nhận thủ tục {procedure.national_code}")
    email = _text(data, "Email", 254)
    try:
        validate_email(email) if email else None
    except ValidationError:
        email = ""
    try:
        uploads = _uploads(data)
    except ValueError as exc:
        return InboundAnswer(REFUSED, str(exc))
    applicant = ApplicantData(
        name=_text(data, "TenThuongNhan"), id_number=_text(data, "MaSoThue", 20),
        phone=_text(data, "DienThoai", 20) or _text(data, "SoDienThoaiNguoiLienHe", 20), address=_address(data),
        email=email, is_organisation=True, authorised_name=_text(data, "NguoiLienHe"),
        authorised_phone=_text(data, "SoDienThoaiNguoiLienHe", 20))
    summary = _text(data, "TenChuongTrinhKhuyenMai", 2000) or _text(data, "NoiDungChiTiet", 2000)
    try:
        with inbound_submission(Inbound(code, _text(data, "MaDoiTuong", 100))):
            dossier = dossier_submit_online(procedure=procedure, receiving_agency=desk, applicant=applicant,
                                            uploads=uploads, request_text=summary)
    except DossierError as exc:
        return InboundAnswer(REFUSED, str(exc))
    except IntegrityError:  # the same code delivered twice at once: the other delivery won
        return InboundAnswer(DUPLICATE, f"Hồ sơ {code} đã tồn tại")
    log.info("DVCQG: inbound dossier %s entered as %s at %s", code, dossier.code, desk.identifier)
    return InboundAnswer(ACCEPTED, "Tiếp nhận hồ sơ thành công", dossier)


def dossier_lookup(data) -> dict:
    """The portal asks about one of our dossiers ({madonvi, service, masohoso}): its summary, or error -1."""
    code = _text(data, "masohoso", 60) if isinstance(data, dict) else ""
    dossier = (Dossier.objects.select_related("procedure__field", "handling_agency").filter(code=code).first()
               if code else None)
    if dossier is None:
        return {"error_code": "-1", "message": f"Không tìm thấy hồ sơ {code}"}
    status = national_code_for(dossier.state, "")
    return {"MaHoSo": dossier.code, "MaTTHC": dossier.procedure.national_code, "TenTTHC": dossier.procedure.name,
            "MaLinhVuc": dossier.procedure.field.code, "TenLinhVuc": dossier.procedure.field.name,
            "LoaiDoiTuong": "2" if dossier.applicant_is_organisation else "1",
            "TrangThaiHoSo": "" if status is None else str(status),
            "HinhThuc": "1" if (dossier.result_delivery or dossier.requested_delivery) == "post" else "0",
            "DonViXuLy": dossier.handling_agency.name}
