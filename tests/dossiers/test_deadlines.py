"""Due times on a dossier: reception with the receiving agency's calendar, pauses, timeliness, the apology."""

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from core.errors import ActionForbidden, InvalidInput, TransitionRefused
from dossiers import recompute, services
from dossiers.models import ClockPause, PauseKind, State
from procedures import worktime
from procedures.calendars import build_calendar
from procedures.models import AgencyKind, CalendarException, CalendarExceptionKind
from tests.builders import at, fresh, last_event, snapshot, vn
from tests.factories import AgencyFactory, ProcedureFactory, RequiredDocumentFactory, SameDayProcedureFactory

pytestmark = pytest.mark.django_db


def receive(world, dossier, moment, **kwargs):
    with at(moment):
        return services.dossier_receive(dossier=dossier, actor=world.user("clerk@desk"), **kwargs)


# ------------------------------------------------------------------ reception
def test_three_working_days_received_monday_10_00_are_due_thursday_10_00(world):
    dossier = world.submitted(at_time=vn(2025, 3, 10, 9, 50))
    dossier = receive(world, dossier, vn(2025, 3, 10, 10, 0))

    assert dossier.state == State.RECEIVED and dossier.national_status_code == 2
    assert dossier.received_at == dossier.clock_started_at == vn(2025, 3, 10, 10, 0)
    assert dossier.due_at == vn(2025, 3, 13, 10, 0)
    assert dossier.appointment_at == dossier.due_at
    assert dossier.book_entry_no == 1
    assert (dossier.deadline_amount, dossier.deadline_unit) == (Decimal("3"), "working_days")
    # The receipt tells the applicant when to come back.
    assert last_event(dossier).note == "Hẹn trả: 10:00 13/03/2025"


def test_same_day_after_the_cut_off_is_due_the_next_working_day_at_closing(world):
    procedure = SameDayProcedureFactory()  # cut-off 15:00
    late = receive(
        world, world.submitted(procedure=procedure, at_time=vn(2025, 3, 10, 15, 0)), vn(2025, 3, 10, 15, 30)
    )
    assert late.clock_started_at == vn(2025, 3, 11, 7, 0)
    assert late.due_at == late.appointment_at == vn(2025, 3, 11, 17, 0)
    assert late.deadline_cutoff == time(15, 0)

    early = receive(
        world, world.submitted(procedure=procedure, at_time=vn(2025, 3, 10, 14, 0)), vn(2025, 3, 10, 14, 59)
    )
    assert early.due_at == vn(2025, 3, 10, 17, 0)


def test_a_friday_cut_off_moves_same_day_to_monday(world):
    procedure = SameDayProcedureFactory()
    dossier = receive(
        world, world.submitted(procedure=procedure, at_time=vn(2025, 3, 14, 16, 0)), vn(2025, 3, 14, 16, 0)
    )
    assert dossier.due_at == vn(2025, 3, 17, 17, 0)


def test_one_working_day_on_a_friday_before_a_make_up_saturday(world):
    procedure = ProcedureFactory(deadline_amount=Decimal("1"))
    dossier = receive(
        world, world.submitted(procedure=procedure, at_time=vn(2026, 8, 21, 14, 0)), vn(2026, 8, 21, 14, 0)
    )
    assert dossier.due_at == vn(2026, 8, 22, 14, 0)


def test_the_receiving_agency_s_province_calendar_is_used(world):
    """A province-only day off (Wed 12 Mar 2025) moves due times at its desks, not at another province's."""
    CalendarException.objects.create(
        date=vn(2025, 3, 12).date(),
        kind=CalendarExceptionKind.DAY_OFF,
        note="Nghỉ lễ địa phương",
        province=world.province,
    )
    far_desk = AgencyFactory(
        identifier="H62.22.10", kind=AgencyKind.COMMUNE_CENTRE, parent=world.other_province
    )

    here = receive(world, world.submitted(at_time=vn(2025, 3, 10, 10, 0)), vn(2025, 3, 10, 10, 0))
    there = world.submitted(agency=far_desk, at_time=vn(2025, 3, 10, 10, 0))
    with at(vn(2025, 3, 10, 10, 0)):
        from tests.factories import MembershipFactory

        clerk = MembershipFactory(agency=far_desk).user
        there = services.dossier_receive(dossier=there, actor=clerk)

    assert here.due_at == vn(2025, 3, 14, 10, 0)
    assert there.due_at == vn(2025, 3, 13, 10, 0)


