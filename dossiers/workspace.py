"""The staff workspace: queues, desk intake, actions on a dossier, official forms as PDFs."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_fsm import can_proceed

from accounts.models import Role
from accounts.selectors import memberships_of
from privacy.services import access_record, access_record_many
from procedures.models import Agency
from procedures.worktime import TZ

from . import permissions, services
from .documents import FORM_TITLES, render_dossier_form, render_tracking_book
from .errors import ActionForbidden, ConcurrentChange, DossierError
from .models import OPEN_STATES, Apology, Dossier, State
from .selectors import (
    QUEUE_BY_KEY,
    citizen_forms,
    dossier_attachment_groups,
    dossier_events,
    dossier_for_staff,
    queue_dossiers,
    staff_queues,
    tracking_book_dossiers,
)
from .views import staff_required, visible_or_404
from .workspace_forms import (
    ApologyForm,
    AssignForm,
    BookForm,
    ForwardForm,
    IntakeForm,
    NoteForm,
    ProposeForm,
    ReasonForm,
    ReturnForm,
    SupplementForm,
)

PAGE_SIZE = 25


def _number(value: str | None) -> int | None:
    """An id or a version sent by a form: ASCII digits that fit a database integer, else None (str.isdigit()
    also accepts "²", which int() refuses)."""
    return int(value) if value and len(value) <= 18 and value.isascii() and value.isdigit() else None


# ---------------------------------------------------------------- queues
@staff_required
def staff_home(request):
    queues = staff_queues(user=request.user)
    # By default the first queue with something in it (a leader with dossiers awaiting approval sees them, not
    # an empty "awaiting assignment"); every queue empty: the first one.
    default = next((q.key for q, count in queues if count), queues[0][0].key if queues else None)
    key = request.GET.get("q_key") or default
    if key != "all" and key not in QUEUE_BY_KEY:
        key = default
    search = request.GET.get("tim", "").strip()[:100]
    dossiers = queue_dossiers(user=request.user, key=None if key == "all" else key, search=search)
    page = Paginator(dossiers, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "queues": queues, "current": key, "search": search, "page": page, "query_string": query.urlencode(),
        "now": timezone.now(), "today": timezone.localdate(),
        "desks": [m.agency for m in memberships_of(user=request.user) if m.role == Role.CLERK],
    }
    return render(request, "dossiers/workspace/home.html", context)


# ---------------------------------------------------------------- desk intake
@staff_required
def intake(request, agency_id: int):
    """The walk-in form. Its procedure picker brings that procedure's checklist: with htmx at once (a GET with
    ?procedure= whose #checklist is swapped in), without JavaScript by the "show the checklist" button (a POST
    with `show_checklist` that only redraws the form, keeping what was typed: no personal data in an address)."""
    try:
        agency = Agency.objects.get(pk=agency_id, is_one_stop_desk=True)
    except Agency.DoesNotExist as exc:
        raise Http404 from exc
    if not permissions.allowed(user=request.user, action="create_at_desk", agency_id=agency.pk):
        raise Http404
    redraw = request.method == "POST" and "show_checklist" in request.POST
    if request.method == "POST" and not redraw:
        form = IntakeForm(request.POST, request.FILES, agency=agency)
    else:
        typed = {name: request.POST.get(name) for name in IntakeForm.base_fields if name in request.POST}
        form = IntakeForm(agency=agency, initial=typed)
    choices = form.fields["procedure"].queryset
    procedure = None
    status = 200
    if form.is_bound and form.is_valid():
        procedure = form.cleaned_data["procedure"]
        ticked = {n for x in request.POST.getlist("provided") if (n := _number(x)) is not None}
        data = form.cleaned_data
        applicant = services.ApplicantData(
            name=data["applicant_name"], id_number=data["applicant_id_number"], phone=data["applicant_phone"],
            email=data["applicant_email"], address=data["applicant_address"],
            is_organisation=data["applicant_is_organisation"])
        uploads = [services.Upload(request.FILES[f"file_{doc.pk}"], doc.pk) for doc in procedure.documents.all()
                   if request.FILES.get(f"file_{doc.pk}")]
        receive = "receive_now" in request.POST
        try:
            dossier = services.dossier_intake_at_desk(
                procedure=procedure, receiving_agency=agency, channel=data["channel"], applicant=applicant,
                actor=request.user, request_text=data["request_text"], provided_required_document_ids=ticked,
                set_count=data["set_count"], uploads=uploads, receive=receive)
        except DossierError as exc:
            messages.error(request, exc.message)
            status = 400
        else:
            if receive:
                messages.success(request, _("Đã tạo và tiếp nhận hồ sơ %(code)s. In giấy tiếp nhận (mẫu 01).")
                                 % {"code": dossier.code})
                return redirect(f"{reverse('dossiers:detail', args=[dossier.pk])}?in=01")
            messages.success(request, _("Đã tạo hồ sơ %(code)s. Hãy tiếp nhận, yêu cầu bổ sung hoặc từ chối.")
                             % {"code": dossier.code})
            return redirect("dossiers:detail", pk=dossier.pk)
    else:
        pid = _number(request.POST.get("procedure") if request.method == "POST" else request.GET.get("procedure"))
        if pid is not None:
            procedure = choices.filter(pk=pid).first()
        elif not form.is_bound and len(offered := list(choices[:2])) == 1:
            procedure = offered[0]  # a desk with one procedure: nothing to choose
    documents = list(procedure.documents.all()) if procedure else []
    context = {"form": form, "agency": agency, "procedure": procedure, "documents": documents,
               "ticked": set(request.POST.getlist("provided"))}
    if request.htmx and request.method == "GET":
        return render(request, "dossiers/workspace/_checklist.html", context)
    return render(request, "dossiers/workspace/intake.html", context,
                  status=400 if form.is_bound and not form.is_valid() else status)


# ---------------------------------------------------------------- actions on one dossier
@dataclass(frozen=True)
class Action:
    label: str
    form: type
    transition: str | None  # None: not a state transition (apology)
    rule: str
    form_number: str | None = None
    danger: bool = False


ACTIONS: dict[str, Action] = {
    "receive": Action("Tiếp nhận và in giấy hẹn (mẫu 01)", NoteForm, "receive", "receive", "01"),
    "request_supplement": Action("Yêu cầu bổ sung (mẫu 02)", SupplementForm, "request_supplement",
                                 "request_supplement", "02"),
    "refuse": Action("Từ chối tiếp nhận (mẫu 03)", ReasonForm, "refuse", "refuse", "03", danger=True),
    "answer_supplement": Action("Nhận hồ sơ bổ sung", NoteForm, None, "answer_supplement"),
    "forward": Action("Chuyển xử lý", ForwardForm, "forward", "forward"),
    "assign": Action("Phân công chuyên viên", AssignForm, "assign", "assign"),
    "await_payment": Action("Chờ nghĩa vụ tài chính", ReasonForm, "await_payment", "await_payment"),
    "confirm_payment": Action("Đã nộp nghĩa vụ tài chính", NoteForm, "confirm_payment", "confirm_payment"),
    "propose": Action("Đề xuất kết quả", ProposeForm, "propose", "propose"),
    "approve": Action("Phê duyệt", NoteForm, "approve", "approve"),
    "decline": Action("Không phê duyệt (trả lời bằng văn bản)", ReasonForm, "decline", "decline", danger=True),
    "propose_apology": Action("Đề xuất xin lỗi và hẹn lại (mẫu 04)", ApologyForm, None, "propose_apology"),
    "apologise": Action("Lập phiếu xin lỗi và hẹn lại (mẫu 04)", ApologyForm, None, "apologise", "04"),
    "propose_stop": Action("Đề xuất dừng giải quyết", ReasonForm, None, "propose_stop"),
    "stop": Action("Quyết định dừng giải quyết", ReasonForm, "stop", "stop", danger=True),
    "withdraw": Action("Công dân rút hồ sơ (mẫu 05)", ReasonForm, "withdraw", "withdraw", "05", danger=True),
    "return_result": Action("Trả kết quả", ReturnForm, "return_result", "return_result"),
}


def _rule(name: str, dossier: Dossier) -> str:
    if name == "request_supplement" and dossier.received_at is None:
        return "request_supplement_at_desk"
    return ACTIONS[name].rule


def _possible(name: str, dossier: Dossier) -> bool:
    action = ACTIONS[name]
    if name == "answer_supplement":
        return dossier.state == State.SUPPLEMENT_REQUESTED
    if name in ("apologise", "propose_apology"):
        return dossier.state in OPEN_STATES and not Apology.objects.filter(dossier=dossier).exists()
    if name == "propose_stop":
        return can_proceed(dossier.stop)
    return can_proceed(getattr(dossier, action.transition))


def available_actions(*, user, dossier: Dossier) -> list[str]:
    return [name for name in ACTIONS
            if _possible(name, dossier) and permissions.allowed(user=user, action=_rule(name, dossier),
                                                                   dossier=dossier)]


def _make_form(name: str, dossier: Dossier, data=None):
    cls = ACTIONS[name].form
    if cls is AssignForm:
        return cls(data, agency_id=dossier.handling_agency_id, prefix=name)
    if name == "stop" and data is None and (proposal := services.stop_proposal(dossier)) is not None:
        return cls(prefix=name, initial={"reason": proposal.note})  # the officer's reasons, for the leader
    if name == "apologise" and data is None and (offer := services.pending_apology_proposal(dossier)):
        local = offer.new_appointment_at.astimezone(TZ)
        return cls(prefix=name, initial={"reason": offer.reason, "new_date": local.date(),
                                         "new_time": local.strftime("%H:%M")})
    return cls(data, prefix=name)


def _perform(name: str, dossier: Dossier, user, data: dict, version: int | None) -> Dossier:
    common = {"dossier": dossier, "actor": user, "expected_version": version}
    if name == "receive":
        return services.dossier_receive(**common)
    if name == "request_supplement":
        return services.dossier_request_supplement(items=data["items"], reason=data["reason"], **common)
    if name == "refuse":
        return services.dossier_refuse(reason=data["reason"], **common)
    if name == "answer_supplement":
        return services.dossier_answer_supplement(note=data["note"], **common)
    if name == "forward":
        return services.dossier_forward(to_agency=data["to_agency"], note=data["note"], **common)
    if name == "assign":
        return services.dossier_assign(officer=data["officer"], **common)
    if name == "await_payment":
        return services.dossier_await_payment(note=data["reason"], **common)
    if name == "confirm_payment":
        return services.dossier_confirm_payment(note=data["note"], **common)
    if name == "propose":
        return services.dossier_propose(outcome=data["outcome"], note=data["note"], **common)
    if name == "approve":
        return services.dossier_approve(note=data["note"], **common)
    if name == "decline":
        return services.dossier_decline(reason=data["reason"], **common)
    if name in ("apologise", "propose_apology"):
        new_at = datetime.combine(data["new_date"], data["new_time"], tzinfo=TZ)
        service = services.dossier_apologise if name == "apologise" else services.dossier_propose_apology
        return service(reason=data["reason"], new_appointment_at=new_at, **common)
    if name == "propose_stop":
        return services.dossier_propose_stop(reason=data["reason"], **common)
    if name == "stop":
        return services.dossier_stop(reason=data["reason"], **common)
    if name == "withdraw":
        return services.dossier_withdraw(reason=data["reason"], **common)
    if name == "return_result":
        return services.dossier_return_result(delivery=data["delivery"], note=data["note"], **common)
    raise Http404


def render_detail(request, dossier: Dossier, *, bound: dict | None = None, status: int = 200):
    names = available_actions(user=request.user, dossier=dossier)
    forms = {name: (bound or {}).get(name) or _make_form(name, dossier) for name in names}
    context = {
        "dossier": dossier,
        "documents": dossier.documents.prefetch_related("attachments"),
        "events": dossier_events(dossier=dossier),
        "attachment_groups": dossier_attachment_groups(dossier=dossier),
        "print_now": request.GET.get("in") if request.GET.get("in") in dict(printable_forms(dossier)) else None,
        "actions": [(name, ACTIONS[name], forms[name]) for name in names],
        "printable": printable_forms(dossier),
        "now": timezone.now(),
    }
    return render(request, "dossiers/workspace/detail.html", context, status=status)


@staff_required
def dossier_detail(request, pk: int):
    dossier = visible_or_404(request, pk)
    access_record(actor=request.user, dossier=dossier, what="staff_page", request=request)
    return render_detail(request, dossier)


@staff_required
@require_POST
def dossier_action(request, pk: int, name: str):
    dossier = visible_or_404(request, pk)
    if name not in ACTIONS:
        raise Http404
    form = _make_form(name, dossier, request.POST)
    if not form.is_valid():  # the form's error summary says what to correct (role="alert")
        return render_detail(request, dossier, bound={name: form}, status=400)
    version = request.POST.get("version")
    if (ACTIONS[name].danger and request.POST.get("confirmed") != "1" and _number(version) in (None, dossier.version)
            and name in available_actions(user=request.user, dossier=dossier)):
        # Refuse, stop, withdraw, decline: a second, server-rendered step (static/js/confirm.js sends
        # confirmed=1 once its dialog was accepted). Anything that would fail anyway fails now, below.
        return render(request, "dossiers/workspace/confirm.html",
                      {"dossier": dossier, "name": name, "action": ACTIONS[name], "form": form, "version": version})
    try:
        updated = _perform(name, dossier, request.user, form.cleaned_data,
                           _number(version))
    except ActionForbidden as exc:
        messages.error(request, exc.message)
        return render_detail(request, dossier, bound={name: form}, status=403)
    except ConcurrentChange as exc:
        messages.error(request, exc.message)
        return render_detail(request, dossier_for_staff(user=request.user, pk=pk), status=409)
    except DossierError as exc:
        messages.error(request, exc.message)
        return render_detail(request, dossier, bound={name: form}, status=400)
    messages.success(request, _("Đã thực hiện: %(action)s.") % {"action": ACTIONS[name].label})
    if updated.pk and ACTIONS[name].form_number:
        messages.info(request, _("In phiếu: mẫu số %(n)s (nút in bên dưới).") % {"n": ACTIONS[name].form_number})
    return redirect("dossiers:detail", pk=pk)


# ---------------------------------------------------------------- forms as PDF
def printable_forms(dossier: Dossier) -> list[tuple[str, str]]:
    """The applicant's forms (01–05) plus the control sheet (06) once the dossier was received."""
    forms = citizen_forms(dossier=dossier)
    if dossier.received_at:
        forms.append(("06", FORM_TITLES["06"]))
    return forms


