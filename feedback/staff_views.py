"""Staff feedback pages, mounted under can-bo/phan-anh/: the list (scoped like dossiers) and one feedback with
the actions its reader may take (assign, answer, publish, close)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.decorators import staff_required
from core.errors import DossierError
from feedback import rules, services
from feedback.forms import AnswerForm, AssignForm, CloseForm, PublishForm
from feedback.models import Feedback
from feedback.selectors import STATUS_FILTERS, events_of, staff_detail, staff_list

PAGE_SIZE = 25


@staff_required
def feedback_list(request):
    status = request.GET.get("trang-thai", "")
    status = status if status in STATUS_FILTERS else ""
    overdue = request.GET.get("qua-han") == "1"
    now = timezone.now()
    page = Paginator(staff_list(user=request.user, status=status, overdue=overdue, now=now), PAGE_SIZE).get_page(
        request.GET.get("page"))
    query = "&".join(part for part in (f"trang-thai={status}" if status else "", "qua-han=1" if overdue else "")
                     if part)
    return render(request, "feedback/staff/list.html", {
        "page": page, "status": status, "overdue": overdue, "now": now, "query_string": query,
        "filters": [("", _("Tất cả")), ("cho-giao", _("Chờ giao")), ("dang-xu-ly", _("Đang xử lý")),
                    ("da-tra-loi", _("Đã trả lời")), ("da-cong-khai", _("Đã công khai")), ("da-dong", _("Đã đóng"))],
    })


def _forms(feedback: Feedback, data=None, action: str = "") -> dict:
    suggested = (feedback.public_content, feedback.public_answer)
    return {
        "assign": AssignForm(data if action == "assign" else None, officers=services.assignable_officers(feedback),
                             initial={"officer": feedback.assigned_to_id}),
        "answer": AnswerForm(data if action == "answer" else None),
        "publish": PublishForm(data if action == "publish" else None,
                               initial={"public_content": suggested[0], "public_answer": suggested[1]}),
        "close": CloseForm(data if action == "close" else None),
    }


DONE = {"assign": gettext_lazy("Đã giao cán bộ xử lý."),
        "answer": gettext_lazy("Đã trả lời; người gửi được thông báo."),
        "publish": gettext_lazy("Đã công khai trả lời trên trang thủ tục."),
        "close": gettext_lazy("Đã đóng phản ánh, không công khai.")}


def _act(action: str, feedback: Feedback, actor, data: dict) -> Feedback:
    if action == "assign":
        return services.feedback_assign(feedback=feedback, actor=actor, officer=data["officer"])
    if action == "answer":
        return services.feedback_answer(feedback=feedback, actor=actor, answer=data["answer"])
    if action == "publish":
        return services.feedback_publish(feedback=feedback, actor=actor, public_content=data["public_content"],
                                         public_answer=data["public_answer"])
    return services.feedback_close(feedback=feedback, actor=actor, reason=data["reason"])


@staff_required
def feedback_detail(request, pk: int):
    try:
        feedback = staff_detail(user=request.user, pk=pk)
    except Feedback.DoesNotExist as exc:
        raise Http404 from exc
    action = request.POST.get("action", "") if request.method == "POST" else ""
    forms = _forms(feedback, request.POST, action)
    status, refused = 200, None
    if request.method == "POST":
        if action not in rules.FROM:
            refused, status = _("Thao tác không hợp lệ."), 400
        elif error := rules.refusal(feedback, user=request.user, action=action):
            refused, status = error.message, error.status
        elif forms[action].is_valid():
            try:
                _act(action, feedback, request.user, forms[action].cleaned_data)
            except DossierError as exc:
                forms[action].add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, DONE[action])
                return redirect("feedback_staff:detail", pk=feedback.pk)
        else:
            status = 400
    return render(request, "feedback/staff/detail.html", {
        "feedback": feedback, "events": events_of(feedback), "forms": forms, "refused": refused,
        "allowed": rules.allowed_actions(feedback, user=request.user), "overdue": feedback.is_overdue(),
    }, status=status)