def test_the_receiving_agency_s_working_hours_are_used(world):
    world.desk.afternoon_close = time(16, 30)
    world.desk.save()
    procedure = ProcedureFactory(deadline_amount=Decimal("4"), deadline_unit="working_hours")
    dossier = receive(
        world, world.submitted(procedure=procedure, at_time=vn(2025, 3, 10, 14, 0)), vn(2025, 3, 10, 14, 0)
    )
    # 14:00–16:30 is 2.5 h, then 1.5 h from Tue 07:00.
    assert dossier.due_at == vn(2025, 3, 11, 8, 30)


def test_receive_is_refused_while_a_mandatory_document_is_missing(world):
    extra = RequiredDocumentFactory(procedure=world.procedure, position=3, name="Bản sao giấy khai sinh")
    dossier = world.submitted(provided=False)
    before = snapshot(dossier)
    with at(vn(2025, 3, 10, 10, 0)), pytest.raises(InvalidInput) as exc:
        services.dossier_receive(dossier=dossier, actor=world.user("clerk@desk"))

    message = exc.value.message
    assert message.startswith("Chưa thể tiếp nhận: còn thiếu giấy tờ bắt buộc:")
    assert "Tờ khai cấp bản sao" in message and extra.name in message
    assert "Văn bản ủy quyền" not in message  # optional
    assert snapshot(dossier) == before

    # Ticking the documents off at the desk lets the same clerk receive, and no book number was used up.
    # At reception the ids are the dossier's own checklist lines (at creation they are the procedure's documents).
    lines = list(dossier.documents.filter(mandatory=True).values_list("pk", flat=True))
    dossier = receive(world, dossier, vn(2025, 3, 10, 10, 5), provided_document_ids=lines)
    assert dossier.state == State.RECEIVED and dossier.book_entry_no == 1
    assert set(dossier.documents.filter(provided=True).values_list("name", flat=True)) == {
        "Tờ khai cấp bản sao",
        "Bản sao giấy khai sinh",
    }


def test_receive_keeps_the_rule_in_force_at_reception(world):
    dossier = receive(world, world.submitted(), vn(2025, 3, 10, 10, 0))
    world.procedure.deadline_amount = Decimal("10")
    world.procedure.save()
    recompute.dossier_recompute_due(dossier=fresh(dossier))
    assert fresh(dossier).due_at == vn(2025, 3, 13, 10, 0)


def test_book_entry_numbers_run_per_agency_per_year(world):
    first = receive(world, world.submitted(), vn(2025, 3, 10, 10, 0))
    second = receive(world, world.submitted(), vn(2025, 12, 31, 16, 0))
    next_year = receive(world, world.submitted(), vn(2026, 1, 5, 8, 0))
    with at(vn(2025, 3, 10, 10, 0)):
        elsewhere = services.dossier_receive(
            dossier=world.submitted(agency=world.other_desk), actor=world.user("clerk@other_desk")
        )
    assert [first.book_entry_no, second.book_entry_no, next_year.book_entry_no] == [1, 2, 1]
    assert elsewhere.book_entry_no == 1


