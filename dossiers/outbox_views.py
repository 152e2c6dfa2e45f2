"""The outbox page: notifications of the user's agencies (clerks and administrators), with a retry action."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import notifications
from .errors import DossierError
from .models import Notification, NotificationStatus


def _require_outbox_access(request) -> None:
    if not notifications.outbox_agency_ids(user=request.user):
        raise Http404


@login_required
def outbox(request):
    _require_outbox_access(request)
    status = request.GET.get("trang-thai", "")
    if status not in NotificationStatus.values:
        status = ""
    page = Paginator(notifications.outbox_for(user=request.user, status=status or None), 50).get_page(
        request.GET.get("page"))
    rows = [(n, notifications.masked_recipient(n), n.status in notifications.RETRYABLE) for n in page.object_list]
    return render(request, "dossiers/outbox.html", {
        "page": page, "rows": rows, "status": status, "statuses": NotificationStatus.choices,
        "query_string": f"trang-thai={status}" if status else "",
    })


@login_required
@require_POST
def retry(request, pk: int):
    _require_outbox_access(request)
    try:
        notification = notifications.outbox_for(user=request.user).get(pk=pk)
    except Notification.DoesNotExist as exc:
        raise Http404 from exc
    try:
        notifications.notification_retry(notification=notification, actor=request.user)
    except DossierError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã đưa thông báo vào hàng đợi gửi lại."))
    return redirect("outbox:list")
