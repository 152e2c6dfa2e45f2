"""Pulling the national catalog: the list of procedures (LayDanhSachTTHC), then each one's details (LayThuTuc),
mapped to the catalog file's row format (procedures/catalog_io.py: COLUMNS) and imported by the catalog's own
import (procedures.services.catalog_import): idempotent by national code, each rejected row reported with its
reason, the others still imported. The details are fetched first, then imported, so no database transaction
stays open while the portal is asked.

What a procedure's fields become (the portal's upper-case fields):

* MATTHC, TENTTHC → national_code, name; TRANGTHAI 1 → is_active;
* LINHVUCTHUCHIEN[0] → field_code, field_name;
* CAPTHUCHIEN → level (0 central, 1 province, 2 and 3 commune: the most local level listed);
* CACHTHUCTHUCHIEN (channel 1, at the desk, preferred) → THOIGIAN[0]: THOIGIANGIAIQUYET + DONVITINH → deadline
  (0 → same day; "giờ" → working hours; "ngày làm việc" → working days; "ngày" → calendar days), MOTA →
  deadline note; PHILEPHI → fees (SOTIEN "không"/"miễn" → 0, "20.000" → 20000, other text → no amount);
* THANHPHANHOSO[].GIAYTO (deduplicated by MAGIAYTO) → documents: mandatory when listed in every case; original,
  copy or either from SOBANCHINH/SOBANSAO;
* COQUANTHUCHIEN → competent authority; KETQUATHUCHIEN → result; CANCUPHAPLY → legal basis; YEUCAU →
  requirements; TRINHTUTHUCHIEN → description.

The receiving desks (`agencies`) and the online level are left as the administrator set them.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from integrations.dvcqg.transport import TransportError
from procedures.models import DeadlineUnit, Procedure, ProcedureLevel
from procedures.services import catalog_import
from procedures.text import fold

LEVELS = {"0": ProcedureLevel.CENTRAL, "1": ProcedureLevel.PROVINCE, "2": ProcedureLevel.COMMUNE,
          "3": ProcedureLevel.COMMUNE}
LEVEL_ORDER = [ProcedureLevel.COMMUNE, ProcedureLevel.PROVINCE, ProcedureLevel.CENTRAL]


def _s(value) -> str:
    return "" if value is None or isinstance(value, dict | list) else str(value).strip()


def _list(value) -> list:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _number(value) -> float | None:
    text = _s(value).replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def money(value) -> int | None:
    """SOTIEN: 135000, "135.000", "20,000 đồng", "không" → 0; other text → None."""
    if isinstance(value, int | float):
        return int(value)
    text = fold(_s(value))
    if not text or text.startswith(("khong", "mien")):
        return 0 if text else None
    digits = re.fullmatch(r"([0-9][0-9.,]*)\s*(d|dong|vnd)?", text)
    return int(re.sub(r"[.,]", "", digits.group(1))) if digits else None


def _way(item: dict) -> dict:
    ways = _list(item.get("CACHTHUCTHUCHIEN"))
    return next((w for w in ways if _s(w.get("KENH")) == "1"), ways[0] if ways else {})


def deadline(item: dict) -> tuple[str, str, str] | None:
    """(amount, unit, note) of the preferred channel, or None when it cannot be read."""
    times = _list(_way(item).get("THOIGIAN"))
    if not times:
        return None
    amount, unit, note = _number(times[0].get("THOIGIANGIAIQUYET")), fold(_s(times[0].get("DONVITINH"))), \
        _s(times[0].get("MOTA"))[:255]
    if amount is None or amount < 0:
        return None
    if amount == 0:
        return "0", DeadlineUnit.SAME_DAY, note
    if "gio" in unit:
        kind = DeadlineUnit.WORKING_HOURS
    elif "lam viec" in unit:
        kind = DeadlineUnit.WORKING_DAYS
    elif "ngay" in unit:
        kind = DeadlineUnit.CALENDAR_DAYS
    else:
        return None
    return f"{amount:g}", kind, note


def _fees(item: dict) -> list[dict]:
    fees, seen = [], set()
    for time_row in _list(_way(item).get("THOIGIAN")):
        for fee in _list(time_row.get("PHILEPHI")):
            description = _s(fee.get("MOTA")) or ("Phí" if _s(fee.get("MAPHILEPHI")) == "1" else "Lệ phí")
            amount = money(fee.get("SOTIEN"))
            if (description, amount) not in seen:
                seen.add((description, amount))
                fees.append({"description": description[:500], "amount": amount})
    return fees


def _documents(item: dict) -> list[dict]:
    cases = [_list(case.get("GIAYTO")) for case in _list(item.get("THANHPHANHOSO"))]
    documents, where = {}, {}
    for number, papers in enumerate(cases):
        for paper in papers:
            key = _s(paper.get("MAGIAYTO")) or fold(_s(paper.get("TENGIAYTO")))
            if not key or not _s(paper.get("TENGIAYTO")):
                continue
            where.setdefault(key, set()).add(number)
            if key not in documents:
                originals, copies = _number(paper.get("SOBANCHINH")) or 0, _number(paper.get("SOBANSAO")) or 0
                kind = "either" if originals and copies else ("copy" if copies else "original")
                documents[key] = {"name": _s(paper.get("TENGIAYTO"))[:500], "copy_kind": kind,
                                  "count": max(int(originals), int(copies), 1)}
    return [{**doc, "mandatory": len(where[key]) == len(cases)} for key, doc in documents.items()]


def _level(item: dict) -> str | None:
    levels = {LEVELS.get(_s(row.get("CAPTHUCHIEN"))) for row in _list(item.get("CAPTHUCHIEN"))} - {None}
    return next((level for level in LEVEL_ORDER if level in levels), None)


def procedure_row(item: dict, existing: Procedure | None = None) -> dict:
    """A catalog import row (procedures/catalog_io.py COLUMNS) for one LayThuTuc procedure."""
    domains = _list(item.get("LINHVUCTHUCHIEN"))
    row = {
        "national_code": _s(item.get("MATTHC")),
        "name": _s(item.get("TENTTHC"))[:500],
        "field_code": _s(domains[0].get("MALINHVUC"))[:50] if domains else "",
        "field_name": _s(domains[0].get("TENLINHVUC"))[:255] if domains else "",
        "is_active": _s(item.get("TRANGTHAI")) in ("1", "True", "true"),
        "competent_authority": "; ".join(_s(a.get("TENDONVI")) for a in _list(item.get("COQUANTHUCHIEN")))[:255],
        "result_description": "; ".join(_s(r.get("TENKETQUA")) for r in _list(item.get("KETQUATHUCHIEN")))[:255],
        "legal_basis": "\n".join(" – ".join(filter(None, [_s(b.get("SOVANBAN")), _s(b.get("TENVANBAN"))]))
                                 for b in _list(item.get("CANCUPHAPLY"))),
        "requirements": _s(item.get("YEUCAU")),
        "description": "\n".join(f"{n}. {_s(step.get('TENTRINHTU'))}" for n, step in enumerate(
            (s for case in _list(item.get("TRINHTUTHUCHIEN")) for s in _list(case.get("TRINHTU"))), 1)),
        "documents": _documents(item),
        "fees": _fees(item),
    }
    level = _level(item) or (existing.level if existing else None)
    row["level"] = level or ""
    found = deadline(item)
    if found is not None:
        row["deadline_amount"], row["deadline_unit"], row["deadline_note"] = found
    elif existing is not None:  # keep the local rule rather than reject the whole procedure
        row["deadline_amount"], row["deadline_unit"] = f"{existing.deadline_amount.normalize():f}", existing.deadline_unit
    else:
        row["deadline_unit"] = ""  # rejected by the import with its reason
    return row


def changed_on(item: dict) -> date | None:
    """The list entry's last change (NGAYCAPNHAT, yyyyMMddHHmmss or dd/mm/yyyy), if the portal gives one."""
    text = _s(item.get("NGAYCAPNHAT"))
    for pattern, length in (("%Y%m%d%H%M%S", 14), ("%d/%m/%Y", 10), ("%Y-%m-%d", 10)):
        try:
            return datetime.strptime(text[:length], pattern).date()
        except ValueError:
            continue
    return None


