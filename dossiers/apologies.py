"""Form 04: the officer proposes, the leader issues the apology with a new appointment, once per dossier."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import InvalidInput, TransitionRefused
from dossiers import form_numbers
from dossiers.models import OPEN_STATES, Apology, ApologyProposal, Dossier
from dossiers.runner import calendar_of, record_only, refused
from dossiers.selectors import pending_apology_proposal
from procedures import worktime
from procedures.formatting import vn_short_datetime


def _check_apology(d: Dossier, *, reason: str, new_appointment_at: datetime) -> None:
    if not reason.strip():
        raise InvalidInput(_("Hãy nêu lý do chậm giải quyết."))
    if d.state not in OPEN_STATES:
        raise refused(d, "apologise")
    if Apology.objects.filter(dossier=d).exists():
        raise TransitionRefused(_("Hồ sơ này đã có phiếu xin lỗi và hẹn lại; chỉ được hẹn lại một lần."))
    if new_appointment_at <= d.appointment_at:
        raise InvalidInput(_("Ngày hẹn trả mới phải sau ngày hẹn trả hiện tại."))


def apology_is_late(d: Dossier, at: datetime) -> bool:
    """Later than the legal limit: less than N working days (setting, default 1) before the due time."""
    cal = calendar_of(d)
    lead = timedelta(seconds=cal.seconds_per_day * settings.ONECUA["APOLOGY_MIN_LEAD_WORKING_DAYS"])
    return worktime.working_time_between(cal, at, d.due_at) < lead


def dossier_propose_apology(*, dossier: Dossier, actor, reason: str, new_appointment_at: datetime,
                            expected_version: int | None = None) -> Dossier:
    """The officer proposes form 04 (reason and new appointment); the leader issues it."""
    if not reason.strip():
        raise InvalidInput(_("Hãy nêu lý do chậm giải quyết."))

    def apply(d, now):
        _check_apology(d, reason=reason, new_appointment_at=new_appointment_at)
        ApologyProposal.objects.create(dossier=d, reason=reason.strip(), new_appointment_at=new_appointment_at,
                                       proposed_by=actor, proposed_at=now)
        return _("%(reason)s (hẹn lại: %(at)s)") % {"reason": reason.strip(),
                                                    "at": vn_short_datetime(new_appointment_at)}

    return record_only(dossier=dossier, actor=actor, action="propose_apology", expected_version=expected_version,
                        apply=apply)


def dossier_apologise(*, dossier: Dossier, actor, reason: str, new_appointment_at: datetime,
                      expected_version: int | None = None) -> Dossier:
    """The leader issues form 04, once, at any time while the dossier is open (on the officer's proposal or
    not); it sets the appointment time shown to the applicant, never timeliness (judged against due_at). One
    issued later than the legal limit (N working days before the due time) is marked late."""
    if not reason.strip():
        raise InvalidInput(_("Hãy nêu lý do chậm giải quyết."))

    def apply(d, now):
        _check_apology(d, reason=reason, new_appointment_at=new_appointment_at)
        proposal = pending_apology_proposal(d)
        late = apology_is_late(d, now)
        apology = Apology.objects.create(
            dossier=d, reason=reason.strip(), original_appointment_at=d.appointment_at,
            new_appointment_at=new_appointment_at, issued_by=actor, issued_at=now, is_late=late,
            proposed_by=proposal.proposed_by if proposal else None)
        form_numbers.issue_form_number(apology)
        Dossier.objects.filter(pk=d.pk).update(appointment_at=new_appointment_at)
        d.appointment_at = new_appointment_at
        return reason.strip() + (" " + _("(lập muộn, sau thời hạn luật định)") if late else "")

    return record_only(dossier=dossier, actor=actor, action="apologise", expected_version=expected_version,
                        apply=apply)
