"""The sync outbox: the portal's messages about a dossier, written in the transaction of the action that
causes them, delivered after commit (integrations/delivery.py).

What an action writes (nothing while DVCQG["ENABLED"] is off; nothing for a claim, which the portal has no use
for):

* a dossier the portal does not know yet, a change of its state, or an action that changes what the dossier
  message says (hand-over, apology, decision, return, supplement, fees): a `dossier` row (DongBoHoSoMC, the
  whole dossier as the action leaves it);
* every action: a `progress` row (CapNhatTienDoHoSoMC, the step: who, when, what, the status after);
* a dossier that came from the portal (InboundDossier): instead of those, a `status` row
  (DongBoTrangThaiHoSo) for each change of state or decision, under the portal's own code.

The national status is looked up in StatusMapping (the action's own row, else the state's). A state with no
mapping is not skipped: its rows are written `unmapped`, logged, and shown on the sync page; they hold back the
dossier's later rows until a mapping exists and someone presses *Thử lại* (or *Bỏ qua*).

Guarantees (as the notifications outbox, notifications/outbox.py): a row exists if and only if its action
committed; nothing is lost while the broker or the portal is down (the row waits, the re-queue finds it);
delivery is at-least-once, and the portal is idempotent by MaHoSo (a repeated DongBoHoSoMC updates the same
dossier); a dossier's rows go out in the order they were written.
"""

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import versions
from dossiers.models import Channel, Dossier, DossierEvent, State
from integrations.dvcqg import config
from integrations.dvcqg.payloads import dossier_object, obligation_fee, progress_object, status_object
from integrations.models import InboundDossier, StatusMapping, SyncKind, SyncRow, SyncStatus
from integrations.tasks import dispatch

log = logging.getLogger(__name__)

SILENT_ACTIONS = frozenset({"claim"})
# Actions after which the dossier message says something new even when the state stays (the handling agency,
# the appointment, results, fees, supplement rounds).
DOSSIER_FIELD_ACTIONS = frozenset({
    "receive", "forward", "apologise", "request_supplement", "answer_supplement", "await_payment",
    "confirm_payment", "payment_received", "approve", "decline", "return_result",
})
# For a dossier from the portal: a decision is worth telling even when the state stays.
STATUS_ACTIONS = frozenset({"approve", "decline", "return_result"})
STATUS_FIELD = {SyncKind.DOSSIER: "TrangThaiHoSo", SyncKind.PROGRESS: "TrangThai", SyncKind.STATUS: "TrangThai"}


@dataclass(frozen=True)
class Inbound:
    national_code: str
    applicant_account: str = ""


_inbound: ContextVar[Inbound | None] = ContextVar("dvcqg_inbound", default=None)


@contextmanager
def inbound_submission(inbound: Inbound):
    """Inside the block, the submission of a dossier is one the portal sent us: it is linked to the portal's
    code in the submission's own transaction (integrations/inbound.py)."""
    token = _inbound.set(inbound)
    try:
        yield
    finally:
        _inbound.reset(token)


# The mapping table is small and read by every action: each process keeps the rows with the version they were read
# under; the version lives in the shared cache (Redis when several nodes run) and is replaced by any change to the
# table (signals in IntegrationsConfig.ready), so every node reads the new rows at its next action.
MAPPING_VERSION_KEY = "integrations:status-mapping-version"
_mapping: dict = {"rows": None, "version": None}


def forget_mapping(**kwargs) -> None:
    """This process re-reads at once; the others once the change is committed (a node reading in between keeps the
    old rows under the old version, which the commit then replaces)."""
    _mapping["rows"] = None
    transaction.on_commit(_new_mapping_version)


def _new_mapping_version() -> None:
    versions.renew(MAPPING_VERSION_KEY)


def _mapping_rows() -> dict[tuple[str, str], int]:
    version = versions.current(MAPPING_VERSION_KEY)  # first reader or an emptied cache: a new one, re-read
    if _mapping["rows"] is None or _mapping["version"] != version:
        _mapping["rows"] = {(m.state, m.action): m.national_code
                            for m in StatusMapping.objects.filter(is_active=True).only("state", "action",
                                                                                      "national_code")}
        _mapping["version"] = version
    return _mapping["rows"]