def pdf_response(rendered, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(rendered.pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{rendered.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
def dossier_form_pdf(request, pk: int, number: str):
    dossier = visible_or_404(request, pk)
    if number not in dict(printable_forms(dossier)):
        raise Http404
    access_record(actor=request.user, dossier=dossier, what="form_pdf", detail=number, request=request)
    return pdf_response(render_dossier_form(number, dossier))


@staff_required
def tracking_book(request):
    desks = [m.agency for m in memberships_of(user=request.user) if m.role in {Role.CLERK, Role.LEADER,
                                                                                Role.INSPECTOR, Role.ADMIN}]
    choices = Agency.objects.filter(pk__in=[a.pk for a in desks], is_one_stop_desk=True)
    today = timezone.localdate()
    initial = {"start": today, "end": today}  # the day's book, at the user's desk when they have only one
    if len(offered := list(choices[:2])) == 1:
        initial["agency"] = offered[0].pk
    form = BookForm(request.GET or None, initial=initial)
    form.fields["agency"].queryset = choices
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        dossiers = tracking_book_dossiers(user=request.user, agency_id=data["agency"].pk, start=data["start"],
                                          end=data["end"])
        access_record_many(actor=request.user, dossiers=dossiers, what="export", detail="07", request=request)
        return pdf_response(render_tracking_book(agency=data["agency"], start=data["start"], end=data["end"],
                                                 dossiers=dossiers))
    return render(request, "dossiers/workspace/book.html", {"form": form},
                  status=400 if form.is_bound else 200)
