"""The portal's messages about a dossier, built from the dossier as an action leaves it (inside the action's
transaction, so each message says what was true at that moment).

Field names and formats are the portal's: every value is a string, dates are yyyyMMddHHmmss in Vietnam's time
zone (`portal_time`), status codes are "1"–"10". The three objects:

* `dossier_object` — an element of DongBoHoSoMC's `data`;
* `progress_object` — an element of CapNhatTienDoHoSoMC's `data` (one step: who, when, what, the status after);
* `status_object` — DongBoTrangThaiHoSo's `data`, for a dossier the portal sent us (its code in MaHoSo, ours in
  MaHoSoDonVi).
"""

from datetime import datetime

from dossiers.actions import ACTIONS
from dossiers.models import (
    Attachment,
    AttachmentPurpose,
    Dossier,
    DossierEvent,
    ResultDelivery,
    State,
    SupplementRequest,
)
from procedures.models import ProcedureFee
from procedures.worktime import to_local

SUMMARY_LIMIT = 1000
HANDLER_LIMIT = 50
DEFAULT_HANDLER = "Chuyên viên"
# The financial obligation asked for at `await_payment` (its amount travels in the action's details only): its
# fee line is carried from one dossier message to the next by this code.
OBLIGATION_CODE = "NVTC"


def portal_time(value: datetime | None) -> str:
    """yyyyMMddHHmmss in Asia/Ho_Chi_Minh; "" for no value."""
    return "" if value is None else f"{to_local(value):%Y%m%d%H%M%S}"


def iso_time(value: datetime | None) -> str:
    """yyyy-MM-ddTHH:mm:ss.fff in Asia/Ho_Chi_Minh (the OAuth API's progress steps)."""
    return "" if value is None else to_local(value).strftime("%Y-%m-%dT%H:%M:%S.%f")[:23]


def _cut(text: str, limit: int, keep: int | None = None) -> str:
    """At most `limit` characters: a longer text keeps its first `keep` (limit - 3) and ends with "..." (the
    summary keeps 995, the handler's name 46, as peers do)."""
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 3 if keep is None else keep] + "..."


def _handling_agency(dossier: Dossier):
    """The agency holding the dossier, without a query when it is the desk (loaded with the dossier)."""
    if dossier.handling_agency_id == dossier.receiving_agency_id:
        return dossier.receiving_agency
    return dossier.handling_agency


def _applicant_kind(dossier: Dossier) -> str:
    """LoaiDoiTuong: 1 a citizen, 2 an organisation (a business, in the portal's list)."""
    return "2" if dossier.applicant_is_organisation else "1"


def _result_by_post(dossier: Dossier) -> str:
    delivery = dossier.result_delivery or dossier.requested_delivery
    return "1" if delivery == ResultDelivery.POST else "0"


def _files(dossier: Dossier) -> tuple[list[dict], list[dict]]:
    """(TaiLieuNop, DanhSachGiayToKetQua). Files are private: the portal gets their names and ids, not a link
    (DuongDanTaiTepTin is empty; no download route for the portal is built)."""
    submitted, results = [], []
    for a in Attachment.objects.filter(dossier_id=dossier.pk).select_related("document").order_by("id"):
        name = a.document.name if a.document_id else a.original_name
        part = str(a.document.position) if a.document_id else ""
        if a.purpose == AttachmentPurpose.RESULT:
            results.append({"TenGiayTo": _cut(name, 2000), "MaThanhPhanHoSo": part, "GiayToId": str(a.pk),
                            "DuongDanTepTinKetQua": ""})
        else:
            submitted.append({"TepDinhKemId": str(a.pk), "TenTepDinhKem": _cut(name, 4000) or "Dinhkem",
                              "IsDeleted": "False", "MaThanhPhanHoSo": part, "DuongDanTaiTepTin": "",
                              "DuocSoHoa": "1" if dossier.is_digitised else "0"})
    return submitted, results


def _fees(dossier: Dossier, *, obligation: dict | None, carried: list[dict]) -> list[dict]:
    """The procedure's fees with an amount (collected at reception), then the financial obligation asked for,
    if any (this action's, else the one carried from the dossier's previous message)."""
    fees = [{"TenPhiLePhi": _cut(fee.description, 500), "MaPhiLePhi": f"LP{number}", "HinhThucThu": "1",
             "Gia": str(int(fee.amount)), "LoaiPhiLePhi": "1"}
            for number, fee in enumerate(ProcedureFee.objects.filter(procedure_id=dossier.procedure_id)
                                         .order_by("id"), 1) if fee.amount is not None]
    if obligation is not None:
        fees.append(obligation)
    else:
        fees += [fee for fee in carried if fee.get("MaPhiLePhi") == OBLIGATION_CODE]
    return fees


def obligation_fee(*, reason: str, amount) -> dict | None:
    if not amount:
        return None
    return {"TenPhiLePhi": _cut(reason, 500) or "Nghĩa vụ tài chính", "MaPhiLePhi": OBLIGATION_CODE,
            "HinhThucThu": "1", "Gia": str(int(amount)), "LoaiPhiLePhi": "1"}