def national_code_for(state: str, action: str) -> int | None:
    """The mapped national status after `action` left a dossier in `state`; None when not mapped."""
    rows = _mapping_rows()
    return rows.get((state, action), rows.get((state, "")))


def unmapped_message(state: str, action: str) -> str:
    label = State(state).label if state in State.values else state
    return _("Trạng thái “%(state)s” (thao tác “%(action)s”) chưa được ánh xạ sang mã trạng thái của Cổng DVCQG. "
             "Hãy thêm ánh xạ trong trang quản trị (Ánh xạ trạng thái DVCQG) rồi bấm Thử lại.") % {
        "state": label, "action": action}


# ---------------------------------------------------------------- writing (inside the action's transaction)
def record(dossier: Dossier, *, action: str, event: DossierEvent | None, details: dict | None = None) -> list[SyncRow]:
    pending = _inbound.get()
    if pending is not None and action == "submit":  # linked even while the push is off: duplicates are refused
        InboundDossier.objects.create(national_code=pending.national_code, dossier=dossier,
                                      applicant_account=pending.applicant_account)
        return []  # the portal made this dossier: it needs no DongBoHoSoMC
    if not config.enabled() or action in SILENT_ACTIONS or event is None:
        return []
    code = national_code_for(dossier.state, action)
    status = "" if code is None else str(code)
    with translation.override("vi"):
        # Only online dossiers can have come from the portal.
        inbound = (InboundDossier.objects.filter(dossier_id=dossier.pk).first()
                   if dossier.channel == Channel.ONLINE else None)
        if inbound is not None:
            if event.from_state == event.to_state and action not in STATUS_ACTIONS:
                return []
            payloads = [(SyncKind.STATUS, status_object(
                dossier, event, national_code=inbound.national_code, applicant_account=inbound.applicant_account,
                status=status), False)]
        else:
            payloads = _dossier_payloads(dossier, action=action, event=event, details=details or {},
                                         status=status)
    now = timezone.now()
    rows = [SyncRow(dossier=dossier, agency_id=dossier.receiving_agency_id, event=event, kind=kind, action=action,
                    local_state=dossier.state, national_code=code, payload=payload, created_at=now,
                    next_attempt_at=now, creates=creates,
                    status=SyncStatus.PENDING if code is not None else SyncStatus.UNMAPPED,
                    last_error="" if code is not None else unmapped_message(dossier.state, action))
            for kind, payload, creates in payloads]
    rows = SyncRow.objects.bulk_create(rows)
    if code is None:
        log.warning("DVCQG: dossier %s is in state %s (action %s), which has no national status mapping; its "
                    "sync rows %s wait on the sync page", dossier.code, dossier.state, action, [r.pk for r in rows])
        return rows
    ids = [r.pk for r in rows]
    transaction.on_commit(lambda: dispatch(ids))
    return rows


def _dossier_payloads(dossier: Dossier, *, action: str, event: DossierEvent, details: dict,
                      status: str) -> list[tuple[str, dict, bool]]:
    """(kind, payload, creates): the dossier message first when there is one (the dossier's first creates it)."""
    payloads = []
    last = (SyncRow.objects.filter(dossier_id=dossier.pk, kind=SyncKind.DOSSIER).order_by("-id")
            .values_list("payload", flat=True).first())
    if last is None or event.from_state != event.to_state or action in DOSSIER_FIELD_ACTIONS:
        obligation = (obligation_fee(reason=event.note, amount=details.get("amount"))
                      if action == "await_payment" else None)
        paid = action == "payment_received" or (last or {}).get("DuocThanhToanTrucTuyen") == "1"
        payloads.append((SyncKind.DOSSIER, dossier_object(
            dossier, status=status, paid_online=paid, obligation=obligation,
            carried_fees=(last or {}).get("DanhSachLePhi", [])), last is None))
    payloads.append((SyncKind.PROGRESS, progress_object(dossier, event, status=status), False))
    return payloads


def remap(row: SyncRow) -> bool:
    """Look the row's status up again (an administrator added the mapping): True when it is mapped now."""
    code = national_code_for(row.local_state, row.action)
    if code is None:
        return False
    row.national_code = code
    row.payload = {**row.payload, STATUS_FIELD[row.kind]: str(code)}
    return True
