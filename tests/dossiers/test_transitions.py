"""Every dossier action: allowed for the right role at the right agency, forbidden otherwise, refused in the
wrong state; a refusal changes nothing; each success writes one event and moves the national status code."""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from core.errors import ActionForbidden, InvalidInput, TransitionRefused
from dossiers import services
from dossiers.models import ClockPause, Dossier, PauseKind, State
from tests.builders import T_ACT, at, fresh, last_event, make, snapshot, vn

pytestmark = pytest.mark.django_db


def _officer_of(w, d):
    return w.user("officer@desk" if d.handling_agency_id == w.desk.pk else "officer@dept")


def _no_pause(w, d):
    assert not ClockPause.objects.filter(dossier=d).exists()


def _effect_receive(w, d):
    assert d.received_at == T_ACT
    assert d.due_at == vn(2025, 3, 14, 10, 0)  # 3 working days from Tue 11 Mar 10:00
    assert d.appointment_at == d.due_at
    assert d.book_entry_no == 1


def _effect_refuse(w, d):
    assert d.decision_reason == "Hồ sơ không thuộc thẩm quyền"
    assert d.finished_at == T_ACT
    assert d.received_at is None and d.due_at is None


def _effect_desk_supplement(w, d):
    assert (d.desk_supplement_count, d.supplement_count) == (1, 0)
    assert d.due_at is None
    _no_pause(w, d)
    request = d.supplement_requests.get()
    assert request.before_reception and request.items == ["Bản sao giấy khai sinh"]


def _effect_authority_supplement(w, d):
    assert (d.desk_supplement_count, d.supplement_count) == (0, 1)
    pause = ClockPause.objects.get(dossier=d)
    assert (pause.kind, pause.started_at, pause.ended_at) == (PauseKind.SUPPLEMENT, T_ACT, None)
    assert pause.due_before == d.due_at == vn(2025, 3, 13, 9, 0)
    assert not d.supplement_requests.get().before_reception


def _effect_answer_at_desk(w, d):
    assert d.received_at is None and d.due_at is None
    assert d.supplement_requests.get().answered_at == T_ACT
    _no_pause(w, d)


def _effect_answer_at_authority(w, d):
    pause = ClockPause.objects.get(dossier=d)
    assert pause.ended_at == T_ACT
    # Paused Mon 10 Mar 14:00, resumed Tue 11 Mar 10:00: 6 working hours paused (Mon 14–17, Tue 07–10), so the
    # due time Thu 13 Mar 09:00 moves by 6 h: Thu 09:00–11:30 (2.5 h) + 13:30–17:00 (3.5 h) → Thu 13 Mar 17:00.
    assert d.due_at == pause.due_after == vn(2025, 3, 13, 17, 0)
    assert d.appointment_at == d.due_at
    assert d.handling_agency == w.dept


def _effect_forward(w, d):
    assert d.handling_agency == w.dept
    event = last_event(d)
    assert (event.from_agency, event.to_agency) == (w.desk, w.dept)
    assert event.step_timeliness == "early"  # Tue 11 Mar, due Thu 13 Mar


def _effect_assign(w, d):
    assert d.assigned_officer == w.user("officer@dept")


def _effect_propose(w, d):
    assert d.proposed_outcome == "approved"
    assert d.proposal_note == "Đủ điều kiện"


def _effect_await_payment(w, d):
    pause = ClockPause.objects.get(dossier=d)
    assert (pause.kind, pause.started_at, pause.ended_at) == (PauseKind.PAYMENT, T_ACT, None)


def _effect_confirm_payment(w, d):
    pause = ClockPause.objects.get(dossier=d)
    assert pause.ended_at == T_ACT and pause.due_after == d.due_at


def _effect_decided(outcome):
    def check(w, d):
        assert d.outcome == outcome
        assert d.resolved_at == T_ACT
        assert d.timeliness == "early"  # Tue 11 Mar, due Thu 13 Mar
        assert d.handling_agency == w.desk  # the result goes back to the desk …
        assert d.competent_agency == w.dept  # … and the department that decided stays the competent agency
        event = last_event(d)
        assert (event.from_agency, event.to_agency) == (w.dept, w.desk)
        assert event.step_timeliness == "early"

    return check


