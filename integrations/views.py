"""The "Đồng bộ DVCQG" page (staff: the rows of their desks, per desk and state, with retry and skip), and the
two addresses the national portal calls (a dossier it sends us; a question about one of ours)."""

import hmac
import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from core.errors import DossierError
from dossiers.actions import ACTIONS
from dossiers.models import State
from integrations.dvcqg import config
from integrations.inbound import dossier_lookup, receive_inbound
from integrations.models import PARKED_STATUSES, SyncKind, SyncRow, SyncStatus
from integrations.selectors import (
    acting_agency_ids,
    counts_by_desk,
    desks_for_filter,
    sync_agency_ids,
    sync_rows_for,
    unmapped_states,
)
from integrations.services import RETRYABLE, sync_row_retry, sync_row_skip, sync_rows_retry_rejected

PAGE_SIZE = 50


def _action_label(name: str) -> str:
    entry = ACTIONS.get(name)
    return str(entry.label) if entry is not None else name


def _desk_filter(request, desks) -> int | None:
    value = request.GET.get("noi-tiep-nhan", "")
    if value.isascii() and value.isdigit() and int(value) in {d.pk for d in desks}:
        return int(value)
    return None


@staff_required
def sync_page(request):
    desks = list(desks_for_filter(user=request.user))
    desk = _desk_filter(request, desks)
    status = request.GET.get("trang-thai", "")
    if status not in SyncStatus.values:
        status = ""
    page = Paginator(sync_rows_for(user=request.user, agency_id=desk, status=status or None), PAGE_SIZE).get_page(
        request.GET.get("page"))
    acting = acting_agency_ids(user=request.user)
    rows = [(row, _action_label(row.action), row.agency_id in acting and row.status in RETRYABLE,
             row.agency_id in acting and row.status in PARKED_STATUSES) for row in page.object_list]
    query = "&".join(part for part in (f"noi-tiep-nhan={desk}" if desk else "",
                                       f"trang-thai={status}" if status else "") if part)
    unmapped = [{**u, "state_label": State(u["local_state"]).label if u["local_state"] in State.values
                 else u["local_state"], "action_label": _action_label(u["action"])}
                for u in unmapped_states(user=request.user)]
    return render(request, "integrations/sync.html", {
        "page": page, "rows": rows, "desks": desks, "desk": desk, "status": status,
        "statuses": SyncStatus.choices, "kinds": dict(SyncKind.choices), "by_desk": counts_by_desk(user=request.user),
        "unmapped": unmapped, "query_string": query, "any_action": any(r[2] or r[3] for r in rows),
        "can_retry_all": bool(acting), "enabled": config.enabled(), "transport": config.transport_name(),
    })


def _row_or_404(request, pk: int) -> SyncRow:
    try:
        return SyncRow.objects.get(pk=pk, agency_id__in=sync_agency_ids(user=request.user))
    except SyncRow.DoesNotExist:
        raise Http404 from None


def _act_on_row(request, pk: int, service, done: str):
    """Run `service` (retry or skip) on one sync row of the user's agencies; say what happened; back to the page."""
    row = _row_or_404(request, pk)
    try:
        service(row=row, actor=request.user)
    except DossierError as exc:
        messages.error(request, str(exc))
    else:
        subject = (_("của hồ sơ %(code)s") % {"code": row.dossier.code} if row.dossier_id is not None else
                   _("đánh giá tháng %(month)s") % {"month": f"{row.period:%m/%Y}"})
        messages.success(request, done % {"subject": subject})
    return redirect("integrations:sync")


@staff_required
@require_POST
def retry(request, pk: int):
    return _act_on_row(request, pk, sync_row_retry, _("Đã đưa bản tin %(subject)s vào hàng đợi gửi lại."))


@staff_required
@require_POST
def skip(request, pk: int):
    return _act_on_row(request, pk, sync_row_skip,
                       _("Đã bỏ qua bản tin %(subject)s; các bản tin sau nó sẽ được gửi."))


@staff_required
@require_POST
def retry_rejected(request):
    desks = list(desks_for_filter(user=request.user))
    value = request.POST.get("noi-tiep-nhan", "")
    desk = int(value) if value.isascii() and value.isdigit() and int(value) in {d.pk for d in desks} else None
    try:
        count = sync_rows_retry_rejected(actor=request.user, agency_id=desk)
    except DossierError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã đưa %(n)s bản tin bị từ chối vào hàng đợi gửi lại.") % {"n": count})
    return redirect("integrations:sync")


# ---------------------------------------------------------------- called by the national portal
def _portal_json(request):
    """The request's JSON once the portal's bearer token checks out; (None, answer) otherwise. No token
    configured: the addresses do not exist (404)."""
    token = str(config.option("INBOUND_TOKEN") or "")
    if not token:
        raise Http404
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode("utf-8", "replace"), f"Bearer {token}".encode()):
        return None, JsonResponse({"error_code": -1, "message": "Sai hoặc thiếu mã xác thực"}, status=401)
    try:
        return json.loads(request.body.decode("utf-8")), None
    except (UnicodeDecodeError, ValueError):
        return None, JsonResponse({"error_code": -1, "message": "Nội dung không phải JSON hợp lệ"}, status=400)


@csrf_exempt
@require_POST
def inbound(request):
    data, refusal = _portal_json(request)
    if refusal is not None:
        return refusal
    return JsonResponse(receive_inbound(data).as_json(), json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_POST
def lookup(request):
    data, refusal = _portal_json(request)
    if refusal is not None:
        return refusal
    return JsonResponse(dossier_lookup(data), json_dumps_params={"ensure_ascii": False})
