"""The citizen portal: submit online, track by code + phone, answer a supplement request, withdraw, my dossiers.

Submission keeps nothing in the session: files already checked are parked in private storage and referred to
by signed tokens in the page, so an expired session or a refused field never loses what was entered.
"""

from contextlib import ExitStack
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.ratelimit import count_hit
from core.compiled import Compiled
from core.errors import ActionForbidden, DossierError, InvalidInput
from core.http import pdf_response
from core.prepared import Prepared
from core.storage import touch
from dossiers import services
from dossiers.access import may_see, remember_tracked, tracked_or_404
from dossiers.models import Dossier, ResultDelivery, State
from dossiers.selectors import (
    citizen_forms,
    citizen_forms_annotations,
    citizen_timeline,
    dossiers_of_citizen,
    find_tracked_dossier,
    next_step,
)
from dossiers.uploads import PARKED_DIR, check_upload
from payments.templatetags.payments_tags import payment_annotations
from portal.forms import AnswerSupplementForm, ApplicantForm, TrackForm, WithdrawForm, citizen_identity
from printing.documents import render_dossier_form
from printing.templatetags.printing_tags import signed_result_annotations
from procedures.models import Procedure
from procedures.signals import CATALOG_VERSION_KEY, catalog_version

SIGNING_SALT = "onecua.portal.submission"
REVIEW_SALT = "onecua.portal.submission.review"


# ---------------------------------------------------------------- parked files
def _park(uploaded, *, owner: str) -> str:
    """Check a file and park it in private storage (what the check says to store: a re-encoded image); return a
    signed token naming it. The parked name is derived from the content and the client (`owner`), so posting
    the same file again reuses the parked copy instead of adding one; parked files older than
    ONECUA["PARKED_UPLOAD_HOURS"] are removed by the task portal.remove_parked_uploads."""
    checked = check_upload(uploaded)
    key = salted_hmac(f"{SIGNING_SALT}.parked", f"{owner}:{checked.sha256}", algorithm="sha256").hexdigest()[:40]
    name = f"{PARKED_DIR}/{key}{checked.extension}"
    if default_storage.exists(name):
        touch(default_storage, name)  # parked again now: not one of the abandoned files the clean-up removes
    else:
        name = default_storage.save(name, checked.content or uploaded)
    return signing.dumps({"path": name, "name": uploaded.name[-200:]}, salt=SIGNING_SALT)


def _unpark(token: str) -> dict | None:
    try:
        data = signing.loads(token, salt=SIGNING_SALT, max_age=settings.ONECUA["PARKED_UPLOAD_HOURS"] * 3600)
    except signing.BadSignature:
        return None
    return data if default_storage.exists(data["path"]) else None


@dataclass
class DocumentSlot:
    line: object  # RequiredDocument
    kept: dict | None
    token: str
    error: str = ""


def _document_slots(request, procedure: Procedure, *, accept_files: bool = True) -> tuple[list[DocumentSlot], bool]:
    """The checklist with the files kept from earlier posts and those of this post (checked and parked unless
    `accept_files` is false). A file replaced by a new one is deleted: posting again never adds up."""
    slots, ok, replaced = [], True, set()
    for doc in procedure.documents.all():
        token = request.POST.get(f"kept_{doc.pk}", "") if request.method == "POST" else ""
        kept = _unpark(token) if token else None
        slot = DocumentSlot(doc, kept, token if kept else "")
        uploaded = request.FILES.get(f"file_{doc.pk}") if accept_files else None
        if uploaded:
            try:
                slot.token = _park(uploaded, owner=_client_ip(request))
                slot.kept = _unpark(slot.token)
            except InvalidInput as exc:
                slot.error, ok = exc.message, False
            else:
                if kept:
                    replaced.add(kept["path"])
        if request.method == "POST" and doc.mandatory and not slot.kept and not slot.error:
            slot.error, ok = _("Giấy tờ này là bắt buộc: hãy đính kèm tệp PDF, JPEG hoặc PNG."), False
        slots.append(slot)
    for path in replaced - {slot.kept["path"] for slot in slots if slot.kept}:
        default_storage.delete(path)
    return slots, ok