def _effect_stop(w, d):
    assert d.decision_reason == "Không đủ điều kiện" and d.finished_at == T_ACT
    assert d.competent_agency == w.dept


def _effect_withdraw(w, d):
    assert d.decision_reason == "Không còn nhu cầu" and d.finished_at == T_ACT


def _effect_return(w, d):
    assert d.returned_at == T_ACT and d.result_delivery == "in_person"


def _effect_apologise(w, d):
    assert d.appointment_at == vn(2025, 3, 17, 10, 0)
    assert d.due_at == vn(2025, 3, 13, 9, 0)  # the legal due time does not move
    apology = d.apology
    assert apology.original_appointment_at == vn(2025, 3, 13, 9, 0)
    assert apology.issued_by == w.user("leader@dept")


@dataclass(frozen=True)
class Case:
    id: str
    action: str  # the event's action
    setup: str
    act: Callable
    allowed: str
    wrong_role: str
    other_agency: str
    to_state: State
    code: int
    wrong_state: str
    wrong_state_actor: str
    effect: Callable = field(default=lambda w, d: None)


CASES = [
    Case(
        id="receive",
        action="receive",
        setup="submitted",
        act=lambda w, d, a: services.dossier_receive(dossier=d, actor=a),
        allowed="clerk@desk",
        wrong_role="officer@desk",
        other_agency="clerk@other_desk",
        to_state=State.RECEIVED,
        code=2,
        wrong_state="received",
        wrong_state_actor="clerk@desk",
        effect=_effect_receive,
    ),
    Case(
        id="refuse",
        action="refuse",
        setup="submitted",
        act=lambda w, d, a: services.dossier_refuse(
            dossier=d, actor=a, reason="Hồ sơ không thuộc thẩm quyền"
        ),
        allowed="clerk@desk",
        wrong_role="leader@desk",
        other_agency="clerk@other_desk",
        to_state=State.REFUSED,
        code=3,
        wrong_state="processing",
        wrong_state_actor="clerk@desk",
        effect=_effect_refuse,
    ),
    Case(
        id="request_supplement_at_desk",
        action="request_supplement",
        setup="submitted",
        act=lambda w, d, a: services.dossier_request_supplement(
            dossier=d, actor=a, items=["Bản sao giấy khai sinh"]
        ),
        allowed="clerk@desk",
        wrong_role="officer@desk",
        other_agency="clerk@other_desk",
        to_state=State.SUPPLEMENT_REQUESTED,
        code=5,
        wrong_state="refused",
        wrong_state_actor="clerk@desk",
        effect=_effect_desk_supplement,
    ),
    # After reception the handling agency (the department) asks; the desk's officer no longer may.
    Case(
        id="request_supplement_after_reception",
        action="request_supplement",
        setup="processing",
        act=lambda w, d, a: services.dossier_request_supplement(
            dossier=d, actor=a, items=["Xác nhận tình trạng"]
        ),
        allowed="officer@dept",
        wrong_role="clerk@dept",
        other_agency="officer@desk",
        to_state=State.SUPPLEMENT_REQUESTED,
        code=5,
        wrong_state="awaiting_payment",
        wrong_state_actor="officer@dept",
        effect=_effect_authority_supplement,
    ),
    Case(
        id="answer_supplement_at_desk",
        action="answer_supplement",
        setup="desk_supplement",
        act=lambda w, d, a: services.dossier_answer_supplement(dossier=d, actor=a, note="Đã bổ sung"),
        allowed="clerk@desk",
        wrong_role="officer@desk",
        other_agency="clerk@other_desk",
        to_state=State.SUBMITTED,
        code=1,
        wrong_state="submitted",
        wrong_state_actor="clerk@desk",
        effect=_effect_answer_at_desk,
    ),
    # The receiving desk takes in the supplement, not a clerk of the handling department.
    Case(
        id="answer_supplement_after_reception",
        action="answer_supplement",
        setup="authority_supplement",
        act=lambda w, d, a: services.dossier_answer_supplement(dossier=d, actor=a, note="Đã bổ sung"),
        allowed="clerk@desk",
        wrong_role="officer@desk",
        other_agency="clerk@dept",
        to_state=State.PROCESSING,
        code=4,
        wrong_state="processing",
        wrong_state_actor="clerk@desk",
        effect=_effect_answer_at_authority,
    ),
    Case(
        id="forward",
        action="forward",
        setup="received",
        act=lambda w, d, a: services.dossier_forward(dossier=d, actor=a, to_agency=w.dept),
        allowed="clerk@desk",
        wrong_role="inspector@desk",
        other_agency="clerk@other_desk",
        to_state=State.PROCESSING,
        code=4,
        wrong_state="submitted",
        wrong_state_actor="clerk@desk",
        effect=_effect_forward,
    ),
    Case(
        id="assign",
        action="assign",
        setup="processing",
        act=lambda w, d, a: services.dossier_assign(dossier=d, actor=a, officer=_officer_of(w, d)),
        allowed="leader@dept",
        wrong_role="clerk@dept",
        other_agency="leader@desk",
        to_state=State.PROCESSING,
        code=4,
        wrong_state="received",
        wrong_state_actor="leader@desk",
        effect=_effect_assign,
    ),
    Case(
        id="propose",
        action="propose",
        setup="processing",
        act=lambda w, d, a: services.dossier_propose(
            dossier=d, actor=a, outcome="approved", note="Đủ điều kiện"
        ),
        allowed="officer@dept",
        wrong_role="leader@dept",
        other_agency="officer@desk",
        to_state=State.PROCESSING,
        code=4,
        wrong_state="received",
        wrong_state_actor="officer@desk",
        effect=_effect_propose,
    ),
    Case(
        id="await_payment",
        action="await_payment",
        setup="processing",
        act=lambda w, d, a: services.dossier_await_payment(dossier=d, actor=a, reason="Chờ nộp lệ phí"),
        allowed="officer@dept",
        wrong_role="leader@dept",
        other_agency="officer@other_desk",
        to_state=State.AWAITING_PAYMENT,
        code=6,
        wrong_state="received",
        wrong_state_actor="officer@desk",
        effect=_effect_await_payment,
    ),
    # The receiving desk's clerk has the right role but not at the handling agency.
    Case(
        id="confirm_payment",
        action="confirm_payment",
        setup="awaiting_payment",
        act=lambda w, d, a: services.dossier_confirm_payment(dossier=d, actor=a),
        allowed="officer@dept",
        wrong_role="leader@dept",
        other_agency="clerk@desk",
        to_state=State.PROCESSING,
        code=4,
        wrong_state="processing",
        wrong_state_actor="officer@dept",
        effect=_effect_confirm_payment,
    ),
    Case(
        id="approve",
        action="approve",
        setup="proposed",
        act=lambda w, d, a: services.dossier_approve(dossier=d, actor=a),
        allowed="leader@dept",
        wrong_role="officer@dept",
        other_agency="leader@desk",
        to_state=State.RESOLVED,
        code=9,
        wrong_state="processing",
        wrong_state_actor="leader@dept",
        effect=_effect_decided("approved"),
    ),
    Case(
        id="decline",
        action="decline",
        setup="proposed_declined",
        act=lambda w, d, a: services.dossier_decline(dossier=d, actor=a, reason="Không đủ điều kiện"),
        allowed="leader@dept",
        wrong_role="officer@dept",
        other_agency="leader@other_desk",
        to_state=State.RESOLVED,
        code=9,
        wrong_state="resolved",
        wrong_state_actor="leader@desk",
        effect=_effect_decided("declined"),
    ),
    Case(
        id="stop",
        action="stop",
        setup="processing",
        act=lambda w, d, a: services.dossier_stop(dossier=d, actor=a, reason="Không đủ điều kiện"),
        allowed="leader@dept",
        wrong_role="officer@dept",
        other_agency="leader@desk",
        to_state=State.STOPPED,
        code=8,
        wrong_state="resolved",
        wrong_state_actor="leader@desk",
        effect=_effect_stop,
    ),
    Case(
        id="withdraw_by_clerk",
        action="withdraw",
        setup="processing",
        act=lambda w, d, a: services.dossier_withdraw(dossier=d, actor=a, reason="Không còn nhu cầu"),
        allowed="clerk@desk",
        wrong_role="officer@desk",
        other_agency="clerk@other_desk",
        to_state=State.WITHDRAWN,
        code=7,
        wrong_state="resolved",
        wrong_state_actor="clerk@desk",
        effect=_effect_withdraw,
    ),
    Case(
        id="return_result",
        action="return_result",
        setup="resolved",
        act=lambda w, d, a: services.dossier_return_result(dossier=d, actor=a, delivery="in_person"),
        allowed="clerk@desk",
        wrong_role="officer@desk",
        other_agency="clerk@other_desk",
        to_state=State.RETURNED,
        code=10,
        wrong_state="processing",
        wrong_state_actor="clerk@desk",
        effect=_effect_return,
    ),
    Case(
        id="apologise",
        action="apologise",
        setup="processing",
        act=lambda w, d, a: services.dossier_apologise(
            dossier=d, actor=a, reason="Chờ ý kiến liên ngành", new_appointment_at=vn(2025, 3, 17, 10, 0)
        ),
        allowed="leader@dept",
        wrong_role="officer@dept",
        other_agency="leader@desk",
        to_state=State.PROCESSING,
        code=4,
        wrong_state="resolved",
        wrong_state_actor="leader@desk",
        effect=_effect_apologise,
    ),
]
IDS = [c.id for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_right_role_at_the_right_agency_may_act(world, case):
    dossier = make(world, case.setup)
    before = fresh(dossier)
    events_before = before.events.count()
    actor = world.user(case.allowed)
    with at(T_ACT):
        result = case.act(world, dossier, actor)

    after = fresh(dossier)
    assert result.state == after.state == case.to_state
    assert after.national_status_code == case.code
    assert after.version == before.version + 1
    event = last_event(after)
    assert after.events.count() == events_before + 1
    assert event.action == case.action
    assert event.actor == actor and event.actor_label == str(actor)
    assert (event.from_state, event.to_state) == (before.state, case.to_state)
    assert event.at == T_ACT
    case.effect(world, after)


@pytest.mark.parametrize("who", ["wrong_role", "other_agency"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_another_role_or_another_agency_is_forbidden_and_nothing_changes(world, case, who):
    dossier = make(world, case.setup)
    before = snapshot(dossier)
    with at(T_ACT), pytest.raises(ActionForbidden) as exc:
        case.act(world, dossier, world.user(getattr(case, who)))

    assert exc.value.message.startswith("Bạn không có quyền ")
    assert "cần vai trò" in exc.value.message
    assert snapshot(dossier) == before


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_wrong_state_is_refused_and_nothing_changes(world, case):
    dossier = make(world, case.wrong_state)
    before = snapshot(dossier)
    with at(T_ACT), pytest.raises(TransitionRefused) as exc:
        case.act(world, dossier, world.user(case.wrong_state_actor))

    assert f"hồ sơ {dossier.code} đang ở trạng thái “{State(dossier.state).label}”" in exc.value.message
    assert exc.value.message.startswith("Không thể ")
    assert snapshot(dossier) == before


def test_staff_without_login_are_told_to_sign_in(world):
    from django.contrib.auth.models import AnonymousUser

    dossier = world.submitted()
    before = snapshot(dossier)
    with pytest.raises(ActionForbidden, match="cần đăng nhập bằng tài khoản cán bộ"):
        services.dossier_receive(dossier=dossier, actor=AnonymousUser())
    assert snapshot(dossier) == before


def test_a_citizen_account_is_not_staff(world):
    dossier = world.submitted(applicant_user=world.citizen)
    before = snapshot(dossier)
    with pytest.raises(ActionForbidden, match="Bạn không có quyền tiếp nhận"):
        services.dossier_receive(dossier=dossier, actor=world.citizen)
    assert snapshot(dossier) == before


def test_an_inactive_membership_gives_no_right(world):
    dossier = world.submitted()
    clerk = world.user("clerk@desk")
    clerk.memberships.update(is_active=False)
    clerk = type(clerk).objects.get(pk=clerk.pk)  # memberships are cached per user object
    before = snapshot(dossier)
    with pytest.raises(ActionForbidden):
        services.dossier_receive(dossier=dossier, actor=clerk)
    assert snapshot(dossier) == before


# ------------------------------------------------------------------ the applicant withdraws
@pytest.mark.parametrize(
    "setup, from_state",
    [
        ("submitted", State.SUBMITTED),
        ("received", State.RECEIVED),
        ("processing", State.PROCESSING),
        ("authority_supplement", State.SUPPLEMENT_REQUESTED),
        ("awaiting_payment", State.AWAITING_PAYMENT),
    ],
)
def test_the_applicant_may_withdraw_before_a_decision(world, setup, from_state):
    dossier = make(world, setup)
    version = dossier.version
    with at(T_ACT):
        services.dossier_withdraw(dossier=dossier, actor=services.APPLICANT, reason="Không còn nhu cầu")

    after = fresh(dossier)
    assert after.state == State.WITHDRAWN and after.national_status_code == 7
    assert after.version == version + 1
    assert after.finished_at == T_ACT and after.decision_reason == "Không còn nhu cầu"
    event = last_event(after)
    assert (event.action, event.actor, event.actor_label) == ("withdraw", None, "Người nộp hồ sơ")
    assert (event.from_state, event.to_state) == (from_state, State.WITHDRAWN)
    # A withdrawal during a pause ends the pause: no clock stays stopped on a finished dossier.
    assert not ClockPause.objects.filter(dossier=after, ended_at__isnull=True).exists()


def test_a_withdrawal_without_a_reason_records_a_default_one(world):
    dossier = world.submitted()
    with at(T_ACT):
        services.dossier_withdraw(dossier=dossier, actor=services.APPLICANT)
    assert fresh(dossier).decision_reason == "Người nộp rút hồ sơ"


@pytest.mark.parametrize("setup", ["resolved", "returned", "refused"])
def test_the_applicant_cannot_withdraw_after_a_decision(world, setup):
    dossier = make(world, setup)
    before = snapshot(dossier)
    with at(T_ACT), pytest.raises(TransitionRefused, match="Không thể rút hồ sơ thay công dân"):
        services.dossier_withdraw(dossier=dossier, actor=services.APPLICANT)
    assert snapshot(dossier) == before


def test_the_applicant_may_answer_a_supplement_request(world):
    dossier = world.authority_supplement()
    with at(T_ACT):
        services.dossier_answer_supplement(dossier=dossier, actor=services.APPLICANT, note="Gửi qua cổng")
    after = fresh(dossier)
    assert after.state == State.PROCESSING
    assert last_event(after).actor_label == "Người nộp hồ sơ"
    assert after.supplement_requests.get().answer_note == "Gửi qua cổng"


# ------------------------------------------------------------------ the whole way, with the codes
def test_a_dossier_walks_the_whole_lifecycle_with_national_codes(world):
    clerk, officer, leader = world.user("clerk@desk"), world.user("officer@dept"), world.user("leader@dept")
    dossier = world.submitted(provided=False)
    form_line = dossier.documents.get(required_document=world.form)
    assert dossier.national_status_code == 1
    steps = [
        (
            vn(2025, 3, 10, 8, 30),
            lambda d: services.dossier_request_supplement(
                dossier=d, actor=clerk, items=["Tờ khai cấp bản sao"]
            ),
            5,
        ),
        (
            vn(2025, 3, 10, 8, 45),
            lambda d: services.dossier_answer_supplement(
                dossier=d, actor=clerk, provided_document_ids=[form_line.pk]
            ),
            1,
        ),
        (vn(2025, 3, 10, 9, 0), lambda d: services.dossier_receive(dossier=d, actor=clerk), 2),
        (
            vn(2025, 3, 10, 9, 30),
            lambda d: services.dossier_forward(dossier=d, actor=clerk, to_agency=world.dept),
            4,
        ),
        (
            vn(2025, 3, 10, 10, 0),
            lambda d: services.dossier_assign(dossier=d, actor=leader, officer=officer),
            4,
        ),
        (
            vn(2025, 3, 10, 10, 30),
            lambda d: services.dossier_request_supplement(
                dossier=d, actor=officer, items=["Xác nhận tình trạng"]
            ),
            5,
        ),
        (vn(2025, 3, 11, 8, 0), lambda d: services.dossier_answer_supplement(dossier=d, actor=clerk), 4),
        (
            vn(2025, 3, 11, 9, 0),
            lambda d: services.dossier_await_payment(dossier=d, actor=officer, reason="Lệ phí"),
            6,
        ),
        (vn(2025, 3, 11, 9, 30), lambda d: services.dossier_confirm_payment(dossier=d, actor=officer), 4),
        (
            vn(2025, 3, 11, 10, 0),
            lambda d: services.dossier_propose(
                dossier=d, actor=officer, outcome="approved", note="Đủ điều kiện"
            ),
            4,
        ),
        (vn(2025, 3, 11, 11, 0), lambda d: services.dossier_approve(dossier=d, actor=leader), 9),
        (
            vn(2025, 3, 12, 8, 0),
            lambda d: services.dossier_return_result(dossier=d, actor=clerk, delivery="post",
                                                     postal_tracking_no="RR123456789VN"),
            10,
        ),
    ]
    for moment, step, code in steps:
        with at(moment):
            dossier = step(dossier)
        assert dossier.national_status_code == code
        assert fresh(dossier).national_status_code == code

    events = list(dossier.events.order_by("at", "id").values_list("action", "from_state", "to_state"))
    assert events == [
        ("submit", "", "submitted"),
        ("request_supplement", "submitted", "supplement_requested"),
        ("answer_supplement", "supplement_requested", "submitted"),
        ("receive", "submitted", "received"),
        ("forward", "received", "processing"),
        ("assign", "processing", "processing"),
        ("request_supplement", "processing", "supplement_requested"),
        ("answer_supplement", "supplement_requested", "processing"),
        ("await_payment", "processing", "awaiting_payment"),
        ("confirm_payment", "awaiting_payment", "processing"),
        ("propose", "processing", "processing"),
        ("approve", "processing", "resolved"),
        ("return_result", "resolved", "returned"),
    ]
    assert dossier.version == len(steps)
    assert (dossier.desk_supplement_count, dossier.supplement_count) == (1, 1)
    assert not dossier.counts_as_late_by_supplements
    assert dossier.timeliness == "early"


def test_the_desk_hands_a_dossier_to_its_own_agency_s_officers(world):
    """A commune centre receives and handles its own procedures: the hand-over to its officers starts processing."""
    dossier = world.received()
    with at(T_ACT):
        dossier = services.dossier_forward(
            dossier=dossier, actor=world.user("clerk@desk"), to_agency=world.desk
        )
    assert dossier.state == State.PROCESSING and dossier.handling_agency == world.desk
    event = last_event(dossier)
    assert (event.from_agency, event.to_agency) == (world.desk, world.desk)
    with at(T_ACT):
        dossier = services.dossier_assign(
            dossier=dossier, actor=world.user("leader@desk"), officer=world.user("officer@desk")
        )
    assert dossier.assigned_officer == world.user("officer@desk")


def test_a_processing_dossier_cannot_be_forwarded_to_the_agency_holding_it(world):
    dossier = world.processing()
    before = snapshot(dossier)
    with at(T_ACT), pytest.raises(InvalidInput, match="Hồ sơ đang ở chính cơ quan này"):
        services.dossier_forward(dossier=dossier, actor=world.user("officer@dept"), to_agency=world.dept)
    assert snapshot(dossier) == before


def test_the_handling_agency_forwards_onward_and_loses_the_right_to_act(world):
    dossier = world.processing()
    officer = world.user("officer@dept")
    with at(T_ACT):
        dossier = services.dossier_forward(
            dossier=dossier, actor=officer, to_agency=world.other_desk, note="Liên thông"
        )
    event = last_event(dossier)
    assert (event.action, event.from_agency, event.to_agency, event.note) == (
        "forward",
        world.dept,
        world.other_desk,
        "Liên thông",
    )
    assert dossier.handling_agency == world.other_desk
    before = snapshot(dossier)
    with at(T_ACT), pytest.raises(ActionForbidden):
        services.dossier_propose(dossier=dossier, actor=officer, outcome="approved", note="")
    assert snapshot(dossier) == before


def test_forwarding_drops_the_assignment_and_the_proposal(world):
    dossier = world.proposed()
    with at(T_ACT):
        dossier = services.dossier_assign(
            dossier=dossier, actor=world.user("leader@dept"), officer=world.user("officer@dept")
        )
        dossier = services.dossier_forward(
            dossier=dossier, actor=world.user("leader@dept"), to_agency=world.desk
        )
    assert dossier.assigned_officer is None
    assert dossier.proposed_outcome == ""


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda w, d: services.dossier_decline(dossier=d, actor=w.user("leader@dept"), reason="x"),
            "Quyết định khác với đề xuất",
        ),
        (
            lambda w, d: services.dossier_assign(
                dossier=d, actor=w.user("leader@dept"), officer=w.user("officer@desk")
            ),
            "không phải chuyên viên của cơ quan đang xử lý",
        ),
        (
            lambda w, d: services.dossier_propose(
                dossier=d, actor=w.user("officer@dept"), outcome="declined", note=" "
            ),
            "phải nêu rõ lý do",
        ),
        (
            lambda w, d: services.dossier_stop(dossier=d, actor=w.user("leader@dept"), reason=" "),
            "lý do dừng giải quyết",
        ),
    ],
    ids=[
        "decline-against-proposal",
        "assign-outsider",
        "decline-proposal-without-reason",
        "stop-without-reason",
    ],
)
def test_invalid_input_is_refused_with_a_message_and_nothing_changes(world, call, message):
    dossier = world.proposed()
    before = snapshot(dossier)
    with at(T_ACT), pytest.raises(InvalidInput, match=message):
        call(world, dossier)
    assert snapshot(dossier) == before


