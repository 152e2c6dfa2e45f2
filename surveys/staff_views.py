"""Staff pages: open the kiosk for a returned dossier, score the indices, answer follow-ups, read the results."""

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.decorators import staff_required
from accounts.scoping import oversight_agency_ids, oversight_scope_ids
from core.errors import ActionForbidden, DossierError, TransitionRefused
from dossiers.models import State
from surveys import services
from surveys.forms import FollowUpResponseForm, IndicesForm, ResultsFilterForm
from surveys.models import MANUAL_FIELDS, FollowUp, FollowUpStatus, Level, Via
from surveys.selectors import (
    follow_up_for,
    follow_ups_for,
    indices_of,
    may_enter_indices,
    may_open_kiosk,
    satisfaction_results,
    survey_state,
)
from surveys.tokens import make_token
from workspace.forms import ShortOptionsSelect
from workspace.records import visible_or_404

PAGE_SIZE = 25


def _refused(request, message: str, status: int, dossier=None):
    return render(request, "surveys/staff_refused.html", {"message": message, "dossier": dossier}, status=status)


@staff_required
def kiosk_open(request, pk: int):
    """The desk hands the tablet over: a short-lived kiosk address for this dossier only."""
    dossier = visible_or_404(request, pk)
    if not may_open_kiosk(user=request.user, dossier=dossier):
        return _refused(request, _("Hồ sơ %(code)s do %(agency)s tiếp nhận: chỉ cán bộ một cửa của nơi này mới mở "
                                   "được trang đánh giá tại quầy.")
                        % {"code": dossier.code, "agency": dossier.receiving_agency.name}, 403, dossier)
    state = survey_state(dossier)
    if not state["returned"]:
        return _refused(request, services.not_returned_error(dossier).message, 409, dossier)
    if state["rated"]:
        return _refused(request, services.already_rated_error(dossier, state["rated_at"]).message, 409, dossier)
    token = make_token(dossier_id=dossier.pk, via=Via.KIOSK)
    return redirect("surveys:kiosk", code=dossier.code, token=token)


@staff_required
def indices_edit(request, pk: int):
    dossier = visible_or_404(request, pk)
    row = indices_of(dossier)
    editable = dossier.state == State.RETURNED and may_enter_indices(user=request.user, dossier=dossier)
    initial = {name: getattr(row, name) for name in MANUAL_FIELDS} if row else {}
    form = IndicesForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if not editable:
            return _refused(request, _("Chỉ cán bộ một cửa của nơi tiếp nhận hoặc thanh tra mới được chấm các chỉ số "
                                       "này, sau khi hồ sơ đã trả kết quả."), 403, dossier)
        if form.is_valid():
            try:
                services.indices_enter(dossier=dossier, actor=request.user,
                                       scores={name: form.cleaned_data[name] for name in MANUAL_FIELDS})
            except DossierError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Đã lưu các chỉ số đánh giá."))
                return redirect("surveys_staff:indices", pk=dossier.pk)
    return render(request, "surveys/staff/indices.html",
                  {"dossier": dossier, "row": row, "scores": row.scores() if row else [], "form": form,
                   "editable": editable}, status=400 if form.is_bound and form.errors else 200)


# ---------------------------------------------------------------- follow-ups
STATUS_FILTERS = {"mo": FollowUpStatus.OPEN, "da-phan-hoi": FollowUpStatus.CLOSED, "tat-ca": None}


@staff_required
def follow_up_list(request):
    if not oversight_agency_ids(user=request.user):
        raise Http404
    key = request.GET.get("trang-thai", "mo")
    if key not in STATUS_FILTERS:
        key = "mo"
    page = Paginator(follow_ups_for(user=request.user, status=STATUS_FILTERS[key]), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "surveys/staff/follow_ups.html",
                  {"page": page, "current": key, "query_string": f"trang-thai={key}"})


@staff_required
def follow_up_detail(request, pk: int):
    try:
        follow_up = follow_up_for(user=request.user, pk=pk)
    except FollowUp.DoesNotExist as exc:
        raise Http404 from exc
    refusal = services.follow_up_refusal(follow_up, user=request.user)
    can_respond = refusal is None
    form = FollowUpResponseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and refusal is not None:
        return _refused(request, refusal.message, 403 if isinstance(refusal, ActionForbidden) else 409)
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_up_respond(follow_up=follow_up, actor=request.user, response=form.cleaned_data["response"])
        except (ActionForbidden, TransitionRefused) as exc:
            return _refused(request, exc.message, exc.status)
        except DossierError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Đã ghi nhận phản hồi; đánh giá đã được xử lý xong."))
            return redirect("surveys_staff:follow_ups")
    return render(request, "surveys/staff/follow_up.html",
                  {"follow_up": follow_up, "form": form, "can_respond": can_respond},
                  status=400 if form.is_bound and form.errors else 200)


# ---------------------------------------------------------------- results
def _chart_config(results) -> dict:
    labels = [str(level.label) for level in Level]
    return {
        "type": "bar",
        "data": {
            "labels": labels,
            "datasets": [
                {"label": str(_("Hài lòng chung")), "data": [results.overall[lv.value] for lv in Level],
                 "backgroundColor": "#0b4f9c"},
                {"label": str(_("Thuận tiện")), "data": [results.convenience[lv.value] for lv in Level],
                 "backgroundColor": "#a3111a"},
            ],
        },
        "options": {"scales": {"y": {"beginAtZero": True, "ticks": {"precision": 0}}}},
    }


def _indices_chart_config(results) -> dict:
    labels = [f"{i}. {row.label}" for i, row in enumerate(results.indices, start=1)]
    return {
        "type": "bar",
        # The axis shows the start of each index's name (a long one was cut off at the left edge); the tooltip
        # (static/js/charts.js) and the table beside the chart give it whole.
        "fullLabels": labels,
        "data": {
            "labels": [Truncator(label).chars(36) for label in labels],
            "datasets": [{"label": str(_("Điểm trung bình (0–2)")),
                          "data": [row.average for row in results.indices], "backgroundColor": "#1e6b2e"}],
        },
        "options": {"indexAxis": "y", "scales": {"x": {"min": 0, "max": 2}}},
    }


@staff_required
def results(request):
    scope = oversight_agency_ids(user=request.user)
    if not scope:
        raise Http404
    today = timezone.localdate()
    defaults = {"start": date(today.year, today.month, 1).strftime("%d/%m/%Y"), "end": today.strftime("%d/%m/%Y")}
    form = ResultsFilterForm({**defaults, **request.GET.dict()}, agency_ids=scope)
    for name in ("agency", "procedure"):  # long names cut in the list, whole in a tooltip: the row fits the page
        form.fields[name].widget = ShortOptionsSelect(choices=form.fields[name].choices)
    if not form.is_valid():
        return render(request, "surveys/staff/results.html", {"form": form, "results": None}, status=400)
    data = form.cleaned_data
    agencies = oversight_scope_ids(user=request.user, agency=data["agency"])
    figures = satisfaction_results(agency_ids=agencies, procedure_id=data["procedure"].pk if data["procedure"] else None,
                                   start=data["start"], end=data["end"])
    return render(request, "surveys/staff/results.html", {
        "form": form, "results": figures, "chart": _chart_config(figures),
        "indices_chart": _indices_chart_config(figures),
    })
