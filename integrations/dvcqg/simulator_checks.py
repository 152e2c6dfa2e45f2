"""The simulator's field rules: what the national portal is documented to require of each message, written
independently of the client's code (integrations/dvcqg/payloads.py), so that a client mistake shows up as a
rejection in the contract tests. Pure Python, no Django.

Each check returns a list of problems in Vietnamese (empty: accepted).
"""

import re
from datetime import datetime

PROCEDURE_CODE = re.compile(r"^[0-9]\.[0-9]{6}(\.[A-Z0-9]+)*$")
STATUS_CODES = {str(n) for n in range(1, 11)}

# DongBoHoSoMC: the dossier object's fields (all strings), required ones first.
DOSSIER_REQUIRED = ("MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "LoaiDoiTuong", "TrichYeuHoSo",
                    "NgayTiepNhan", "NgayHenTra", "TrangThaiHoSo", "HinhThuc", "DonViXuLy")
DOSSIER_OPTIONAL_TEXT = ("SoBienNhan", "KenhThucHien", "SoGiayToChuHoSo", "ChuHoSo", "MaDoiTuong", "ThongTinKhac",
                         "Email", "Fax", "SoDienThoai", "NgayTra", "ThongTinTra", "NgayKetThucXuLy", "GhiChu",
                         "NoiNopHoSo", "HoSoCoThanhPhanSoHoa", "TaiKhoanDuocXacThucVoiVNeID",
                         "DuocThanhToanTrucTuyen", "NgayTuChoi", "NgayNopHoSo")
DOSSIER_DATES = ("NgayTiepNhan", "NgayHenTra", "NgayTra", "NgayKetThucXuLy", "NgayTuChoi", "NgayNopHoSo")
DOSSIER_LISTS = ("TaiLieuNop", "DanhSachGiayToKetQua", "DanhSachLePhi", "DanhSachTepDinhKemKhac",
                 "DanhSachHoSoBoSung", "DinhDanhCHS", "DSKetNoiCSDL")
FEE_REQUIRED = ("TenPhiLePhi", "MaPhiLePhi", "HinhThucThu", "Gia", "LoaiPhiLePhi")
RESULT_REQUIRED = ("TenGiayTo", "MaThanhPhanHoSo", "GiayToId", "DuongDanTepTinKetQua")
FILE_REQUIRED = ("TepDinhKemId", "TenTepDinhKem", "IsDeleted", "MaThanhPhanHoSo", "DuongDanTaiTepTin")
SUPPLEMENT_REQUIRED = ("HoSoBoSungId", "NguoiYeuCauBoSung", "NoiDungBoSung", "NgayBoSung", "TrangThaiBoSung")

# CapNhatTienDoHoSoMC: the progress object.
PROGRESS_REQUIRED = ("MaHoSo", "NguoiXuLy", "ThoiDiemXuLy", "NoiDungXuLy", "TrangThai")
PROGRESS_OPTIONAL_TEXT = ("ChucDanh", "PhongBanXuLy", "NgayBatDau", "NgayKetThucTheoQuyDinh")
PROGRESS_DATES = ("ThoiDiemXuLy", "NgayBatDau", "NgayKetThucTheoQuyDinh")

# DongBoTrangThaiHoSo (type "2"): the status of a dossier the portal originated.
STATUS_REQUIRED = ("MaHoSo", "MaHoSoDonVi", "NoiDung", "NgayXuLy", "TrangThai")


def is_date(value, *, iso: bool = False) -> bool:
    """yyyyMMddHHmmss (Asia/Ho_Chi_Minh), or yyyy-MM-ddTHH:mm:ss.fff for the OAuth API's progress."""
    if not isinstance(value, str):
        return False
    pattern = "%Y-%m-%dT%H:%M:%S.%f" if iso else "%Y%m%d%H%M%S"
    if not iso and not re.fullmatch(r"[0-9]{14}", value):
        return False
    try:
        datetime.strptime(value, pattern)
    except ValueError:
        return False
    return True


def _text_fields(obj: dict, names, *, required: bool) -> list[str]:
    problems = []
    for name in names:
        if name not in obj:
            if required:
                problems.append(f"thiếu trường {name}")
        elif not isinstance(obj[name], str):
            problems.append(f"{name} phải là chuỗi")
    return problems