# ------------------------------------------------------------------ pauses (rule 7)
def test_a_supplement_pause_across_a_make_up_saturday_and_holidays_keeps_the_remaining_time(world):
    cal = build_calendar(agency=world.desk)
    dossier = world.processing(received_at=vn(2025, 4, 22, 10, 0), forwarded_at=vn(2025, 4, 22, 11, 0))
    assert dossier.due_at == vn(2025, 4, 25, 10, 0)
    officer = world.user("officer@dept")

    with at(vn(2025, 4, 24, 15, 0)):
        dossier = services.dossier_request_supplement(dossier=dossier, actor=officer, items=["Bản sao sổ đỏ"])
    assert dossier.state == State.SUPPLEMENT_REQUESTED and dossier.national_status_code == 5
    assert dossier.supplement_count == 1
    pause = ClockPause.objects.get(dossier=dossier)
    assert pause.ended_at is None and pause.kind == PauseKind.SUPPLEMENT
    assert dossier.due_at == vn(2025, 4, 25, 10, 0)  # frozen while paused

    with at(vn(2025, 5, 6, 16, 0)):
        dossier = services.dossier_answer_supplement(dossier=dossier, actor=world.user("clerk@desk"))

    pause.refresh_from_db()
    # Left at the pause: Thu 15:00–17:00 and Fri 07:00–10:00 = 5 h; from Tue 6 May 16:00: 1 h, then 4 h Wednesday.
    remaining_before = worktime.working_time_between(cal, pause.started_at, pause.due_before)
    remaining_after = worktime.working_time_between(cal, pause.ended_at, pause.due_after)
    assert remaining_before == remaining_after == timedelta(hours=5)
    assert dossier.due_at == dossier.appointment_at == pause.due_after == vn(2025, 5, 7, 11, 0)
    assert dossier.state == State.PROCESSING and dossier.national_status_code == 4


def test_an_awaiting_payment_pause_resumes_over_the_april_holidays(world):
    procedure = ProcedureFactory(deadline_amount=Decimal("2"))
    cal = build_calendar(agency=world.desk)
    dossier = world.processing(
        procedure=procedure, received_at=vn(2025, 4, 24, 9, 0), forwarded_at=vn(2025, 4, 24, 9, 30)
    )
    assert dossier.due_at == vn(2025, 4, 26, 9, 0)  # Saturday 26 April 2025 is a make-up working day
    officer = world.user("officer@dept")

    with at(vn(2025, 4, 25, 14, 0)):
        dossier = services.dossier_await_payment(dossier=dossier, actor=officer, reason="Chờ nộp thuế")
    assert dossier.state == State.AWAITING_PAYMENT and dossier.national_status_code == 6
    with at(vn(2025, 4, 29, 16, 0)):
        dossier = services.dossier_confirm_payment(dossier=dossier, actor=officer)

    pause = ClockPause.objects.get(dossier=dossier)
    assert pause.kind == PauseKind.PAYMENT
    # 5 h left (Fri 14–17, Sat 07–09); Tue 29 Apr 16–17, then 30/4, 1/5, 2/5 (swapped) and the weekend are off.
    assert worktime.working_time_between(cal, pause.started_at, pause.due_before) == timedelta(hours=5)
    assert worktime.working_time_between(cal, pause.ended_at, pause.due_after) == timedelta(hours=5)
    assert dossier.due_at == dossier.appointment_at == vn(2025, 5, 5, 11, 0)


def test_a_second_supplement_request_after_reception_is_counted(world):
    dossier = world.processing()  # due Thu 13 Mar 09:00
    officer, clerk = world.user("officer@dept"), world.user("clerk@desk")
    with at(vn(2025, 3, 10, 13, 30)):
        dossier = services.dossier_request_supplement(dossier=dossier, actor=officer, items=["Giấy tờ A"])
    assert not dossier.counts_as_late_by_supplements
    with at(vn(2025, 3, 11, 13, 30)):
        dossier = services.dossier_answer_supplement(dossier=dossier, actor=clerk)
    with at(vn(2025, 3, 12, 13, 30)):
        dossier = services.dossier_request_supplement(dossier=dossier, actor=officer, items=["Giấy tờ B"])
    with at(vn(2025, 3, 13, 13, 30)):
        dossier = services.dossier_answer_supplement(dossier=dossier, actor=clerk)

    assert dossier.supplement_count == 2
    assert dossier.counts_as_late_by_supplements
    assert list(dossier.supplement_requests.values_list("number", "before_reception")) == [
        (1, False),
        (2, False),
    ]
    assert dossier.pauses.count() == 2 and not dossier.pauses.filter(ended_at__isnull=True).exists()
    # Two pauses of one working day each: Thu 13 Mar 09:00 → Mon 17 Mar 09:00.
    assert dossier.due_at == vn(2025, 3, 17, 9, 0)