def _uploads_limited(request) -> bool:
    """Posting files (each checked in depth, then parked) is limited per client and hour."""
    if request.method != "POST" or not request.FILES:
        return False
    count = count_hit(f"portal-submit-files:{_client_ip(request)}", window_seconds=3600)
    return count > settings.ONECUA["UPLOAD_POSTS_PER_HOUR"]


def _procedure(code: str) -> Procedure:
    try:
        return Procedure.objects.active().exclude(online_level="none").get(national_code=code)
    except Procedure.DoesNotExist as exc:
        raise Http404 from exc


def submit(request, national_code: str):
    procedure = _procedure(national_code)
    form = ApplicantForm(request.POST or None, procedure=procedure, identity=citizen_identity(request.user))
    if _uploads_limited(request):
        # What was typed (and the files kept from earlier posts) is shown again; this post's files are not taken.
        slots, _files_ok = _document_slots(request, procedure, accept_files=False)
        messages.error(request, _("Bạn đã gửi tệp đính kèm quá nhiều lần trong một giờ (tối đa %(n)s lần). Các tệp "
                                  "vừa chọn chưa được nhận; thông tin đã nhập vẫn được giữ nguyên. Vui lòng thử lại "
                                  "sau.") % {"n": settings.ONECUA["UPLOAD_POSTS_PER_HOUR"]})
        return _submit_page(request, procedure, form, slots, status=429)
    slots, files_ok = _document_slots(request, procedure)
    if request.method == "POST" and form.is_valid() and files_ok:
        payload = {k: (v.pk if hasattr(v, "pk") else (v.isoformat() if hasattr(v, "isoformat") else v))
                   for k, v in form.cleaned_data.items()}
        payload["files"] = {str(s.line.pk): s.token for s in slots if s.token}
        context = {"procedure": procedure, "form": form, "slots": slots,
                   "payload": _sign_review(payload, procedure),
                   "delivery_label": ResultDelivery(form.cleaned_data["requested_delivery"]).label}
        return render(request, "portal/review.html", context)
    return _submit_page(request, procedure, form, slots, status=400 if request.method == "POST" else 200)


def _submit_page(request, procedure: Procedure, form, slots: list[DocumentSlot], *, status: int):
    """Step 1 of 3; after a refused post, an error summary at the top links each refused field and file."""
    context = {"procedure": procedure, "form": form, "slots": slots,
               "file_errors": [slot for slot in slots if slot.error]}
    return render(request, "portal/submit.html", context, status=status)


def _sign_review(payload: dict, procedure: Procedure) -> str:
    """The reviewed submission for the confirm page: signed with a salt of its own (a parked file's token never
    reads as a submission, nor the reverse) and bound to its procedure."""
    return signing.dumps({**payload, "procedure": procedure.pk}, salt=REVIEW_SALT)