def _supplements(dossier: Dossier) -> list[dict]:
    if not dossier.supplement_count and not dossier.desk_supplement_count:
        return []
    rows = SupplementRequest.objects.filter(dossier_id=dossier.pk).select_related("requested_by").order_by("id")
    return [{"HoSoBoSungId": r.pk, "NguoiYeuCauBoSung": _cut(str(r.requested_by), 255),
             "NoiDungBoSung": _cut("; ".join(r.items), 2000), "NgayBoSung": portal_time(r.requested_at),
             "NguoiTiepNhanBoSung": "", "ThongTinTiepNhan": _cut(r.answer_note, 2000),
             "NgayTiepNhanBoSung": portal_time(r.answered_at), "TrangThaiBoSung": r.answered_at is not None,
             "DanhSachGiayToBoSung": [], "DanhSachLePhiBoSung": [], "NgayHenTraTruoc": "", "NgayHenTraMoi": ""}
            for r in rows]


def dossier_object(dossier: Dossier, *, status: str, paid_online: bool, obligation: dict | None = None,
                   carried_fees: list[dict] = ()) -> dict:
    """DongBoHoSoMC's dossier object; `status` is the mapped code ("" while the state is not mapped)."""
    procedure = dossier.procedure
    submitted, results = _files(dossier)
    return {
        "MaHoSo": dossier.code,
        "MaTTHC": procedure.national_code,
        "TenTTHC": procedure.name,
        "MaLinhVuc": procedure.field.code,
        "TenLinhVuc": procedure.field.name,
        "KenhThucHien": str(dossier.channel),
        "SoBienNhan": str(dossier.book_entry_no or ""),
        "ChuHoSo": dossier.applicant_name,
        "SoGiayToChuHoSo": dossier.applicant_id_number,
        "LoaiDoiTuong": _applicant_kind(dossier),
        "MaDoiTuong": "",
        "ThongTinKhac": "",
        "Email": dossier.applicant_email,
        "Fax": "",
        "SoDienThoai": dossier.applicant_phone,
        "TrichYeuHoSo": _cut(dossier.request_text or procedure.name, SUMMARY_LIMIT, 995),
        "NgayNopHoSo": portal_time(dossier.submitted_at),
        "NgayTiepNhan": portal_time(dossier.received_at or dossier.submitted_at),
        "NgayHenTra": portal_time(dossier.appointment_at),
        "TrangThaiHoSo": status,
        "NgayTra": portal_time(dossier.returned_at),
        "ThongTinTra": str(ResultDelivery(dossier.result_delivery).label) if dossier.result_delivery else "",
        "HinhThuc": _result_by_post(dossier),
        "NgayKetThucXuLy": portal_time(dossier.resolved_at or dossier.finished_at),
        "NgayTuChoi": portal_time(dossier.finished_at) if dossier.state == State.REFUSED else "",
        "DonViXuLy": _handling_agency(dossier).name,
        "GhiChu": "",
        "HoSoCoThanhPhanSoHoa": "1" if dossier.is_digitised else "0",
        "DuocThanhToanTrucTuyen": "1" if paid_online else "0",
        "TaiLieuNop": submitted,
        "DanhSachGiayToKetQua": results,
        "DanhSachLePhi": _fees(dossier, obligation=obligation, carried=list(carried_fees)),
        "DanhSachTepDinhKemKhac": [],
        "DanhSachHoSoBoSung": _supplements(dossier),
    }


def step_text(event: DossierEvent) -> str:
    """NoiDungXuLy: the action's name, then its note ("Yêu cầu bổ sung, hoàn thiện hồ sơ-Bản sao giấy khai sinh")."""
    entry = ACTIONS.get(event.action)
    label = str(entry.label) if entry is not None else event.action
    note = (event.note or "").strip()
    return _cut(f"{label}-{note}" if note else label, 2000)


def progress_object(dossier: Dossier, event: DossierEvent, *, status: str) -> dict:
    """CapNhatTienDoHoSoMC's step: who (≤ 50 characters), when, where, what, and the status after it."""
    handler = (event.actor_label or "").strip() or DEFAULT_HANDLER
    agency = event.to_agency or _handling_agency(dossier)
    return {
        "MaHoSo": dossier.code,
        "NguoiXuLy": _cut(handler, HANDLER_LIMIT, 46),
        "ChucDanh": "",
        "ThoiDiemXuLy": portal_time(event.at),
        "PhongBanXuLy": agency.name,
        "NoiDungXuLy": step_text(event),
        "TrangThai": status,
        "NgayBatDau": portal_time(event.at),
        "NgayKetThucTheoQuyDinh": portal_time(dossier.due_at),
    }


def status_object(dossier: Dossier, event: DossierEvent, *, national_code: str, applicant_account: str,
                  status: str) -> dict:
    """DongBoTrangThaiHoSo's object for a dossier the portal sent us."""
    _submitted, results = _files(dossier)
    return {
        "MaHoSo": national_code,
        "MaHoSoDonVi": dossier.code,
        "MaDoiTuong": applicant_account,
        "NoiDung": step_text(event),
        "NgayXuLy": portal_time(event.at),
        "TrangThai": status,
        "TaiLieuXuLy": [{"TenTepDinhKem": r["TenGiayTo"], "MaThanhPhanHoSo": r["MaThanhPhanHoSo"],
                         "TepDinhKemId": r["GiayToId"], "DuongDanTaiTepTin": "", "IsDeleted": "False"}
                        for r in results],
    }
