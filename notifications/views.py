"""The outbox page: notifications of the user's agencies (clerks and administrators), with a retry action."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import DossierError
from notifications.models import Notification, NotificationStatus
from notifications.selectors import RETRYABLE, masked_recipient, outbox_agency_ids, outbox_for
from notifications.services import notification_retry

# Every `kind` written to the outbox (the applicants' messages: the registry's kinds and
# templates/notifications/messages/; notifications/sweep.py: digests; surveys/services.py: follow-ups), and the account notices of accounts/notices.py (sent directly today, named
# here so that a move to the outbox shows them in words too). tests/workspace/test_workspace.py checks the list
# against the code.
KIND_LABELS = {
    "received": gettext_lazy("Đã tiếp nhận hồ sơ, hẹn trả kết quả"),
    "supplement_requested": gettext_lazy("Yêu cầu bổ sung, hoàn thiện hồ sơ"),
    "apology": gettext_lazy("Xin lỗi và hẹn lại ngày trả kết quả"),
    "resolved": gettext_lazy("Hồ sơ đã có kết quả"),
    "returned": gettext_lazy("Đã trả kết quả, mời đánh giá"),
    "refused": gettext_lazy("Không tiếp nhận hồ sơ"),
    "withdrawn": gettext_lazy("Đã rút hồ sơ"),
    "stopped": gettext_lazy("Dừng giải quyết hồ sơ"),
    "appointment_moved": gettext_lazy("Thay đổi thời gian hẹn trả kết quả"),
    "paid": gettext_lazy("Đã nhận thanh toán trực tuyến"),
    "digest": gettext_lazy("Cán bộ: hồ sơ đến hạn, quá hạn trong ngày"),
    "apology_prompt": gettext_lazy("Cán bộ: nhắc lập phiếu xin lỗi (mẫu 04)"),
    "satisfaction_follow_up": gettext_lazy("Lãnh đạo: đánh giá không hài lòng cần phản hồi"),
    "taken": gettext_lazy("Tài khoản: có người đăng ký bằng địa chỉ đã có tài khoản"),
    "created": gettext_lazy("Tài khoản: đã tạo tài khoản"),
    "feedback_received": gettext_lazy("Lãnh đạo: có phản ánh, kiến nghị mới"),
    "feedback_assigned": gettext_lazy("Cán bộ: được giao trả lời phản ánh, kiến nghị"),
    "feedback_answered": gettext_lazy("Đã trả lời phản ánh, kiến nghị"),
    "feedback_overdue": gettext_lazy("Phản ánh, kiến nghị quá hạn trả lời"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS[kind]) if kind in KIND_LABELS else _("Thông báo khác (%(kind)s)") % {"kind": kind}


def _require_outbox_access(request) -> None:
    if not outbox_agency_ids(user=request.user):
        raise Http404


@login_required
def outbox(request):
    _require_outbox_access(request)
    status = request.GET.get("trang-thai", "")
    if status not in NotificationStatus.values:
        status = ""
    page = Paginator(outbox_for(user=request.user, status=status or None), 50).get_page(
        request.GET.get("page"))
    rows = [(n, kind_label(n.kind), masked_recipient(n), n.status in RETRYABLE)
            for n in page.object_list]
    return render(request, "notifications/outbox.html", {
        "page": page, "rows": rows, "status": status, "statuses": NotificationStatus.choices,
        "any_retry": any(row[3] for row in rows),
        "query_string": f"trang-thai={status}" if status else "",
    })


@login_required
@require_POST
def retry(request, pk: int):
    _require_outbox_access(request)
    try:
        notification = outbox_for(user=request.user).get(pk=pk)
    except Notification.DoesNotExist as exc:
        raise Http404 from exc
    try:
        notification_retry(notification=notification, actor=request.user)
    except DossierError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã đưa thông báo vào hàng đợi gửi lại."))
    return redirect("outbox:list")
