"""Who may do what: each action names the roles allowed and the agency (receiving or handling) they act for."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from accounts.selectors import memberships_of

from .errors import ActionForbidden


@dataclass(frozen=True)
class Rule:
    label: str
    roles: frozenset[str]
    agency: str  # "receiving" or "handling"


R = Role
RULES: dict[str, Rule] = {
    "create_at_desk": Rule(gettext_lazy("tiếp nhận hồ sơ trực tiếp"), frozenset({R.CLERK}), "receiving"),
    "receive": Rule(gettext_lazy("tiếp nhận"), frozenset({R.CLERK}), "receiving"),
    "refuse": Rule(gettext_lazy("từ chối tiếp nhận"), frozenset({R.CLERK}), "receiving"),
    "request_supplement_at_desk": Rule(gettext_lazy("yêu cầu bổ sung"), frozenset({R.CLERK}), "receiving"),
    "request_supplement": Rule(gettext_lazy("yêu cầu bổ sung"), frozenset({R.OFFICER, R.LEADER}), "handling"),
    "answer_supplement": Rule(gettext_lazy("nhận hồ sơ bổ sung"), frozenset({R.CLERK}), "receiving"),
    "forward": Rule(gettext_lazy("chuyển xử lý"), frozenset({R.CLERK, R.OFFICER, R.LEADER}), "handling"),
    "assign": Rule(gettext_lazy("phân công"), frozenset({R.LEADER, R.OFFICER}), "handling"),
    "propose": Rule(gettext_lazy("đề xuất kết quả"), frozenset({R.OFFICER}), "handling"),
    "await_payment": Rule(gettext_lazy("chuyển chờ nghĩa vụ tài chính"), frozenset({R.OFFICER}), "handling"),
    "confirm_payment": Rule(gettext_lazy("xác nhận đã nộp nghĩa vụ tài chính"), frozenset({R.OFFICER, R.CLERK}),
                            "handling"),
    "approve": Rule(gettext_lazy("phê duyệt"), frozenset({R.LEADER}), "handling"),
    "decline": Rule(gettext_lazy("không phê duyệt"), frozenset({R.LEADER}), "handling"),
    # Stopping a dossier at the agency's initiative is the leader's decision; the officer may propose it.
    "stop": Rule(gettext_lazy("quyết định dừng giải quyết"), frozenset({R.LEADER}), "handling"),
    "propose_stop": Rule(gettext_lazy("đề xuất dừng giải quyết"), frozenset({R.OFFICER}), "handling"),
    "withdraw": Rule(gettext_lazy("rút hồ sơ thay công dân"), frozenset({R.CLERK}), "receiving"),
    "return_result": Rule(gettext_lazy("trả kết quả"), frozenset({R.CLERK}), "receiving"),
    # Form 04 is issued by the agency's leader; the officer may propose it.
    "apologise": Rule(gettext_lazy("lập phiếu xin lỗi và hẹn lại"), frozenset({R.LEADER}), "handling"),
    "propose_apology": Rule(gettext_lazy("đề xuất xin lỗi và hẹn lại"), frozenset({R.OFFICER}), "handling"),
    "upload": Rule(gettext_lazy("đính kèm tệp"), frozenset({R.CLERK, R.OFFICER, R.LEADER}), "handling"),
}


def agency_for(rule: Rule, dossier) -> int:
    return dossier.receiving_agency_id if rule.agency == "receiving" else dossier.handling_agency_id


def allowed(*, user, action: str, dossier=None, agency_id: int | None = None) -> bool:
    rule = RULES[action]
    target = agency_id if agency_id is not None else agency_for(rule, dossier)
    return any(m.role in rule.roles and m.agency_id == target for m in memberships_of(user=user))


def check(*, user, action: str, dossier=None, agency_id: int | None = None) -> None:
    if user is None or not user.is_authenticated:
        raise ActionForbidden(_("Bạn cần đăng nhập bằng tài khoản cán bộ để thực hiện thao tác này."))
    if not allowed(user=user, action=action, dossier=dossier, agency_id=agency_id):
        rule = RULES[action]
        roles = ", ".join(str(Role(r).label) for r in sorted(rule.roles))
        where = _("nơi tiếp nhận") if rule.agency == "receiving" else _("cơ quan đang xử lý hồ sơ")
        raise ActionForbidden(
            _("Bạn không có quyền %(action)s hồ sơ này: cần vai trò %(roles)s tại %(where)s.")
            % {"action": rule.label, "roles": roles, "where": where}
        )
