"""Numbers of the forms a desk issues: "Số: N/PBS" (02, supplement request), "Số: N/PTC" (03, refusal),
"Số: N/PXL" (04, apology and new appointment); N counts per receiving desk, per year (local time) and per kind.

A number is drawn once, when the document is issued, inside the transaction that records it: the counter row
is incremented by one UPSERT (INSERT … ON CONFLICT DO UPDATE … RETURNING), which locks it until commit, so two
desks' clerks never get the same number, and an action that fails gives its number back (no gaps). The services
call `issue_form_number(record)` right after creating the record (dossier_request_supplement, dossier_refuse,
dossier_apologise).
"""

from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from dossiers.models import Apology, Dossier, FormNumber, FormNumberCounter, FormNumberKind, SupplementRequest
from procedures import worktime

Record = SupplementRequest | Apology | Dossier


def _describe(record: Record) -> tuple[str, Dossier, dict, datetime | None]:
    """(kind, dossier, the FormNumber link to the record, the record's issue time)."""
    if isinstance(record, SupplementRequest):
        return FormNumberKind.SUPPLEMENT, record.dossier, {"supplement_request": record}, record.requested_at
    if isinstance(record, Apology):
        return FormNumberKind.APOLOGY, record.dossier, {"apology": record}, record.issued_at
    if isinstance(record, Dossier):  # form 03: the refusal is the dossier's own decision
        return FormNumberKind.REFUSAL, record, {}, record.finished_at
    raise TypeError(f"no form number for {type(record).__name__}")


def form_number_of(record: Record) -> FormNumber | None:
    """The number the document was given, or None (issued before numbering, or not issued)."""
    kind, dossier, link, _at = _describe(record)
    if record.pk is None:
        return None
    return FormNumber.objects.filter(dossier=dossier, kind=kind, **link).first()


def next_number(*, agency_id: int, year: int, kind: str) -> int:
    """Increment the (desk, year, kind) counter, creating it at 1, and return the value: one statement."""
    meta = FormNumberCounter._meta
    q = connection.ops.quote_name
    table, agency, last = q(meta.db_table), q(meta.get_field("agency").column), q("last")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({agency}, {q('year')}, {q('kind')}, {last}) VALUES (%s, %s, %s, 1) "
            f"ON CONFLICT ({agency}, {q('year')}, {q('kind')}) DO UPDATE SET {last} = {table}.{last} + 1 "
            f"RETURNING {last}",
            [agency_id, year, kind])
        return cursor.fetchone()[0]


def issue_form_number(record: Record, *, at: datetime | None = None) -> FormNumber:
    """Give a just-issued form 02 (its SupplementRequest), 03 (the refused Dossier) or 04 (its Apology) the desk's
    next number of the year; idempotent: a document that already has one keeps it."""
    kind, dossier, link, issued_at = _describe(record)
    existing = form_number_of(record)
    if existing is not None:
        return existing
    issued_at = at or issued_at or timezone.now()
    year = worktime.to_local(issued_at).year
    try:
        with transaction.atomic():
            number = next_number(agency_id=dossier.receiving_agency_id, year=year, kind=kind)
            return FormNumber.objects.create(
                kind=kind, agency_id=dossier.receiving_agency_id, year=year, number=number, dossier=dossier,
                issued_at=issued_at, **link)
    except IntegrityError:
        # Numbered meanwhile by another transaction (now committed): its number stands, this one is given back.
        existing = form_number_of(record)
        if existing is None:
            raise
        return existing


FORM_TITLES = {
    "01": "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    "02": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    "03": "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
    "04": "PHIẾU XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT HỒ SƠ",
    "05": "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
    "06": "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
    "07": "SỔ THEO DÕI HỒ SƠ",
}