@require_POST
def submit_confirm(request, national_code: str):
    procedure = _procedure(national_code)
    try:
        payload = signing.loads(request.POST.get("payload", ""), salt=REVIEW_SALT, max_age=2 * 24 * 3600)
    except signing.BadSignature:
        messages.error(request, _("Phiên nộp hồ sơ đã hết hạn hoặc không hợp lệ. Vui lòng nhập lại."))
        return redirect("portal:submit", national_code=national_code)
    if payload.get("procedure") != procedure.pk:
        # Reviewed for another procedure: its files are not this procedure's documents.
        messages.error(request, _("Thông tin đã kiểm tra thuộc một thủ tục khác, không phải thủ tục “%(name)s”. "
                                  "Vui lòng nhập lại hồ sơ cho thủ tục này.") % {"name": procedure.name})
        return redirect("portal:submit", national_code=national_code)
    agency = procedure.agencies.filter(pk=payload["agency"], is_one_stop_desk=True).first()
    if agency is None:
        raise Http404
    applicant = services.ApplicantData(
        name=payload["applicant_name"], id_number=payload["applicant_id_number"], phone=payload["applicant_phone"],
        email=payload.get("applicant_email", ""), address=payload.get("applicant_address", ""),
        birth_date=payload.get("applicant_birth_date") or None)
    identity = citizen_identity(request.user)
    if identity:  # the account's identity wins over anything the reviewed page carried
        applicant = services.ApplicantData(
            name=identity["applicant_name"] or applicant.name, id_number=identity["applicant_id_number"],
            phone=identity["applicant_phone"] or applicant.phone, email=applicant.email, address=applicant.address,
            birth_date=identity["applicant_birth_date"] or applicant.birth_date)
    parked = {int(k): _unpark(v) for k, v in payload["files"].items()}
    if any(v is None for v in parked.values()):
        messages.error(request, _("Tệp đính kèm đã hết hạn lưu tạm. Vui lòng đính kèm lại."))
        return redirect("portal:submit", national_code=national_code)
    missing = [doc.name for doc in procedure.documents.all() if doc.mandatory and doc.pk not in parked]
    if missing:  # the checklist changed since the review
        messages.error(request, _("Còn thiếu giấy tờ bắt buộc: %(names)s. Vui lòng đính kèm lại.")
                       % {"names": "; ".join(missing)})
        return redirect("portal:submit", national_code=national_code)
    try:
        with ExitStack() as files:
            uploads = []
            for doc_id, info in parked.items():
                fh = files.enter_context(default_storage.open(info["path"], "rb"))
                fh.name = info["name"]
                uploads.append(services.Upload(fh, doc_id))
            dossier = services.dossier_submit_online(
                procedure=procedure, receiving_agency=agency, applicant=applicant, uploads=uploads,
                request_text=payload.get("request_text", ""), requested_delivery=payload.get("requested_delivery", ""),
                applicant_user=request.user if request.user.is_authenticated else None)
    except DossierError as exc:
        messages.error(request, exc.message)
        return redirect("portal:submit", national_code=national_code)
    for info in parked.values():
        default_storage.delete(info["path"])
    remember_tracked(request, dossier)
    return redirect("portal:submitted", code=dossier.code)


def submitted(request, code: str):
    dossier = tracked_or_404(request, code)
    return render(request, "portal/submitted.html", {"dossier": dossier})






def _client_ip(request) -> str:
    """The client's address behind trusted reverse proxies (settings.TRUSTED_PROXIES); see accounts.ratelimit."""
    from accounts.ratelimit import client_ip

    return client_ip(request) or "unknown"


def _rate_limited(request) -> bool:
    count = count_hit(f"portal-track:{_client_ip(request)}", window_seconds=600)
    return count > settings.ONECUA["TRACK_LOOKUPS_PER_10_MIN"]


def track(request):
    """Code + phone (or ID number) sent by POST, so they never reach a URL (logs, history, proxies); a link from
    form 01's QR code or a message carries ?ma=<code> only and just fills in the code (no error before submitting).
    A match is remembered in the session and redirected to (POST-redirect-GET)."""
    if request.method == "POST":
        form = TrackForm(request.POST)
    elif "sdt" in request.GET:
        # An old bookmark or a hand-made link with the phone in it: never used, and dropped from the address
        # before the page (whose language switcher echoes the path) and the browser history can pass it on.
        code = request.GET.get("ma", "").strip()[:60]
        return redirect(reverse("portal:track") + (f"?{urlencode({'ma': code})}" if code else ""))
    else:
        form = TrackForm(initial={"ma": request.GET.get("ma", "").strip()[:60]})
        if form.initial["ma"]:
            form.fields["sdt"].widget.attrs["autofocus"] = True  # the code is filled in: the phone is next
    not_found, limited = False, False
    if form.is_bound and form.is_valid():
        if _rate_limited(request):
            limited = True
        else:
            dossier = find_tracked_dossier(code=form.cleaned_data["ma"], secret=form.cleaned_data["sdt"])
            if dossier is None:
                not_found = True
            else:
                remember_tracked(request, dossier)
                return redirect("portal:dossier", code=dossier.code)
    status = 429 if limited else (404 if not_found else 200)
    return render(request, "portal/track.html", {"form": form, "not_found": not_found, "limited": limited},
                  status=status)


# What the tracking page reads on every request: who may see the dossier, its version (and the one column a
# recomputation of the calendar changes without an action: the appointment), and whether the forms, the payment
# and the signed-result panels have anything to show — one statement, compiled once per connection.
_TRACKED = Compiled()


