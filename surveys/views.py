"""Public rating pages: the kiosk at the desk, the link in the result notification, the tracking page's form;
then the optional questionnaire. No login: a signed token names the one dossier the page may rate."""

import functools

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DossierError, TransitionRefused
from dossiers.models import Dossier
from surveys import services
from surveys.forms import QuestionnaireForm, RatingForm
from surveys.models import Via
from surveys.selectors import active_questions, survey_state
from surveys.tokens import TokenError, make_token, read_token


class Refusal(Exception):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message, self.status = message, status


def _dossier_for(code: str, token: str, *, via: str | None = None):
    """The dossier the token was issued for, if it is the one in the address; Refusal otherwise."""
    try:
        data = read_token(token)
    except TokenError as exc:
        raise Refusal(exc.message, 410 if exc.expired else 400) from None
    if via is not None and data.via != via:
        raise Refusal(_("Đường dẫn đánh giá không hợp lệ. Hãy mở lại đường dẫn trong thông báo hoặc trang tra cứu "
                        "hồ sơ."), 400)
    dossier = Dossier.objects.select_related("procedure", "receiving_agency").filter(code=code).first()
    if dossier is None or dossier.pk != data.dossier_id:
        raise Refusal(_("Đường dẫn đánh giá này dành cho một hồ sơ khác, không phải hồ sơ %(code)s.")
                      % {"code": code}, 400)
    return dossier, data


def _refused(request, message: str, status: int, *, dossier=None, token: str = "", can_answer: bool = False):
    return render(request, "surveys/refused.html",
                  {"message": message, "dossier": dossier, "token": token, "can_answer": can_answer},
                  status=status)


def _token_page(view):
    """A page opened with (code, token): the view gets the dossier and the token's content, or the applicant gets
    the refusal page. `via`, when given, is the one way in the token must be for."""

    @functools.wraps(view)
    def wrapped(request, code: str, token: str, *, via: str | None = None, **kwargs):
        try:
            dossier, data = _dossier_for(code, token, via=via)
        except Refusal as refusal:
            return _refused(request, refusal.message, refusal.status)
        return view(request, dossier, data, token, **kwargs)

    return wrapped


@_token_page
def _rate(request, dossier, data, token: str, *, action_url: str):
    via = data.via
    state = survey_state(dossier)
    if not state["returned"]:
        return _refused(request, services.not_returned_error(dossier).message, 409, dossier=dossier)
    if state["rated"]:
        return _refused(request, services.already_rated_error(dossier, state["rated_at"]).message, 409,
                        dossier=dossier, token=token, can_answer=state["can_answer"])
    form = RatingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.rating_submit(dossier=dossier, overall=data["overall"], convenience=data["convenience"],
                                   comment=data["comment"], via=via)
        except TransitionRefused as exc:
            return _refused(request, exc.message, 409, dossier=dossier, token=token)
        except DossierError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("surveys:thanks", code=dossier.code, token=token)
    context = {"form": form, "dossier": dossier, "token": token, "kiosk": via == Via.KIOSK,
               "action_url": action_url}
    return render(request, "surveys/rate.html", context, status=400 if form.is_bound and form.errors else 200)


def kiosk(request, code: str, token: str):
    return _rate(request, code, token, via=Via.KIOSK, action_url=request.path)


def link(request, code: str, token: str):
    return _rate(request, code, token, via=Via.LINK, action_url=request.path)


@require_POST
def tracking(request, code: str):
    return _rate(request, code, request.POST.get("token", ""), via=Via.TRACKING,
                 action_url=reverse("surveys:tracking", args=[code]))


@_token_page
def thanks(request, dossier, data, token: str):
    state = survey_state(dossier)
    if not state["rated"]:
        raise Http404
    return render(request, "surveys/thanks.html", {"dossier": dossier, "token": token, "state": state,
                                                   "kiosk": data.via == Via.KIOSK,
                                                   "tracking": data.via == Via.TRACKING})


@_token_page
def questionnaire(request, dossier, data, token: str):
    state = survey_state(dossier)
    if not state["rated"]:
        refusal = services.not_returned_error(dossier) if not state["returned"] else services.rate_first_error()
        return _refused(request, refusal.message, 409, dossier=dossier)
    if not state["can_answer"]:
        thanks_again = _("Cảm ơn bạn.")
        return _refused(request, f"{services.questionnaire_sent_error(dossier).message} {thanks_again}", 409,
                        dossier=dossier)
    form = QuestionnaireForm(request.POST if request.method == "POST" else None, questions=active_questions())
    if request.method == "POST" and form.is_valid():
        try:
            services.questionnaire_submit(dossier=dossier, answers=form.answers(), via=data.via)
        except TransitionRefused as exc:
            return _refused(request, exc.message, 409, dossier=dossier)
        except DossierError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("surveys:thanks", code=dossier.code, token=token)
    return render(request, "surveys/questionnaire.html",
                  {"form": form, "dossier": dossier, "token": token, "kiosk": data.via == Via.KIOSK},
                  status=400 if form.is_bound and form.errors else 200)


def tracking_context(dossier) -> dict:
    """For the tracking page's rating box (surveys template tag): a fresh token and what may still be done."""
    state = survey_state(dossier)
    token = make_token(dossier_id=dossier.pk, via=Via.TRACKING) if state["can_rate"] or state["can_answer"] else ""
    return {"dossier": dossier, "state": state, "token": token, "form": RatingForm() if state["can_rate"] else None}