def test_desk_requests_before_reception_neither_count_nor_pause(world):
    clerk = world.user("clerk@desk")
    dossier = world.submitted(provided=False, at_time=vn(2025, 3, 10, 8, 0))
    form_line = dossier.documents.get(required_document=world.form)
    for request_at, answer_at in [
        (vn(2025, 3, 10, 8, 10), vn(2025, 3, 11, 8, 0)),
        (vn(2025, 3, 11, 8, 10), vn(2025, 3, 12, 8, 0)),
    ]:
        with at(request_at):
            dossier = services.dossier_request_supplement(dossier=dossier, actor=clerk, items=["Tờ khai"])
        assert dossier.state == State.SUPPLEMENT_REQUESTED and dossier.due_at is None
        with at(answer_at):
            dossier = services.dossier_answer_supplement(
                dossier=dossier, actor=clerk, provided_document_ids=[form_line.pk]
            )
        assert dossier.state == State.SUBMITTED

    assert (dossier.desk_supplement_count, dossier.supplement_count) == (2, 0)
    assert not dossier.counts_as_late_by_supplements
    assert not ClockPause.objects.filter(dossier=dossier).exists()
    assert list(dossier.supplement_requests.values_list("number", "before_reception")) == [
        (1, True),
        (2, True),
    ]
    # The clock starts at reception, not at submission: Wed 12 Mar 09:00 + 3 working days.
    dossier = receive(world, dossier, vn(2025, 3, 12, 9, 0))
    assert dossier.due_at == vn(2025, 3, 17, 9, 0)


def test_a_dossier_already_late_when_paused_stays_late(world):
    dossier = world.processing()  # due Thu 13 Mar 09:00
    officer = world.user("officer@dept")
    with at(vn(2025, 3, 14, 10, 0)):
        dossier = services.dossier_request_supplement(dossier=dossier, actor=officer, items=["Giấy tờ A"])
    with at(vn(2025, 3, 18, 10, 0)):
        dossier = services.dossier_answer_supplement(dossier=dossier, actor=world.user("clerk@desk"))
        dossier = services.dossier_propose(dossier=dossier, actor=officer, outcome="approved", note="")
        dossier = services.dossier_approve(dossier=dossier, actor=world.user("leader@dept"))
    assert dossier.due_at == vn(2025, 3, 13, 9, 0)
    assert dossier.timeliness == "late"


def test_a_pause_within_the_lunch_break_moves_nothing(world):
    dossier = world.processing()
    officer = world.user("officer@dept")
    with at(vn(2025, 3, 11, 11, 40)):
        dossier = services.dossier_await_payment(dossier=dossier, actor=officer, reason="Lệ phí")
    with at(vn(2025, 3, 11, 13, 0)):
        dossier = services.dossier_confirm_payment(dossier=dossier, actor=officer)
    assert dossier.due_at == vn(2025, 3, 13, 9, 0)


def test_stopping_a_paused_dossier_ends_its_pause(world):
    dossier = world.awaiting_payment()
    with at(vn(2025, 3, 12, 9, 0)):
        dossier = services.dossier_stop(
            dossier=dossier, actor=world.user("leader@dept"), reason="Không nộp lệ phí"
        )
    assert dossier.state == State.STOPPED and dossier.national_status_code == 8
    assert ClockPause.objects.get(dossier=dossier).ended_at == vn(2025, 3, 12, 9, 0)


