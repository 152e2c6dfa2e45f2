"""The deadline sweep: each morning, officers and leaders are told what falls due and what is late."""

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation

from accounts.models import Role, StaffMembership
from core.tasks import IDEMPOTENT
from dossiers.models import RUNNING_STATES, Dossier, DossierStep
from notifications.models import Notification, NotificationChannel
from notifications.outbox import save_new
from procedures import worktime
from procedures.calendars import build_calendar
from procedures.formatting import vn_datetime, vn_short_datetime

log = logging.getLogger(__name__)


@dataclass
class SweepSummary:
    digests: int = 0
    apology_prompts: int = 0
    step_warnings: int = 0


def leaders_to_email(*, agency_ids) -> QuerySet[StaffMembership]:
    """The active leader memberships of those agencies whose user has an e-mail address (user loaded)."""
    return (StaffMembership.objects.filter(agency_id__in=agency_ids, role=Role.LEADER, is_active=True)
            .exclude(user__email="").select_related("user"))


def staff_row(*, key: str, kind: str, user, agency_id: int, subject: str, lines: list[str],
               dossier=None) -> Notification:
    return Notification(
        idempotency_key=key, kind=kind, channel=NotificationChannel.EMAIL, recipient=user.email,
        recipient_user=user, agency_id=agency_id, dossier=dossier, subject=f"[Một Cửa] {subject}"[:255],
        body="\n".join([f"Kính gửi {user.display_name},", "", *lines, "",
                        "Thư này được gửi tự động từ hệ thống Một Cửa."]))


def deadline_sweep(*, now: datetime | None = None) -> SweepSummary:
    """Once a day per officer (the hourly runs after the first find the rows already written): a digest of
    dossiers due today and overdue. One working day before the last moment an apology may be issued, the
    handling officer (or, unassigned, the agency's leaders) is prompted to issue it. Idempotent by key."""
    now = now or timezone.now()
    today = worktime.to_local(now).date()
    tomorrow = datetime.combine(today + timedelta(days=1), time(0), tzinfo=worktime.TZ)
    summary = SweepSummary()
    calendars: dict[int, object] = {}

    def calendar_of(agency):
        if agency.pk not in calendars:
            calendars[agency.pk] = build_calendar(agency=agency)
        return calendars[agency.pk]

    due = list(Dossier.objects.filter(state__in=RUNNING_STATES, due_at__lt=tomorrow)
               .select_related("handling_agency", "procedure").order_by("due_at", "pk"))
    by_agency: dict[int, list[Dossier]] = {}
    for d in due:
        by_agency.setdefault(d.handling_agency_id, []).append(d)
    staff = (StaffMembership.objects.filter(agency_id__in=by_agency, role__in=[Role.OFFICER, Role.LEADER],
                                            is_active=True).exclude(user__email="")
             .select_related("user", "agency"))
    rows = []
    with translation.override("vi"):
        for m in staff:
            if not calendar_of(m.agency).is_working_day(today):
                continue
            mine = [d for d in by_agency[m.agency_id]
                    if m.role == Role.LEADER or d.assigned_officer_id == m.user_id]
            if not mine:
                continue
            overdue = [d for d in mine if d.due_at <= now]
            today_list = [d for d in mine if d.due_at > now]
            lines = [f"Tình hình hồ sơ tại {m.agency.name} ngày {today:%d/%m/%Y}:", ""]
            if overdue:
                lines.append(f"Quá hạn ({len(overdue)}):")
                lines += [f"  - {d.code} – {d.procedure.name} – hạn {vn_short_datetime(d.due_at)}" for d in overdue]
            if today_list:
                lines.append(f"Đến hạn hôm nay ({len(today_list)}):")
                lines += [f"  - {d.code} – {d.procedure.name} – hạn {vn_short_datetime(d.due_at)}"
                          for d in today_list]
            rows.append(staff_row(
                key=f"digest:{m.user_id}:{m.agency_id}:{m.role}:{today:%Y%m%d}", kind="digest", user=m.user,
                agency_id=m.agency_id, subject=f"Hồ sơ đến hạn và quá hạn ngày {today:%d/%m/%Y}", lines=lines))

        lead_days = settings.ONECUA["APOLOGY_MIN_LEAD_WORKING_DAYS"]
        at_risk = (Dossier.objects.filter(state__in=RUNNING_STATES, apology__isnull=True, due_at__gt=now,
                                          due_at__lt=now + timedelta(days=7 * (lead_days + 2)))
                   .select_related("receiving_agency", "handling_agency", "assigned_officer", "procedure"))
        risky = []
        for d in at_risk:
            cal = calendar_of(d.receiving_agency)
            remaining = worktime.working_time_between(cal, now, d.due_at)
            lead = timedelta(seconds=cal.seconds_per_day * lead_days)
            if lead <= remaining <= lead + timedelta(seconds=cal.seconds_per_day):
                risky.append(d)
        # Unassigned dossiers go to their agency's leaders: read once for all those agencies.
        leaders: dict[int, list] = {}
        for m in leaders_to_email(agency_ids={d.handling_agency_id for d in risky
                                              if not (d.assigned_officer_id and d.assigned_officer.email)}):
            leaders.setdefault(m.agency_id, []).append(m.user)
        for d in risky:
            if d.assigned_officer_id and d.assigned_officer.email:
                recipients = [d.assigned_officer]
            else:
                recipients = leaders.get(d.handling_agency_id, [])
            for user in recipients:
                rows.append(staff_row(
                    key=f"apology-prompt:{d.pk}:{d.due_at:%Y%m%dT%H%M}:{user.pk}", kind="apology_prompt",
                    user=user, agency_id=d.handling_agency_id, dossier=d,
                    subject=f"Hồ sơ {d.code} có nguy cơ trễ hạn: lập phiếu xin lỗi (mẫu 04)",
                    lines=[f"Hồ sơ {d.code} ({d.procedure.name}) có hạn giải quyết {vn_datetime(d.due_at)}.",
                           f"Nếu không kịp giải quyết, phiếu xin lỗi và hẹn lại phải được lập chậm nhất "
                           f"{lead_days} ngày làm việc trước hạn giải quyết."]))
        rows += step_warnings(now=now, tomorrow=tomorrow)
    with transaction.atomic():
        created = save_new(rows)
    # A step's warning is a staff digest of one step (kind "digest"), told apart by its key.
    summary.step_warnings = sum(1 for r in created if r.idempotency_key.startswith("step-due:"))
    summary.digests = sum(1 for r in created if r.kind == "digest") - summary.step_warnings
    summary.apology_prompts = sum(1 for r in created if r.kind == "apology_prompt")
    log.info("Deadline sweep: %s digests, %s apology prompts, %s step warnings", summary.digests,
             summary.apology_prompts, summary.step_warnings)
    return summary


