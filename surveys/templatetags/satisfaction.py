"""Rating boxes the dossiers templates include: `{% load satisfaction %}`."""

from django import template

from accounts.selectors import is_staff_member
from dossiers.models import State
from surveys.selectors import may_enter_indices, may_open_kiosk, survey_state
from surveys.views import tracking_context

register = template.Library()


@register.inclusion_tag("surveys/_rating_box.html", takes_context=True)
def rating_box(context, dossier):
    """The tracking page (after code + phone): the rating form when returned and not yet rated. A dossier not
    returned has no rating (surveys.services rates returned dossiers only, and returned is final): no query."""
    if dossier.state != State.RETURNED:
        return {"dossier": dossier, "state": {"returned": False, "rated": False, "can_rate": False,
                                              "can_answer": False, "answered": False}, "token": "", "form": None}
    return {**tracking_context(dossier), "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("surveys/_staff_panel.html", takes_context=True)
def staff_survey_panel(context, dossier):
    """The staff dossier page: the rating's status, the kiosk button for the desk, the indices page."""
    user = context["request"].user
    if dossier.state != State.RETURNED or not is_staff_member(user=user):
        return {"show": False}
    state = survey_state(dossier)
    return {"show": True, "dossier": dossier, "state": state,
            "kiosk": state["can_rate"] and may_open_kiosk(user=user, dossier=dossier),
            "may_enter": may_enter_indices(user=user, dossier=dossier)}