def _tracked_row(code: str):
    return Dossier.objects.filter(code=code).order_by().annotate(
        **citizen_forms_annotations(), **signed_result_annotations(), **payment_annotations()).values(
        "id", "submitted_at", "version", "state", "appointment_at", "applicant_user_id", "applicant_id_number",
        "authorised_id_number", *citizen_forms_annotations(), *signed_result_annotations(), *payment_annotations())



# The whole dossier (with its procedure) when the body is rendered or a panel needs it.
_DOSSIER = Prepared(lambda pk: Dossier.objects.select_related("procedure").filter(pk=pk), probe=-1)
# How long a rendered dossier body lives in the cache (a new version is a new key anyway). Short: a body holds the
# applicant's data, and once the dossier is archived (its personal data removed) the old body must not linger long.
BODY_SECONDS = 600
_MARKS = ("<!--panels-->", "<!--rating-->")  # in portal/_dossier_body.html; escaped data can never hold "<"


def _body_key(row: dict) -> str:
    """Everything the cached body depends on besides the catalog (whose version is stored with the body): the
    dossier (its key and submission time: a database loaded afresh cannot reuse another's body) and its version —
    every action moves it: the state, the events of the timeline, the supplement request and its answer, the
    forms issued —, the appointment (moved by a calendar change without an action), the language and the time
    zone the dates are shown in."""
    appointment = row["appointment_at"].timestamp() if row["appointment_at"] else "-"
    return (f"portal:dossier-body:{row['id']}:{row['submitted_at'].timestamp()}:{row['version']}:{appointment}:"
            f"{get_language()}:{timezone.get_current_timezone_name()}")


def _tracked_body(dossier) -> tuple[str, str, str]:
    """portal/_dossier_body.html, cut where the per-request panels go."""
    body = render_to_string("portal/_dossier_body.html", {
        "dossier": dossier,
        "timeline": citizen_timeline(dossier=dossier),
        "next_step": next_step(dossier),
        "forms": citizen_forms(dossier=dossier),
        "pending_request": dossier.supplement_requests.filter(answered_at__isnull=True).last()
        if dossier.state == State.SUPPLEMENT_REQUESTED else None,
        "can_withdraw": dossier.state in {State.SUBMITTED, State.RECEIVED, State.PROCESSING,
                                          State.SUPPLEMENT_REQUESTED, State.AWAITING_PAYMENT},
    })
    head, rest = body.split(_MARKS[0], 1)
    middle, tail = rest.split(_MARKS[1], 1)
    return head, middle, tail


def tracked_dossier(request, code: str):
    """The applicant's page of a dossier. Its body (facts, supplement request, forms, timeline) is rendered once per
    dossier version and kept in the cache — served only after the check of who may see the dossier, and holding
    nothing of the visitor (no csrf token); the payment, signed-result and rating panels, which change without
    an action on the dossier, are rendered on every request where they have something to show."""
    row = next(iter(_TRACKED.values("tracked", _tracked_row, [code])), None)  # the code is unique
    if row is None or not may_see(request, pk=row["id"], applicant_user_id=row["applicant_user_id"],
                                  applicant_id_number=row["applicant_id_number"],
                                  authorised_id_number=row["authorised_id_number"]):
        raise Http404
    key = _body_key(row)
    found = cache.get_many([CATALOG_VERSION_KEY, key])
    catalog = found.get(CATALOG_VERSION_KEY) or catalog_version()
    cached = found.get(key)
    dossier = None

    def load():
        loaded = _DOSSIER.get(row["id"])
        if loaded is None:  # deleted since the first read
            raise Http404
        for name in ("issued_supplement_request", "issued_apology", "has_signed_result", "has_current_payments"):
            setattr(loaded, name, bool(row[name]))  # read with the version the body is kept under
        return loaded

    if cached is not None and cached[0] == catalog and cached[1] == code:
        parts = cached[2]
    else:
        dossier = load()
        parts = _tracked_body(dossier)
        cache.set(key, (catalog, code, parts), BODY_SECONDS)
    panels = bool(row["has_current_payments"] or row["has_signed_result"])
    rating = row["state"] == State.RETURNED
    if dossier is None and (panels or rating):
        dossier = load()
    head, middle, tail = (mark_safe(part) for part in parts)  # rendered by portal/_dossier_body.html
    return render(request, "portal/dossier.html", {"code": code, "dossier": dossier, "head": head, "middle": middle,
                                                   "tail": tail, "panels": panels, "rating": rating})


