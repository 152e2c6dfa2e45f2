"""The action registry: every action on a dossier, described once.

An entry names the fsm transition it runs (or the transition it must be able to run, for an action that only
records a proposal), who may do it (roles, and at which agency), the staff form that asks for its input (by
class name in workspace.forms, which this app does not import), the printed form it issues, what the applicant
reads about it on the tracking page, and the message kind the applicant is sent (composed by the
notifications app). The service that performs it is `dossiers.services.dossier_<name>`, called with the staff
form's `service_kwargs()`.

Everything else is derived from here: permissions.RULES, the staff page's buttons and forms, the citizen's
timeline, the outbox's choice of message. Adding an action: one entry below plus its service.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from accounts.models import Role
from dossiers.states import OPEN_STATES

RECEIVING, HANDLING = "receiving", "handling"
R = Role


class ActionName(models.TextChoices):
    """Every action on a dossier: the event rows' `action`, and the key of its entry below."""

    SUBMIT = "submit", _("Nộp hồ sơ")
    RECEIVE = "receive", _("Tiếp nhận hồ sơ")
    REFUSE = "refuse", _("Từ chối tiếp nhận")
    REQUEST_SUPPLEMENT = "request_supplement", _("Yêu cầu bổ sung, hoàn thiện hồ sơ")
    ANSWER_SUPPLEMENT = "answer_supplement", _("Bổ sung hồ sơ")
    FORWARD = "forward", _("Chuyển xử lý")
    ASSIGN = "assign", _("Phân công xử lý")
    PROPOSE = "propose", _("Đề xuất kết quả")
    AWAIT_PAYMENT = "await_payment", _("Chờ thực hiện nghĩa vụ tài chính")
    CONFIRM_PAYMENT = "confirm_payment", _("Đã thực hiện nghĩa vụ tài chính")
    APPROVE = "approve", _("Phê duyệt kết quả")
    DECLINE = "decline", _("Không phê duyệt, trả lời bằng văn bản")
    STOP = "stop", _("Dừng giải quyết")
    PROPOSE_STOP = "propose_stop", _("Đề xuất dừng giải quyết")
    WITHDRAW = "withdraw", _("Rút hồ sơ")
    RETURN_RESULT = "return_result", _("Trả kết quả")
    APOLOGISE = "apologise", _("Xin lỗi và hẹn lại ngày trả")
    PROPOSE_APOLOGY = "propose_apology", _("Đề xuất xin lỗi và hẹn lại")
    CLAIM = "claim", _("Liên kết hồ sơ với tài khoản")
    PAYMENT_RECEIVED = "payment_received", _("Đã thanh toán trực tuyến")


@dataclass(frozen=True)
class Rule:
    """Who may: one of `roles`, at the dossier's receiving desk or at the agency now handling it."""

    label: str  # what the actor would do, for "you may not …" (lower case)
    roles: frozenset[str]
    agency: str  # RECEIVING or HANDLING


def rule(label, roles, agency) -> Rule:
    return Rule(label, frozenset(roles), agency)


@dataclass(frozen=True)
class Action:
    name: ActionName
    rule: Rule | None  # None: only the applicant (submitting)
    transitions: tuple[str, ...] = ()  # fsm methods; the first whose conditions hold runs
    button: str = ""  # the staff page's button; empty: not offered on the staff page
    form: str = ""  # class name in workspace.forms
    prints: str | None = None  # the printed form it issues (forms 01–05)
    danger: bool = False  # asks for confirmation first
    citizen_text: str = ""  # the tracking page's line; {note} and {to_agency} are filled in
    message: str | None = None  # the applicant's message kind (notifications.messages); None: none
    records_only: bool = False  # records a proposal or an apology: no transition runs
    possible: Callable[[object], bool] | None = None  # when it may be offered, if not "a transition can run"
    rule_before_reception: Rule | None = None  # the rule while the dossier is not received yet
    service_name: str = ""  # the service in dossiers.services, when not dossier_<name>
    hands_on: bool = False  # hands the dossier on: finishes the current step of its process (dossiers/steps.py)

    @property
    def label(self) -> str:
        return str(self.name.label)

    @property
    def service(self) -> str:
        return self.service_name or f"dossier_{self.name.value}"

    def transition_for(self, dossier) -> str:
        """The fsm method this action runs on `dossier` (the first whose source and conditions hold)."""
        for name in self.transitions:
            if can_proceed(getattr(dossier, name)):
                return name
        return self.transitions[0]

    def is_possible(self, dossier) -> bool:
        if self.possible is not None:
            return self.possible(dossier)
        return any(can_proceed(getattr(dossier, name)) for name in self.transitions)

    def rule_for(self, dossier=None) -> Rule:
        if self.rule_before_reception is not None and dossier is not None and dossier.received_at is None:
            return self.rule_before_reception
        return self.rule