def step_warnings(*, now: datetime, tomorrow: datetime) -> list[Notification]:
    """The current steps of the internal process (dossiers/steps.py) that fall due later today: whoever holds
    the step is warned once per step and due time (a pause that moves it brings a new warning). An officer's step
    goes to the assigned officer (unassigned: the agency's leaders), a leader's to the handling agency's leaders,
    a clerk's to the receiving desk's clerks."""
    due = list(DossierStep.objects.filter(finished_at__isnull=True, started_at__isnull=False, due_at__gt=now,
                                          due_at__lt=tomorrow, dossier__state__in=RUNNING_STATES)
               .select_related("dossier", "dossier__procedure", "dossier__assigned_officer"))
    if not due:
        return []
    agencies = {s.dossier.handling_agency_id for s in due} | {s.dossier.receiving_agency_id for s in due}
    staff: dict[tuple[int, str], list] = {}
    for m in (StaffMembership.objects.filter(agency_id__in=agencies, is_active=True,
                                             role__in=[Role.LEADER, Role.CLERK]).exclude(user__email="")
              .select_related("user")):
        staff.setdefault((m.agency_id, m.role), []).append(m.user)
    rows = []
    for step in due:
        d = step.dossier
        if step.role == Role.OFFICER and d.assigned_officer_id and d.assigned_officer.email:
            recipients = [d.assigned_officer]
        elif step.role == Role.CLERK:
            recipients = staff.get((d.receiving_agency_id, Role.CLERK), [])
        else:
            recipients = staff.get((d.handling_agency_id, Role.LEADER), [])
        for user in recipients:
            agency_id = d.receiving_agency_id if step.role == Role.CLERK else d.handling_agency_id
            rows.append(staff_row(
                key=f"step-due:{step.pk}:{step.due_at:%Y%m%dT%H%M}:{user.pk}", kind="digest", user=user,
                agency_id=agency_id, dossier=d,
                subject=f"Hồ sơ {d.code}: bước “{step.name}” sắp đến hạn",
                lines=[f"Bước “{step.order}. {step.name}” của hồ sơ {d.code} ({d.procedure.name}) có hạn "
                       f"{vn_datetime(step.due_at)}.",
                       "Hãy hoàn thành và chuyển bước tiếp theo trước thời hạn này để bước không bị quá hạn."]))
    return rows


@shared_task(name="notifications.deadline_sweep", time_limit=10 * 60, soft_time_limit=9 * 60, **IDEMPOTENT)
def deadline_sweep_task() -> dict:
    summary = deadline_sweep()
    return {"digests": summary.digests, "apology_prompts": summary.apology_prompts,
            "step_warnings": summary.step_warnings}