def tracked_form_pdf(request, code: str, number: str):
    dossier = tracked_or_404(request, code)
    if number not in dict(citizen_forms(dossier=dossier)):
        raise Http404
    return pdf_response(render_dossier_form(number, dossier))


def answer_supplement(request, code: str):
    dossier = tracked_or_404(request, code)
    if dossier.state != State.SUPPLEMENT_REQUESTED:
        messages.info(request, _("Hồ sơ hiện không có yêu cầu bổ sung nào đang chờ."))
        return redirect("portal:dossier", code=code)
    request_row = dossier.supplement_requests.filter(answered_at__isnull=True).last()
    items = list(request_row.items) if request_row else []
    form = AnswerSupplementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        uploads = _supplement_uploads(request, items)
        if not uploads:
            form.add_error(None, _("Hãy đính kèm ít nhất một tệp giấy tờ bổ sung."))
        else:
            try:
                services.dossier_answer_supplement(dossier=dossier, actor=services.APPLICANT,
                                                   note=form.cleaned_data["note"], uploads=uploads)
            except DossierError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Đã gửi hồ sơ bổ sung. Cơ quan sẽ tiếp tục giải quyết."))
                return redirect("portal:dossier", code=code)
    context = {"dossier": dossier, "form": form, "request_row": request_row,
               "item_inputs": [(f"item_{number}", item) for number, item in enumerate(items, 1)]}
    return render(request, "portal/answer.html", context, status=400 if form.is_bound and form.errors else 200)


def _supplement_uploads(request, items: list[str]) -> list:
    """The files of a supplement answer: those chosen for each requested item (input item_<n>), named after the
    item so the desk sees what each file answers ("<item> – <file name>"), then the other files (input files)."""
    uploads = []
    for number, item in enumerate(items, 1):
        label = " ".join(str(item).replace("/", "-").replace("\\", "-").split())[:80].strip()
        for uploaded in request.FILES.getlist(f"item_{number}"):
            if label:
                uploaded.name = f"{label} – {uploaded.name}"
            uploads.append(services.Upload(uploaded))
    return uploads + [services.Upload(uploaded) for uploaded in request.FILES.getlist("files")]


def withdraw(request, code: str):
    dossier = tracked_or_404(request, code)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.dossier_withdraw(dossier=dossier, actor=services.APPLICANT,
                                      reason=form.cleaned_data["reason"] or _("Người nộp rút hồ sơ"))
        except DossierError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Đã rút hồ sơ. Thông báo dừng giải quyết (mẫu 05) đã được lập."))
            return redirect("portal:dossier", code=code)
    return render(request, "portal/withdraw.html", {"dossier": dossier, "form": form},
                  status=400 if form.is_bound and form.errors else 200)


# ---------------------------------------------------------------- my dossiers
MINE_LIMIT = 200  # the newest dossiers shown
@login_required
def my_dossiers(request):
    form = TrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _rate_limited(request):
            form.add_error(None, _("Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau 10 phút."))
        else:
            dossier = find_tracked_dossier(code=form.cleaned_data["ma"], secret=form.cleaned_data["sdt"])
            try:
                if dossier is None:
                    raise ActionForbidden("")
                services.dossier_claim(dossier=dossier, user=request.user)
            except DossierError:  # another account's dossier looks like no dossier at all
                form.add_error(None, _("Không tìm thấy hồ sơ với mã và số điện thoại (hoặc số định danh) này."))
            else:
                messages.success(request, _("Đã thêm hồ sơ %(code)s vào danh sách của bạn.") % {"code": dossier.code})
                return redirect("portal:mine")
    dossiers = list(dossiers_of_citizen(user=request.user)[:MINE_LIMIT])
    for dossier in dossiers:  # each opens on the tracking pages (dossiers.access.tracked_or_404) from here
        if dossier.applicant_user_id != request.user.pk:
            remember_tracked(request, dossier)
    return render(request, "portal/mine.html", {"dossiers": dossiers, "form": form,
                                                "by_identity": bool(citizen_identity(request.user))})