def test_a_refusal_needs_a_reason(world):
    dossier = world.submitted()
    before = snapshot(dossier)
    with pytest.raises(InvalidInput, match="lý do từ chối tiếp nhận"):
        services.dossier_refuse(dossier=dossier, actor=world.user("clerk@desk"), reason="  ")
    assert snapshot(dossier) == before


def test_national_status_codes_are_one_to_ten(world):
    dossier = Dossier(state=State.SUBMITTED)
    codes = {}
    for state in State:
        dossier.__dict__["state"] = state  # the fsm field is protected against plain assignment
        codes[state] = dossier.national_status_code
    assert sorted(codes.values()) == list(range(1, 11))
    assert codes[State.SUBMITTED] == 1 and codes[State.RETURNED] == 10


# ------------------------------------------------------------------ stopping at the agency's initiative (form 05)
def test_the_officer_proposes_a_stop_and_only_the_leader_decides_it(world, client):
    dossier = world.processing()
    officer, leader = world.user("officer@dept"), world.user("leader@dept")
    with at(T_ACT), pytest.raises(ActionForbidden, match="quyết định dừng giải quyết"):
        services.dossier_stop(dossier=dossier, actor=officer, reason="Không đủ điều kiện")
    assert fresh(dossier).state == State.PROCESSING
    with at(T_ACT):
        proposed = services.dossier_propose_stop(dossier=fresh(dossier), actor=officer,
                                                 reason="Người nộp không đủ điều kiện theo Điều 5")
    assert proposed.state == State.PROCESSING and proposed.version == fresh(dossier).version
    event = last_event(dossier)
    assert (event.action, event.actor, event.note) == ("propose_stop", officer,
                                                       "Người nộp không đủ điều kiện theo Điều 5")
    # The leader's page offers the decision with the officer's reasons filled in; the officer's does not.
    client.force_login(leader)
    body = client.get(reverse("workspace:detail", args=[dossier.pk])).content.decode()
    assert "Quyết định dừng giải quyết" in body and "Người nộp không đủ điều kiện theo Điều 5</textarea>" in body
    client.force_login(officer)
    body = client.get(reverse("workspace:detail", args=[dossier.pk])).content.decode()
    assert "Quyết định dừng giải quyết" not in body
    with at(T_ACT):
        stopped = services.dossier_stop(dossier=fresh(dossier), actor=leader, reason="Không đủ điều kiện (Điều 5)")
    assert stopped.state == State.STOPPED and stopped.decision_reason == "Không đủ điều kiện (Điều 5)"
    assert last_event(dossier).actor == leader