# ------------------------------------------------------------------ timeliness (rule 9)
@pytest.mark.parametrize(
    "decided_at, expected",
    [
        (vn(2025, 3, 12, 16, 0), "early"),
        (vn(2025, 3, 13, 8, 0), "on_time"),
        (vn(2025, 3, 13, 10, 0), "on_time"),
        (vn(2025, 3, 13, 10, 1), "late"),
        (vn(2025, 3, 17, 8, 0), "late"),
    ],
)
@pytest.mark.parametrize("outcome", ["approved", "declined"])
def test_timeliness_is_judged_at_the_decision(world, decided_at, expected, outcome):
    dossier = world.proposed(outcome=outcome, received_at=vn(2025, 3, 10, 10, 0))
    assert dossier.due_at == vn(2025, 3, 13, 10, 0)
    leader = world.user("leader@dept")
    with at(decided_at):
        if outcome == "approved":
            dossier = services.dossier_approve(dossier=dossier, actor=leader)
        else:
            dossier = services.dossier_decline(dossier=dossier, actor=leader, reason="Không đủ điều kiện")
    assert dossier.state == State.RESOLVED and dossier.outcome == outcome
    assert dossier.resolved_at == decided_at
    assert dossier.timeliness == expected
    assert last_event(dossier).step_timeliness == expected


# ------------------------------------------------------------------ apology (form 04)
@pytest.fixture
def late_risk(world):
    """Processing at the department, received Mon 10 Mar 2025 10:00, due Thu 13 Mar 10:00."""
    return world.processing(received_at=vn(2025, 3, 10, 10, 0))


NEW_APPOINTMENT = vn(2025, 3, 17, 10, 0)


def apologise(world, dossier, moment, new=NEW_APPOINTMENT, actor="leader@dept"):
    with at(moment):
        return services.dossier_apologise(
            dossier=dossier, actor=world.user(actor), reason="Chờ ý kiến liên ngành", new_appointment_at=new
        )


def test_an_apology_sets_the_new_appointment_once(world, late_risk):
    dossier = apologise(world, late_risk, vn(2025, 3, 11, 10, 0))
    assert dossier.appointment_at == vn(2025, 3, 17, 10, 0)
    assert dossier.due_at == vn(2025, 3, 13, 10, 0)
    assert dossier.state == State.PROCESSING and dossier.version == late_risk.version + 1
    assert dossier.apology.original_appointment_at == vn(2025, 3, 13, 10, 0)
    assert not dossier.apology.is_late
    event = last_event(dossier)
    assert (event.action, event.from_state, event.to_state, event.note) == (
        "apologise",
        "processing",
        "processing",
        "Chờ ý kiến liên ngành",
    )

    before = snapshot(dossier)
    with pytest.raises(TransitionRefused, match="chỉ được hẹn lại một lần"):
        apologise(world, dossier, vn(2025, 3, 11, 11, 0), new=vn(2025, 3, 18, 10, 0))
    assert snapshot(dossier) == before


def test_an_apology_within_one_working_day_of_the_due_time_is_issued_and_marked_late(world, late_risk):
    # Exactly one working day before the due time (Thu 13 Mar 10:00) is still in time …
    in_time = apologise(world, world.processing(received_at=vn(2025, 3, 10, 10, 0)), vn(2025, 3, 12, 10, 0))
    assert not in_time.apology.is_late
    # … one minute later it is late, but still issued: the applicant gets the apology and the new appointment.
    dossier = apologise(world, late_risk, vn(2025, 3, 12, 10, 1))
    assert dossier.appointment_at == vn(2025, 3, 17, 10, 0) and dossier.apology.is_late
    assert "lập muộn" in last_event(dossier).note


