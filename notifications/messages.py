"""What applicants are told: the texts (templates/notifications/messages/) and the data they show."""

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.template.loader import render_to_string

from dossiers.actions import ACTIONS
from dossiers.models import Dossier, Outcome
from procedures import worktime
from procedures.formatting import vn_datetime, vn_short_datetime
from procedures.text import strip_diacritics


# ---------------------------------------------------------------- content
class _AsciiTable(dict):
    """str.translate's table for `_ascii`: each character's strip_diacritics, worked out once (the same text as
    strip_diacritics of the whole string: it folds each character on its own)."""

    def __missing__(self, code: int) -> str:
        self[code] = folded = strip_diacritics(chr(code))
        return folded


_ASCII_TABLE = _AsciiTable()


def _ascii(text: str) -> str:
    """SMS without diacritics (one GSM-7 segment holds 160 characters, a Unicode one only 70)."""
    return text if text.isascii() else text.translate(_ASCII_TABLE)


@dataclass
class Message:
    kind: str
    subject: str
    lines: list[str]
    sms: str
    extra: dict = field(default_factory=dict)


def _salutation(name: str, is_organisation: bool) -> str:
    return f"Kính gửi {name}," if is_organisation else f"Kính gửi Ông/Bà {name},"


def _body(salutation: str, lines: list[str], *, code: str, procedure_name: str, agency_name: str, url: str) -> str:
    province = settings.ONECUA.get("PROVINCE_NAME", "")
    parts = [
        salutation,
        "",
        *lines,
        "",
        f"Mã hồ sơ: {code}",
        f"Thủ tục: {procedure_name}",
        f"Nơi tiếp nhận: {agency_name}",
        "",
        f"Tra cứu tình trạng hồ sơ: {url}",
        "",
        f"Thư này được gửi tự động từ Cổng dịch vụ công Một Cửa{' tỉnh ' + province if province else ''}; "
        "xin Ông/Bà không trả lời thư này.",
    ]
    return "\n".join(parts)


def _vn_times(value: datetime) -> tuple[str, str]:
    """(vn_datetime, vn_short_datetime) of one instant from one conversion: the recomputation formats two
    instants for each of thousands of messages (tests hold the text equal to procedures.formatting's)."""
    local = worktime.to_local(value)
    hour, minute, day = f"{local.hour:02d}", f"{local.minute:02d}", f"{local.day:02d}/{local.month:02d}/{local.year}"
    return f"{hour} giờ {minute} phút, ngày {day}", f"{hour}:{minute} {day}"


SEPARATOR = "\x1e"  # between a template's parts: a control character no typed text can hold (input guard)


def render_message(kind: str, **context) -> Message:
    """The message of `kind` from templates/notifications/messages/<kind>.txt: subject, e-mail lines, SMS."""
    text = render_to_string(f"notifications/messages/{kind}.txt", {**context, "sep": SEPARATOR})
    subject, lines, sms = (part.strip("\n") for part in text.split(f"\n{SEPARATOR}\n"))
    return Message(kind, subject, lines.split("\n"), sms)


def _appointment_moved_message(code: str, old_appointment: datetime, new_appointment: datetime) -> Message:
    new, new_short = _vn_times(new_appointment)
    return render_message("appointment_moved", code=code, old=_vn_times(old_appointment)[0], new=new,
                          new_short=new_short)


def _context(dossier: Dossier, kind: str, event=None) -> dict:
    """What the text of `kind` shows, read from the dossier after its action (and from the action's event row
    when the caller has it)."""
    if kind == "received":
        return {"received_at": vn_datetime(dossier.received_at), "appointment": vn_datetime(dossier.appointment_at),
                "appointment_short": vn_short_datetime(dossier.appointment_at)}
    if kind == "supplement_requested":
        request = dossier.supplement_requests.order_by("-requested_at", "-id").first()
        return {"items": list(request.items) if request else [], "reason": request.reason if request else ""}
    if kind == "apology":
        apology = dossier.apology
        return {"reason": apology.reason, "appointment": vn_datetime(apology.new_appointment_at),
                "appointment_short": vn_short_datetime(apology.new_appointment_at)}
    if kind == "resolved":
        return {"approved": dossier.outcome == Outcome.APPROVED, "desk": dossier.receiving_agency.name}
    if kind == "returned":
        return {"returned_at": vn_datetime(dossier.returned_at), "delivery": dossier.get_result_delivery_display()}
    if kind == "withdrawn":
        return {"finished_at": vn_datetime(dossier.finished_at)}
    if kind == "paid":
        if event is None or event.action != "payment_received":
            event = dossier.events.filter(action="payment_received").order_by("-id").first()
        return {"note": event.note if event else ""}
    return {"reason": dossier.decision_reason}  # refused, stopped


def applicant_message(dossier: Dossier, action: str, *, old_appointment: datetime | None = None,
                      event=None) -> Message | None:
    """What the applicant is told after `action` (the registry names the message kind), or None when the action
    concerns only the staff. `event`: the action's event row, when the caller has it."""
    if action == "appointment_moved":
        return _appointment_moved_message(dossier.code, old_appointment, dossier.appointment_at)
    entry = ACTIONS.get(action)
    if entry is None or entry.message is None:
        return None
    return render_message(entry.message, code=dossier.code, **_context(dossier, entry.message, event))
