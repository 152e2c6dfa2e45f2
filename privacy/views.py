"""Privacy pages: the public notice, a citizen's own data (download, correction requests), the staff access log
and the desks' correction requests. Thin: forms, one selector or service, render."""

import json
import logging
import tempfile
import zipfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from core.errors import ActionForbidden, DossierError
from privacy import services
from privacy.forms import AccessLogFilterForm, CorrectionForm, CorrectionResponseForm
from privacy.models import CorrectionStatus
from privacy.selectors import (
    access_log_agency_ids,
    access_log_rows,
    attachment_member,
    corrections_for_desk,
    may_handle_corrections,
    own_attachments,
    own_corrections,
    own_dossiers,
    personal_data_of,
)

log = logging.getLogger(__name__)
PAGE_SIZE = 50


# ---------------------------------------------------------------- public notice
def notice(request):
    config = settings.ONECUA
    return render(request, "privacy/notice.html", {
        "retention_years": config["RETENTION_YEARS"], "access_log_days": config["ACCESS_LOG_DAYS"],
        "province": config["PROVINCE_NAME"], "contact_email": config["PRIVACY_CONTACT_EMAIL"],
    })


# ---------------------------------------------------------------- a citizen's own data
@login_required
def my_data(request):
    return render(request, "privacy/my_data.html", {
        "dossier_count": own_dossiers(user=request.user).count(),
        "corrections": own_corrections(user=request.user)[:20],
    })


def _json_bytes(data: dict) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode("utf-8")


def _no_store(response):
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def my_data_download(request, fmt: str):
    """Everything held about the signed-in citizen as JSON, or a ZIP of the JSON and their dossiers' files."""
    stamp = f"{timezone.localdate():%Y%m%d}"
    data = _json_bytes(personal_data_of(user=request.user))
    if fmt == "json":
        response = HttpResponse(data, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="du-lieu-cua-toi-{stamp}.json"'
        return _no_store(response)
    if fmt != "zip":
        raise Http404
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("du-lieu-cua-toi.json", data)
        for attachment in own_attachments(user=request.user):
            try:
                with attachment.file.open("rb") as source, archive.open(attachment_member(attachment), "w",
                                                                         force_zip64=True) as target:
                    while chunk := source.read(1024 * 1024):
                        target.write(chunk)
            except FileNotFoundError:
                log.warning("my data: the file of attachment %s is missing from private storage", attachment.pk)
    spool.seek(0)
    return _no_store(FileResponse(spool, as_attachment=True, filename=f"du-lieu-cua-toi-{stamp}.zip",
                                  content_type="application/zip"))


@login_required
def correction_new(request):
    dossiers = own_dossiers(user=request.user).select_related("procedure").order_by("-submitted_at")
    form = CorrectionForm(request.POST or None, dossiers=dossiers,
                          initial={"dossier": request.GET.get("ho-so")} if request.method == "GET" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            correction = services.correction_request_create(
                actor=request.user, dossier=data["dossier"], field=data["field"], wrong_value=data["wrong_value"],
                correct_value=data["correct_value"])
        except DossierError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("privacy:correction_sent", pk=correction.pk)
    return render(request, "privacy/correction_form.html", {"form": form},
                  status=400 if form.is_bound and form.errors else 200)


@login_required
def correction_sent(request, pk: int):
    correction = own_corrections(user=request.user).filter(pk=pk).first()
    if correction is None:
        raise Http404
    return render(request, "privacy/correction_sent.html", {"correction": correction})


# ---------------------------------------------------------------- staff: the access log
@staff_required
def access_log(request):
    if not access_log_agency_ids(user=request.user):
        raise Http404
    form = AccessLogFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "privacy/access_log.html", {"form": form, "page": None}, status=400)
    data = form.cleaned_data if form.is_bound else {}
    rows = access_log_rows(user=request.user, code=data.get("ma") or "", person=data.get("nguoi") or "",
                           start=data.get("tu"), end=data.get("den"))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "privacy/access_log.html",
                  {"form": form, "page": page, "query_string": query.urlencode()})


# ---------------------------------------------------------------- staff: correction requests of a desk
STATUS_FILTERS = {"cho-xu-ly": CorrectionStatus.OPEN, "da-xu-ly": CorrectionStatus.DONE, "tat-ca": None}


@staff_required
def correction_list(request):
    if not may_handle_corrections(user=request.user):
        raise Http404
    key = request.GET.get("trang-thai", "cho-xu-ly")
    if key not in STATUS_FILTERS:
        key = "cho-xu-ly"
    page = Paginator(corrections_for_desk(user=request.user, status=STATUS_FILTERS[key]), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "privacy/corrections.html", {
        "page": page, "current": key, "query_string": f"trang-thai={key}"})


@staff_required
@require_POST
def correction_close(request, pk: int):
    correction = corrections_for_desk(user=request.user, status=None).filter(pk=pk).first()
    if correction is None:
        raise Http404
    form = CorrectionResponseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Hãy ghi nội dung trả lời cho công dân."))
        return redirect("privacy:corrections")
    try:
        services.correction_request_close(actor=request.user, correction=correction,
                                          response=form.cleaned_data["response"])
    except ActionForbidden as exc:
        messages.error(request, exc.message)
        return render(request, "privacy/corrections.html", {"page": None}, status=403)
    except DossierError as exc:
        messages.error(request, exc.message)
        return redirect("privacy:corrections")
    messages.success(request, _("Đã ghi nhận việc xử lý yêu cầu đính chính."))
    return redirect("privacy:corrections")