def test_a_stop_proposal_needs_reasons_and_an_open_dossier(world):
    officer = world.user("officer@dept")
    dossier = world.processing()
    with at(T_ACT), pytest.raises(InvalidInput, match="lý do đề xuất dừng"):
        services.dossier_propose_stop(dossier=dossier, actor=officer, reason="  ")
    with at(T_ACT):
        stopped = services.dossier_stop(dossier=dossier, actor=world.user("leader@dept"), reason="Không đủ điều kiện")
    before = snapshot(stopped)
    with at(T_ACT), pytest.raises(TransitionRefused, match="Dừng giải quyết"):
        services.dossier_propose_stop(dossier=stopped, actor=officer, reason="Không đủ điều kiện")
    assert snapshot(stopped) == before


def test_the_competent_agency_follows_the_hand_over_and_is_kept_after_the_decision(world, client):
    dossier = world.received()
    assert dossier.competent_agency == world.desk  # until the desk hands it over
    with at(T_ACT):
        dossier = services.dossier_forward(dossier=dossier, actor=world.user("clerk@desk"), to_agency=world.dept)
    assert fresh(dossier).competent_agency == world.dept
    with at(T_ACT):
        dossier = services.dossier_forward(dossier=dossier, actor=world.user("officer@dept"),
                                           to_agency=world.other_desk, note="Xin ý kiến phối hợp")
        dossier = services.dossier_forward(dossier=dossier, actor=world.user("officer@other_desk"),
                                           to_agency=world.dept, note="Trả lời phối hợp")
    assert fresh(dossier).competent_agency == world.dept  # a consultation does not move the competence
    with at(T_ACT):
        dossier = services.dossier_propose(dossier=dossier, actor=world.user("officer@dept"), outcome="approved",
                                           note="Đủ điều kiện")
        dossier = services.dossier_approve(dossier=dossier, actor=world.user("leader@dept"))
    dossier = fresh(dossier)
    assert (dossier.handling_agency, dossier.competent_agency) == (world.desk, world.dept)
    client.force_login(world.user("clerk@desk"))
    body = client.get(reverse("workspace:detail", args=[dossier.pk])).content.decode()
    assert f'id="competent-agency">{world.dept.name}<' in body


def test_a_result_sent_by_post_needs_its_postal_number(world):
    from core.errors import InvalidInput

    dossier = world.resolved()
    clerk = world.user("clerk@desk")
    with at(T_ACT), pytest.raises(InvalidInput, match="số hiệu bưu gửi"):
        services.dossier_return_result(dossier=dossier, actor=clerk, delivery="post")
    assert fresh(dossier).state == "resolved"  # refused: nothing changed
    with at(T_ACT):
        services.dossier_return_result(dossier=fresh(dossier), actor=clerk, delivery="post",
                                       postal_tracking_no=" RR987654321VN ")
    assert fresh(dossier).postal_tracking_no == "RR987654321VN"
