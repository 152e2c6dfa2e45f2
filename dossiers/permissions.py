"""Who may do what: each action names the roles allowed and the agency (receiving or handling) they act for."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from accounts.selectors import memberships_of
from core.errors import ActionForbidden
from dossiers.actions import ACTIONS, HANDLING, RECEIVING, Rule, rule

# Rules that are not actions of the registry; every action's rule is its registry entry's.
EXTRA_RULES: dict[str, Rule] = {
    "create_at_desk": rule(gettext_lazy("tiếp nhận hồ sơ trực tiếp"), {Role.CLERK}, RECEIVING),
    "request_supplement_at_desk": ACTIONS["request_supplement"].rule_before_reception,
    "upload": rule(gettext_lazy("đính kèm tệp"), {Role.CLERK, Role.OFFICER, Role.LEADER}, HANDLING),
}
RULES: dict[str, Rule] = {name: a.rule for name, a in ACTIONS.items() if a.rule is not None} | EXTRA_RULES


def agency_for(rule: Rule, dossier) -> int:
    return dossier.receiving_agency_id if rule.agency == RECEIVING else dossier.handling_agency_id


def rule_of(action: str, dossier=None) -> Rule:
    """The rule for `action` on `dossier` (a registry action's rule may depend on the dossier: before or after
    reception), or one of EXTRA_RULES."""
    return ACTIONS[action].rule_for(dossier) if action in ACTIONS else EXTRA_RULES[action]


def allowed(*, user, action: str, dossier=None, agency_id: int | None = None) -> bool:
    rule = rule_of(action, dossier)
    target = agency_id if agency_id is not None else agency_for(rule, dossier)
    return any(m.role in rule.roles and m.agency_id == target for m in memberships_of(user=user))


def check(*, user, action: str, dossier=None, agency_id: int | None = None) -> None:
    if user is None or not user.is_authenticated:
        raise ActionForbidden(_("Bạn cần đăng nhập bằng tài khoản cán bộ để thực hiện thao tác này."))
    if not allowed(user=user, action=action, dossier=dossier, agency_id=agency_id):
        rule = rule_of(action, dossier)
        roles = ", ".join(str(Role(r).label) for r in sorted(rule.roles))
        where = _("nơi tiếp nhận") if rule.agency == RECEIVING else _("cơ quan đang xử lý hồ sơ")
        raise ActionForbidden(
            _("Bạn không có quyền %(action)s hồ sơ này: cần vai trò %(roles)s tại %(where)s.")
            % {"action": rule.label, "roles": roles, "where": where}
        )