def _dates(obj: dict, names, *, allow_empty=True, iso=False) -> list[str]:
    problems = []
    for name in names:
        value = obj.get(name)
        if not isinstance(value, str) or (value == "" and allow_empty):
            continue
        if not is_date(value, iso=iso):
            problems.append(f"{name} sai định dạng ngày ({'yyyy-MM-ddTHH:mm:ss.fff' if iso else 'yyyyMMddHHmmss'}): "
                            f"{value!r}")
    return problems


def _items(obj: dict, name: str, required: tuple) -> list[str]:
    problems = []
    for number, item in enumerate(obj.get(name) or [], 1):
        if not isinstance(item, dict):
            problems.append(f"{name}[{number}] phải là đối tượng")
            continue
        missing = [key for key in required if key not in item]
        if missing:
            problems.append(f"{name}[{number}] thiếu trường {', '.join(missing)}")
    return problems


def check_dossier(obj) -> list[str]:
    if not isinstance(obj, dict):
        return ["phần tử của data phải là đối tượng hồ sơ"]
    problems = _text_fields(obj, DOSSIER_REQUIRED, required=True)
    problems += _text_fields(obj, DOSSIER_OPTIONAL_TEXT, required=False)
    for name in ("MaHoSo", "MaTTHC", "TenTTHC", "TrichYeuHoSo", "NgayTiepNhan", "DonViXuLy"):
        if obj.get(name) == "":
            problems.append(f"{name} không được để trống")
    if isinstance(obj.get("MaTTHC"), str) and obj["MaTTHC"] and not PROCEDURE_CODE.match(obj["MaTTHC"]):
        problems.append(f"MaTTHC không hợp lệ: {obj['MaTTHC']!r}")
    if "TrangThaiHoSo" in obj and obj["TrangThaiHoSo"] not in STATUS_CODES:
        problems.append(f"TrangThaiHoSo không hợp lệ: {obj['TrangThaiHoSo']!r} (1–10)")
    if "LoaiDoiTuong" in obj and obj["LoaiDoiTuong"] not in {"1", "2", "3", "4"}:
        problems.append(f"LoaiDoiTuong không hợp lệ: {obj['LoaiDoiTuong']!r}")
    if "HinhThuc" in obj and obj["HinhThuc"] not in {"0", "1"}:
        problems.append(f"HinhThuc không hợp lệ: {obj['HinhThuc']!r}")
    if obj.get("KenhThucHien", "1") not in {"1", "2", "3"}:
        problems.append(f"KenhThucHien không hợp lệ: {obj['KenhThucHien']!r}")
    if isinstance(obj.get("TrichYeuHoSo"), str) and len(obj["TrichYeuHoSo"]) > 1000:
        problems.append("TrichYeuHoSo dài quá 1000 ký tự")
    problems += _dates(obj, DOSSIER_DATES)
    for name in DOSSIER_LISTS:
        if name in obj and not isinstance(obj[name], list):
            problems.append(f"{name} phải là danh sách")
    if not problems:
        problems += _items(obj, "DanhSachLePhi", FEE_REQUIRED)
        problems += _items(obj, "DanhSachGiayToKetQua", RESULT_REQUIRED)
        problems += _items(obj, "TaiLieuNop", FILE_REQUIRED)
        problems += _items(obj, "DanhSachHoSoBoSung", SUPPLEMENT_REQUIRED)
        for number, fee in enumerate(obj.get("DanhSachLePhi") or [], 1):
            if isinstance(fee, dict) and not re.fullmatch(r"[0-9]+", str(fee.get("Gia", ""))):
                problems.append(f"DanhSachLePhi[{number}].Gia phải là số tiền (chữ số): {fee.get('Gia')!r}")
            if isinstance(fee, dict) and fee.get("HinhThucThu") not in {"1", "2", "4"}:
                problems.append(f"DanhSachLePhi[{number}].HinhThucThu không hợp lệ: {fee.get('HinhThucThu')!r}")
        for number, item in enumerate(obj.get("DanhSachHoSoBoSung") or [], 1):
            if isinstance(item, dict):
                problems += [f"DanhSachHoSoBoSung[{number}]: {p}" for p in
                             _dates(item, ("NgayBoSung", "NgayTiepNhanBoSung", "NgayHenTraTruoc", "NgayHenTraMoi"))]
    return problems


