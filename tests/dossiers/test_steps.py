"""Internal process steps (issue 23, parts 1–2): the process copied at reception with each step's own due time,
each hand-over recording the finished step's timeliness against that due time, pauses and calendar changes
moving the open steps, form 06 printing them."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import ConcurrentChange
from dossiers import services
from dossiers.models import Dossier, DossierEvent, DossierStep
from dossiers.recompute import recompute_open_dossiers
from dossiers.steps import step_due
from procedures.models import CalendarException, CalendarExceptionKind
from procedures.process import ProcessStep, StepAgency, StepRole
from procedures.worktime import TZ, WorkCalendar, add_working_time, working_time_between
from tests.builders import T_RECEIVE, at, fresh, vn

# 3 working days = 24 working hours, shared by four steps (received Mon 10/03/2025 09:00).
PROCESS = [
    ("Tiếp nhận, chuyển hồ sơ", StepRole.CLERK, StepAgency.RECEIVING, "4", False),
    ("Chuyên viên thẩm định", StepRole.OFFICER, StepAgency.COMPETENT, "12", False),
    ("Lãnh đạo ký duyệt", StepRole.LEADER, StepAgency.COMPETENT, "4", False),
    ("Trả kết quả", StepRole.CLERK, StepAgency.RECEIVING, "4", False),
]
DUES = [vn(2025, 3, 10, 15, 0), vn(2025, 3, 12, 9, 0), vn(2025, 3, 12, 15, 0), vn(2025, 3, 13, 9, 0)]


def give_process(procedure, process=PROCESS):
    for order, (name, role, kind, hours, may_skip) in enumerate(process, 1):
        ProcessStep.objects.create(procedure=procedure, order=order, name=name, role=role, agency_kind=kind,
                                   hours=Decimal(hours), may_skip=may_skip)


def steps_of(dossier) -> list[DossierStep]:
    return list(DossierStep.objects.filter(dossier_id=dossier.pk).order_by("order"))


def walk_with_a_late_review(world) -> Dossier:
    """Forwarded at once, reviewed a day late (Wed 10:00 against Wed 09:00), signed and returned in time."""
    give_process(world.procedure)
    dossier = world.received()
    with at(vn(2025, 3, 10, 10, 0)):
        dossier = services.dossier_forward(dossier=dossier, actor=world.user("clerk@desk"), to_agency=world.dept)
    with at(vn(2025, 3, 10, 10, 30)):
        dossier = services.dossier_assign(dossier=dossier, actor=world.user("leader@dept"),
                                          officer=world.user("officer@dept"))
    with at(vn(2025, 3, 12, 10, 0)):
        dossier = services.dossier_propose(dossier=dossier, actor=world.user("officer@dept"), outcome="approved",
                                           note="Đủ điều kiện")
    with at(vn(2025, 3, 12, 11, 0)):
        dossier = services.dossier_approve(dossier=dossier, actor=world.user("leader@dept"))
    with at(vn(2025, 3, 12, 14, 0)):
        dossier = services.dossier_return_result(dossier=dossier, actor=world.user("clerk@desk"),
                                                 delivery="in_person")
    return dossier


# ---------------------------------------------------------------- copy at reception
def test_reception_copies_the_process_with_each_steps_due_time_from_the_legal_clock(world):
    give_process(world.procedure)
    dossier = world.received()
    steps = steps_of(dossier)
    assert [(s.name, s.role, s.hours, s.end_hours) for s in steps] == [
        ("Tiếp nhận, chuyển hồ sơ", "clerk", 4, 4), ("Chuyên viên thẩm định", "officer", 12, 16),
        ("Lãnh đạo ký duyệt", "leader", 4, 20), ("Trả kết quả", "clerk", 4, 24)]
    assert [s.due_at for s in steps] == DUES
    assert steps[-1].due_at == fresh(dossier).due_at  # the last step ends at the dossier's own due time
    assert steps[0].started_at == T_RECEIVE and all(s.started_at is None for s in steps[1:])
    assert fresh(dossier).has_steps


def test_a_later_change_of_the_process_does_not_change_a_received_dossiers_copy(world):
    give_process(world.procedure)
    dossier = world.received()
    ProcessStep.objects.filter(procedure=world.procedure, order=2).update(name="Đổi tên", hours=Decimal("2"))
    assert steps_of(dossier)[1].name == "Chuyên viên thẩm định" and steps_of(dossier)[1].due_at == DUES[1]


def test_a_procedure_without_a_process_gives_no_steps(world):
    dossier = world.received()
    assert steps_of(dossier) == [] and not fresh(dossier).has_steps


# ---------------------------------------------------------------- timeliness of each step
def test_each_hand_over_records_its_steps_timeliness_against_the_steps_own_due_time(world):
    dossier = walk_with_a_late_review(world)
    steps = steps_of(dossier)
    assert [(s.timeliness, s.finished_at) for s in steps] == [
        ("on_time", vn(2025, 3, 10, 10, 0)), ("late", vn(2025, 3, 12, 10, 0)),
        ("on_time", vn(2025, 3, 12, 11, 0)), ("early", vn(2025, 3, 12, 14, 0))]
    assert [s.started_at for s in steps] == [T_RECEIVE, vn(2025, 3, 10, 10, 0), vn(2025, 3, 12, 10, 0),
                                            vn(2025, 3, 12, 11, 0)]
    dossier = fresh(dossier)
    assert dossier.timeliness == "early"  # the dossier as a whole is within its time
    events = dict(DossierEvent.objects.filter(dossier=dossier).values_list("action", "step_timeliness"))
    assert events["propose"] == "late" and events["forward"] == "on_time" and events["assign"] == ""


def test_a_step_that_may_be_skipped_is_marked_skipped_when_the_next_role_acts(world):
    process = [PROCESS[0], ("Chuyên viên thẩm định", StepRole.OFFICER, StepAgency.COMPETENT, "12", True),
               *PROCESS[2:]]
    give_process(world.procedure, process)
    dossier = world.processing()
    with at(vn(2025, 3, 10, 10, 0)):
        services.dossier_assign(dossier=dossier, actor=world.user("leader@dept"), officer=world.user("officer@dept"))
    steps = steps_of(dossier)
    assert (steps[1].skipped, steps[1].timeliness) == (True, "")
    assert (steps[2].skipped, steps[2].timeliness) == (False, "early")
    assert steps[3].started_at == vn(2025, 3, 10, 10, 0) and steps[3].finished_at is None


def test_an_actor_without_the_current_steps_role_finishes_no_step(world):
    give_process(world.procedure)
    dossier = world.processing()
    with at(vn(2025, 3, 10, 10, 0)):
        services.dossier_assign(dossier=dossier, actor=world.user("leader@dept"), officer=world.user("officer@dept"))
    assert [s.finished_at is not None for s in steps_of(dossier)] == [True, False, False, False]


def test_a_refused_hand_over_records_no_step(world):
    give_process(world.procedure)
    dossier = world.received()
    with at(vn(2025, 3, 10, 10, 0)), pytest.raises(ConcurrentChange):
        services.dossier_forward(dossier=dossier, actor=world.user("clerk@desk"), to_agency=world.dept,
                                 expected_version=dossier.version + 5)
    assert all(s.finished_at is None for s in steps_of(dossier))


# ---------------------------------------------------------------- pauses and calendar changes
def test_a_pause_moves_every_open_step_by_the_paused_working_time(world):
    give_process(world.procedure)
    dossier = world.processing()  # step 1 finished at 09:30 by the clerk's hand-over
    with at(vn(2025, 3, 10, 14, 0)):
        dossier = services.dossier_request_supplement(dossier=dossier, actor=world.user("officer@dept"),
                                                      items=["Giấy khai sinh"])
    with at(vn(2025, 3, 11, 14, 0)):  # one working day later
        services.dossier_answer_supplement(dossier=dossier, actor=services.APPLICANT, note="Đã bổ sung")
    steps = steps_of(dossier)
    assert steps[0].due_at == DUES[0]  # finished: its result is final
    assert [s.due_at for s in steps[1:]] == [vn(2025, 3, 13, 9, 0), vn(2025, 3, 13, 15, 0), vn(2025, 3, 14, 9, 0)]
    assert steps[-1].due_at == fresh(dossier).due_at


def test_a_new_day_off_moves_the_open_steps_through_the_recompute_path(world):
    give_process(world.procedure)
    dossier = world.received()
    CalendarException.objects.create(date=date(2025, 3, 11), kind=CalendarExceptionKind.DAY_OFF,
                                     note="Nghỉ đột xuất")
    recompute_open_dossiers()
    assert [s.due_at for s in steps_of(dossier)] == [DUES[0], vn(2025, 3, 13, 9, 0), vn(2025, 3, 13, 15, 0),
                                                     vn(2025, 3, 14, 9, 0)]
    assert fresh(dossier).due_at == vn(2025, 3, 14, 9, 0)


# ---------------------------------------------------------------- property: the legal clock
CAL = WorkCalendar.vietnam()
instants = st.builds(lambda day, minute: datetime.combine(date(2025, 1, 1) + timedelta(days=day), time(0), tzinfo=TZ)
                     + timedelta(minutes=minute), st.integers(0, 600), st.integers(0, 24 * 60 - 1))


@settings(max_examples=300, deadline=None)
@given(received=instants, hours=st.lists(st.integers(1, 40), min_size=1, max_size=6),
       pause_after=st.integers(0, 60 * 24 * 20), pause_minutes=st.integers(0, 60 * 24 * 15),
       days=st.booleans())
def test_property_a_pause_moves_every_later_step_by_the_paused_working_time(received, hours, pause_after,
                                                                            pause_minutes, days):
    dossier = Dossier(received_at=received, deadline_unit="working_days" if days else "working_hours",
                      deadline_cutoff=None)
    ends = [Decimal(sum(hours[:i + 1])) for i in range(len(hours))]
    paused = received + timedelta(minutes=pause_after)
    resumed = paused + timedelta(minutes=pause_minutes)
    paused_time = working_time_between(CAL, paused, resumed)
    for end in ends:
        before = step_due(CAL, dossier, end)
        after = step_due(CAL, dossier, end, [(paused, resumed)])
        if before <= paused:  # due before the pause: untouched (a late step stays late, rule 7)
            assert after == before
        else:
            assert working_time_between(CAL, before, after) == paused_time
            assert after == add_working_time(CAL, before, paused_time) or paused_time == timedelta(0)
    # The last step ends at the dossier's own due time, pause or not.
    total = Decimal(sum(hours))
    from procedures import worktime
    amount = total / 8 if days else total
    assert step_due(CAL, dossier, total, [(paused, resumed)]) == worktime.recompute_due(
        CAL, received, amount, dossier.deadline_unit, pauses=[(paused, resumed)])


# ---------------------------------------------------------------- form 06 (read back as text)
def test_form_06_shows_each_step_with_its_due_time_and_result_the_late_one_late(world):
    from printing.documents import render_dossier_form
    from tests.printing.test_forms import flat

    dossier = walk_with_a_late_review(world)
    text = flat(render_dossier_form("06", fresh(dossier)).pdf)
    table = text[text.index("Các bước xử lý theo quy trình nội bộ"):]
    review = table[table.index("2. Chuyên viên thẩm định"):table.index("3. Lãnh đạo ký duyệt")]
    assert "09 giờ 00 phút, ngày 12/03/2025" in review and "10 giờ 00 phút, ngày 12/03/2025" in review
    assert "Quá hạn" in review
    signing = table[table.index("3. Lãnh đạo ký duyệt"):table.index("4. Trả kết quả")]
    assert "Đúng hạn" in signing and "Quá hạn" not in signing
    assert "Trước hạn" in table[table.index("4. Trả kết quả"):]
    assert table.count("Quá hạn") == 1  # only the review was late
    assert "Thời hạn giải quyết: 09 giờ 00 phút, ngày 13/03/2025" in text


def test_the_late_step_counts_late_in_the_766_progress_indicator_while_the_dossier_is_on_time(world):
    from reports import indices

    walk_with_a_late_review(world)
    with at(vn(2025, 3, 31, 17, 0)):
        rows, whole = indices.scores_766(agency_ids={world.desk.pk, world.dept.pk}, start=date(2025, 3, 1),
                                         end=date(2025, 3, 31))
    steps, dossiers = whole["step_on_time"], whole["on_time"]
    assert (steps.numerator, steps.denominator) == (3, 4)  # four steps finished, the review late
    assert (dossiers.numerator, dossiers.denominator) == (1, 1)  # the dossier itself on time


# ---------------------------------------------------------------- the deadline sweep
def test_the_sweep_warns_whoever_holds_a_step_about_to_be_late_once(world):
    from notifications import sweep
    from notifications.models import Notification

    give_process(world.procedure)
    officer, leader = world.user("officer@dept"), world.user("leader@dept")
    type(officer).objects.filter(pk=officer.pk).update(email="cv@so.vn")
    type(leader).objects.filter(pk=leader.pk).update(email="ld@so.vn")
    dossier = world.processing()  # the review (officer, unassigned) is due Wed 12/03 09:00
    with at(vn(2025, 3, 10, 10, 0)):
        services.dossier_assign(dossier=dossier, actor=leader, officer=type(officer).objects.get(pk=officer.pk))
    with at(vn(2025, 3, 11, 8, 0)):  # Tue: the step falls due tomorrow: no warning yet
        assert sweep.deadline_sweep().step_warnings == 0
    with at(vn(2025, 3, 12, 7, 30)):  # Wed: due at 09:00 today
        summary, again = sweep.deadline_sweep(), sweep.deadline_sweep()
    assert (summary.step_warnings, again.step_warnings) == (1, 0)
    warning = Notification.objects.get(idempotency_key__startswith="step-due:")
    assert warning.kind == "digest"
    assert warning.recipient == "cv@so.vn" and warning.dossier_id == dossier.pk
    assert "Chuyên viên thẩm định" in warning.subject and "09 giờ 00 phút, ngày 12/03/2025" in warning.body
    with at(vn(2025, 3, 12, 9, 30)):  # already late: no longer "about to be"
        assert sweep.deadline_sweep().step_warnings == 0


# ---------------------------------------------------------------- the queue's figures
def test_the_queue_helper_gives_each_dossiers_current_step_in_one_query(world, django_assert_num_queries):
    from dossiers.steps import current_steps, step_is_late

    give_process(world.procedure)
    dossier = world.processing()
    with at(vn(2025, 3, 12, 10, 0)):
        services.dossier_propose(dossier=dossier, actor=world.user("officer@dept"), outcome="approved", note="Đủ")
    plain = world.received()
    ProcessStep.objects.filter(procedure=world.procedure).delete()
    without = world.received()
    page = list(Dossier.objects.filter(pk__in=[dossier.pk, plain.pk, without.pk]))
    with django_assert_num_queries(1):
        current = current_steps(page)
    assert {pk: s.name for pk, s in current.items()} == {dossier.pk: "Lãnh đạo ký duyệt",
                                                         plain.pk: "Tiếp nhận, chuyển hồ sơ"}
    assert current[dossier.pk].due_at == vn(2025, 3, 12, 15, 0)
    assert not step_is_late(current[dossier.pk], vn(2025, 3, 12, 15, 0))
    assert step_is_late(current[dossier.pk], vn(2025, 3, 12, 15, 1))
    without = fresh(without)
    with django_assert_num_queries(0):  # no dossier of the page has a process: nothing read
        assert current_steps([without]) == {}


def test_the_queue_helper_reads_the_queues_own_rows(world):
    from dossiers.selectors import queue_page
    from dossiers.steps import current_steps

    give_process(world.procedure)
    dossier = world.processing()
    rows = queue_page(Dossier.objects.filter(pk=dossier.pk), offset=0, limit=25)
    assert {pk: s.name for pk, s in current_steps(rows).items()} == {dossier.pk: "Chuyên viên thẩm định"}


# ---------------------------------------------------------------- the queue (acceptance)
def test_the_queue_shows_the_current_steps_due_time_and_its_lateness_while_the_dossier_is_on_time(client, world):
    give_process(world.procedure)
    dossier = world.processing()
    officer = world.user("officer@dept")
    with at(vn(2025, 3, 10, 10, 0)):
        services.dossier_assign(dossier=dossier, actor=world.user("leader@dept"), officer=officer)
    client.force_login(officer)
    with at(vn(2025, 3, 12, 10, 0)):  # the review was due at 09:00; the dossier is due Thu 13/03 09:00
        body = " ".join(client.get("/can-bo/?q_key=all").content.decode().split())
    row = body[body.index(fresh(dossier).code):]
    row = row[:row.index("</tr>")]
    assert "2. Chuyên viên thẩm định: 09:00 12/03/2025 (quá hạn)" in row
    assert "13/03/2025" in row and row.count("(quá hạn)") == 1  # the dossier itself is within its time