def _may_apologise(dossier) -> bool:
    return dossier.state in OPEN_STATES and not hasattr(dossier, "apology")  # one apology per dossier


A = ActionName
_ENTRIES = [
    Action(A.SUBMIT, None, service_name="dossier_submit_online", citizen_text=_("Hồ sơ đã được nộp, đang chờ Bộ phận Một cửa kiểm tra.")),
    Action(A.RECEIVE, rule(_("tiếp nhận"), {R.CLERK}, RECEIVING), ("receive",),
           _("Tiếp nhận và in giấy hẹn (mẫu 01)"), "NoteForm", prints="01", message="received",
           citizen_text=_("Hồ sơ đã được tiếp nhận. Thời hạn giải quyết bắt đầu được tính.")),
    Action(A.REQUEST_SUPPLEMENT, rule(_("yêu cầu bổ sung"), {R.OFFICER, R.LEADER}, HANDLING),
           ("request_supplement",), _("Yêu cầu bổ sung (mẫu 02)"), "SupplementForm", prints="02",
           message="supplement_requested", rule_before_reception=rule(_("yêu cầu bổ sung"), {R.CLERK}, RECEIVING),
           citizen_text=_("Cơ quan đề nghị bổ sung, hoàn thiện hồ sơ: {note}")),
    Action(A.REFUSE, rule(_("từ chối tiếp nhận"), {R.CLERK}, RECEIVING), ("refuse",),
           _("Từ chối tiếp nhận (mẫu 03)"), "ReasonForm", prints="03", danger=True, message="refused",
           citizen_text=_("Hồ sơ không được tiếp nhận. Lý do: {note}")),
    Action(A.ANSWER_SUPPLEMENT, rule(_("nhận hồ sơ bổ sung"), {R.CLERK}, RECEIVING),
           ("supplement_at_desk", "supplement_at_authority"), _("Nhận hồ sơ bổ sung"), "NoteForm",
           citizen_text=_("Bạn đã bổ sung hồ sơ.")),
    Action(A.FORWARD, rule(_("chuyển xử lý"), {R.CLERK, R.OFFICER, R.LEADER}, HANDLING), ("forward",),
           _("Chuyển xử lý"), "ForwardForm",
           citizen_text=_("Hồ sơ đã được chuyển đến {to_agency} để giải quyết."), hands_on=True),
    Action(A.ASSIGN, rule(_("phân công"), {R.LEADER, R.OFFICER}, HANDLING), ("assign",),
           _("Phân công chuyên viên"), "AssignForm", citizen_text=_("Hồ sơ đang được cán bộ xem xét."), hands_on=True),
    Action(A.AWAIT_PAYMENT, rule(_("chuyển chờ nghĩa vụ tài chính"), {R.OFFICER}, HANDLING), ("await_payment",),
           _("Chờ nghĩa vụ tài chính"), "PaymentRequestForm",
           citizen_text=_("Đề nghị bạn thực hiện nghĩa vụ tài chính (phí, lệ phí, thuế): {note}")),
    Action(A.CONFIRM_PAYMENT, rule(_("xác nhận đã nộp nghĩa vụ tài chính"), {R.OFFICER, R.CLERK}, HANDLING),
           ("confirm_payment",), _("Đã nộp nghĩa vụ tài chính"), "NoteForm",
           citizen_text=_("Đã ghi nhận bạn hoàn thành nghĩa vụ tài chính.")),
    Action(A.PROPOSE, rule(_("đề xuất kết quả"), {R.OFFICER}, HANDLING), ("propose",), _("Đề xuất kết quả"),
           "ProposeForm", citizen_text=_("Hồ sơ đang được trình lãnh đạo phê duyệt."), hands_on=True),
    Action(A.APPROVE, rule(_("phê duyệt"), {R.LEADER}, HANDLING), ("approve",), _("Phê duyệt"), "NoteForm",
           message="resolved", citizen_text=_("Đã có kết quả giải quyết. Mời bạn nhận kết quả."), hands_on=True),
    Action(A.DECLINE, rule(_("không phê duyệt"), {R.LEADER}, HANDLING), ("decline",),
           _("Không phê duyệt (trả lời bằng văn bản)"), "ReasonForm", danger=True, message="resolved",
           citizen_text=_("Cơ quan có văn bản trả lời không giải quyết. Mời bạn nhận văn bản trả lời."), hands_on=True),
    # Form 04 is issued by the agency's leader; the officer may propose it.
    Action(A.PROPOSE_APOLOGY, rule(_("đề xuất xin lỗi và hẹn lại"), {R.OFFICER}, HANDLING), (),
           _("Đề xuất xin lỗi và hẹn lại (mẫu 04)"), "ApologyForm", records_only=True, possible=_may_apologise),
    Action(A.APOLOGISE, rule(_("lập phiếu xin lỗi và hẹn lại"), {R.LEADER}, HANDLING), (),
           _("Lập phiếu xin lỗi và hẹn lại (mẫu 04)"), "ApologyIssueForm", prints="04", message="apology",
           records_only=True, possible=_may_apologise,
           citizen_text=_("Cơ quan xin lỗi vì chậm giải quyết và hẹn lại thời gian trả kết quả.")),
    # Stopping a dossier at the agency's initiative is the leader's decision; the officer may propose it.
    Action(A.PROPOSE_STOP, rule(_("đề xuất dừng giải quyết"), {R.OFFICER}, HANDLING), ("stop",),
           _("Đề xuất dừng giải quyết"), "ReasonForm", records_only=True),
    Action(A.STOP, rule(_("quyết định dừng giải quyết"), {R.LEADER}, HANDLING), ("stop",),
           _("Quyết định dừng giải quyết"), "StopForm", danger=True, message="stopped",
           citizen_text=_("Cơ quan dừng giải quyết hồ sơ. Lý do: {note}")),
    Action(A.WITHDRAW, rule(_("rút hồ sơ thay công dân"), {R.CLERK}, RECEIVING), ("withdraw",),
           _("Công dân rút hồ sơ (mẫu 05)"), "ReasonForm", prints="05", danger=True, message="withdrawn",
           citizen_text=_("Hồ sơ đã được rút theo đề nghị của bạn.")),
    Action(A.RETURN_RESULT, rule(_("trả kết quả"), {R.CLERK}, RECEIVING), ("return_result",), _("Trả kết quả"),
           "ReturnForm", message="returned", citizen_text=_("Bạn đã nhận kết quả."), hands_on=True),
    # The gateway confirmed an online payment (payments/): a dossier paused for it resumes (rule 7).
    Action(A.PAYMENT_RECEIVED, None, ("confirm_payment",), message="paid",
           citizen_text=_("Đã nhận khoản thanh toán trực tuyến của bạn: {note}")),
    # A signed-in applicant adds the dossier to their account (dossier_claim checks it is theirs).
    Action(A.CLAIM, None, records_only=True, citizen_text=_("Hồ sơ đã được thêm vào tài khoản của bạn.")),
]
ACTIONS: dict[str, Action] = {entry.name.value: entry for entry in _ENTRIES}
# The staff page's actions, in the order of their buttons.
STAFF_ACTIONS: dict[str, Action] = {name: a for name, a in ACTIONS.items() if a.button}