def check_progress(obj, *, iso: bool = False) -> list[str]:
    if not isinstance(obj, dict):
        return ["phần tử của data phải là đối tượng tiến độ"]
    problems = []
    for name in PROGRESS_REQUIRED:
        if name not in obj:
            problems.append(f"thiếu trường {name}")
    text = PROGRESS_REQUIRED if not iso else tuple(n for n in PROGRESS_REQUIRED if n != "TrangThai")
    problems += _text_fields(obj, text, required=False) + _text_fields(obj, PROGRESS_OPTIONAL_TEXT, required=False)
    for name in ("MaHoSo", "NguoiXuLy", "NoiDungXuLy", "ThoiDiemXuLy"):
        if obj.get(name) == "":
            problems.append(f"{name} không được để trống")
    if isinstance(obj.get("NguoiXuLy"), str) and len(obj["NguoiXuLy"]) > 50:
        problems.append("NguoiXuLy dài quá 50 ký tự")
    status = obj.get("TrangThai")
    if "TrangThai" in obj and (str(status) not in STATUS_CODES or isinstance(status, int) != iso):
        problems.append(f"TrangThai không hợp lệ: {status!r}")
    problems += _dates(obj, PROGRESS_DATES, iso=iso)
    return problems


def check_status(obj) -> list[str]:
    if not isinstance(obj, dict):
        return ["data phải là một đối tượng trạng thái"]
    problems = _text_fields(obj, STATUS_REQUIRED, required=True)
    if "TrangThai" in obj and obj["TrangThai"] not in STATUS_CODES:
        problems.append(f"TrangThai không hợp lệ: {obj['TrangThai']!r}")
    if "TaiLieuXuLy" in obj and not isinstance(obj["TaiLieuXuLy"], list):
        problems.append("TaiLieuXuLy phải là danh sách")
    problems += _dates(obj, ("NgayXuLy",), allow_empty=False)
    return problems


# DongBoDanhGia: one item per rating subject and month (spec §8.5).
RATING_REQUIRED = ("NgayTongHop", "TongSoNguoiDanhGia", "PhanTramDanhGiaRatHaiLong", "PhanTramDanhGiaHaiLong",
                   "PhanTramDanhGiaChuaHaiLong", "PhanTramDanhGiaDichVuRatHaiLong", "PhanTramDanhGiaDichVuHaiLong",
                   "PhanTramDanhGiaDichVuChuaHaiLong", "DanhSachNoiDungYKien", "MaThuTuc", "NoiDung", "Madonvi",
                   "TenDonVi")
PERCENT = re.compile(r"^(100|[1-9]?[0-9])%$")


def check_rating(obj) -> list[str]:
    if not isinstance(obj, dict):
        return ["phần tử của data phải là đối tượng đánh giá"]
    problems = _text_fields(obj, RATING_REQUIRED, required=True)
    if problems:
        return problems
    if not re.fullmatch(r"(1[0-2]|[1-9])-[0-9]{4}", obj["NgayTongHop"]):
        problems.append(f"NgayTongHop phải có dạng M-YYYY: {obj['NgayTongHop']!r}")
    if not re.fullmatch(r"[1-9][0-9]*", obj["TongSoNguoiDanhGia"]):
        problems.append(f"TongSoNguoiDanhGia phải là số dương: {obj['TongSoNguoiDanhGia']!r}")
    for group in ("PhanTramDanhGia", "PhanTramDanhGiaDichVu"):
        names = [f"{group}{level}" for level in ("RatHaiLong", "HaiLong", "ChuaHaiLong")]
        bad = [name for name in names if not PERCENT.match(obj[name])]
        problems += [f"{name} phải là phần trăm nguyên, ví dụ \"60%\": {obj[name]!r}" for name in bad]
        if not bad and sum(int(obj[name][:-1]) for name in names) != 100:
            problems.append(f"{', '.join(names)} phải cộng lại bằng 100%")
    for name in ("NoiDung", "Madonvi", "TenDonVi"):
        if obj[name] == "":
            problems.append(f"{name} không được để trống")
    return problems