@dataclass
class PullReport:
    listed: int = 0
    not_changed: int = 0
    created: int = 0
    updated: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (national code, reason)


def list_wanted(transport, *, since: date | None, report: PullReport) -> list[str]:
    """The national codes to fetch: every listed procedure, or those changed on or after `since` (a procedure
    the portal gives no date for is always fetched)."""
    listed = transport.list_procedures()
    report.listed = len(listed)
    codes = []
    for item in listed:
        code = _s(item.get("MATTHC"))
        if not code:
            continue
        day = changed_on(item)
        if since is not None and day is not None and day < since:
            report.not_changed += 1
            continue
        codes.append(code)
    return list(dict.fromkeys(codes))


def fetch_details(transport, codes: list[str], *, report: PullReport, progress=None) -> list[dict]:
    """LayThuTuc for each code; a procedure the portal cannot give is reported and left out."""
    items = []
    for code in codes:
        try:
            item = transport.get_procedure(code)
        except TransportError as exc:
            report.rejected.append((code, str(exc)))
        else:
            if isinstance(item, dict):
                items.append(item)
            else:
                report.rejected.append((code, "Cổng DVCQG không trả về thông tin thủ tục"))
        if progress is not None:
            progress(1)
    return items


def import_details(items: list[dict], *, report: PullReport, dry_run: bool, progress=None) -> PullReport:
    codes = [_s(item.get("MATTHC")) for item in items]
    existing = Procedure.objects.in_bulk(codes, field_name="national_code")
    rows = [(n, procedure_row(item, existing.get(code))) for n, (item, code) in enumerate(zip(items, codes,
                                                                                          strict=True), 1)]
    result = catalog_import(rows=rows, progress=progress, dry_run=dry_run)
    report.created, report.updated = result.created, result.updated
    report.rejected += [(codes[line - 1], reason) for line, reason in result.rejected]
    return report