def test_a_dossier_already_late_can_still_get_its_apology_once(world, late_risk, client):
    dossier = apologise(world, late_risk, vn(2025, 3, 14, 8, 0))  # after the due time
    assert dossier.apology.is_late and dossier.appointment_at == NEW_APPOINTMENT
    client.force_login(world.user("leader@dept"))
    body = client.get(reverse("workspace:detail", args=[dossier.pk])).content.decode()
    assert "lập muộn, sau thời hạn luật định" in body
    with pytest.raises(TransitionRefused, match="chỉ được hẹn lại một lần"):
        apologise(world, dossier, vn(2025, 3, 14, 9, 0), new=vn(2025, 3, 20, 10, 0))


def test_the_officer_proposes_the_apology_and_the_leader_issues_it(world, late_risk, client):
    officer = world.user("officer@dept")
    with at(vn(2025, 3, 11, 10, 0)), pytest.raises(ActionForbidden):
        services.dossier_apologise(dossier=late_risk, actor=officer, reason="Chờ ý kiến liên ngành",
                                   new_appointment_at=NEW_APPOINTMENT)
    with at(vn(2025, 3, 11, 10, 0)):
        proposed = services.dossier_propose_apology(dossier=late_risk, actor=officer,
                                                    reason="Chờ ý kiến liên ngành", new_appointment_at=NEW_APPOINTMENT)
    assert not hasattr(fresh(proposed), "apology")  # nothing issued, nothing told to the applicant yet
    assert proposed.appointment_at == late_risk.appointment_at
    assert last_event(proposed).action == "propose_apology"
    client.force_login(world.user("leader@dept"))
    body = client.get(reverse("workspace:detail", args=[proposed.pk])).content.decode()
    action = reverse("workspace:action", args=[proposed.pk, "apologise"])
    form = body.split(f'action="{action}"', 1)[1].split("</form>", 1)[0]
    assert "Chờ ý kiến liên ngành</textarea>" in form and 'value="17/03/2025"' in form
    with at(vn(2025, 3, 11, 14, 0)):
        issued = services.dossier_apologise(dossier=proposed, actor=world.user("leader@dept"),
                                            reason="Chờ ý kiến liên ngành", new_appointment_at=NEW_APPOINTMENT)
    assert issued.appointment_at == NEW_APPOINTMENT
    assert (issued.apology.issued_by, issued.apology.proposed_by) == (world.user("leader@dept"), officer)


def test_the_new_appointment_must_be_later(world, late_risk):
    before = snapshot(late_risk)
    with pytest.raises(InvalidInput, match="phải sau ngày hẹn trả hiện tại"):
        apologise(world, late_risk, vn(2025, 3, 11, 10, 0), new=vn(2025, 3, 13, 10, 0))
    assert snapshot(late_risk) == before


def test_an_apology_never_changes_timeliness(world, late_risk):
    dossier = apologise(world, late_risk, vn(2025, 3, 11, 10, 0))
    with at(vn(2025, 3, 11, 11, 0)):
        dossier = services.dossier_propose(
            dossier=dossier, actor=world.user("officer@dept"), outcome="approved", note=""
        )
    # After the old due time (Thu 13 10:00), before the new appointment (Mon 17 10:00).
    with at(vn(2025, 3, 14, 9, 0)):
        dossier = services.dossier_approve(dossier=dossier, actor=world.user("leader@dept"))
    assert dossier.timeliness == "late"
    assert last_event(dossier).step_timeliness == "late"


def test_a_resume_after_an_apology_keeps_the_apology_s_appointment(world, late_risk):
    dossier = apologise(world, late_risk, vn(2025, 3, 11, 10, 0))
    officer = world.user("officer@dept")
    with at(vn(2025, 3, 11, 14, 0)):
        dossier = services.dossier_await_payment(dossier=dossier, actor=officer, reason="Lệ phí")
    with at(vn(2025, 3, 12, 14, 0)):
        dossier = services.dossier_confirm_payment(dossier=dossier, actor=officer)
    assert dossier.due_at == vn(2025, 3, 14, 10, 0)
    assert dossier.appointment_at == vn(2025, 3, 17, 10, 0)
