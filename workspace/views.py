"""The staff workspace: queues, desk intake, actions on a dossier, official forms as PDFs."""


from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from accounts.models import Role
from accounts.selectors import memberships_of
from core.errors import ConcurrentChange, DossierError
from core.http import pdf_response
from core.masking import mask_digits
from dossiers import permissions, services
from dossiers.actions import STAFF_ACTIONS
from dossiers.form_numbers import FORM_TITLES
from dossiers.models import Dossier, State
from dossiers.selectors import (
    QUEUE_BY_KEY,
    citizen_forms,
    dossier_attachment_groups,
    dossier_events,
    dossier_for_staff,
    queue_dossiers,
    queue_page,
    staff_queues,
    tracking_book_dossiers,
)
from dossiers.steps import current_steps, step_is_late
from printing.documents import render_dossier_form, render_tracking_book
from privacy.services import access_record, access_record_many
from procedures.formatting import vn_short_datetime
from procedures.models import Agency
from workspace import forms
from workspace.forms import BookForm, IntakeForm
from workspace.records import visible_or_404

PAGE_SIZE = 25


def _number(value: str | None) -> int | None:
    """An id or a version sent by a form: ASCII digits that fit a database integer, else None (str.isdigit()
    also accepts "²", which int() refuses)."""
    return int(value) if value and len(value) <= 18 and value.isascii() and value.isdigit() else None


# ---------------------------------------------------------------- queues
@staff_required
def staff_home(request):
    now, today = timezone.now(), timezone.localdate()
    queues = staff_queues(user=request.user, now=now)
    # By default the first queue with something in it (a leader with dossiers awaiting approval sees them, not
    # an empty "awaiting assignment"); every queue empty: the first one.
    default = next((q.key for q, count in queues if count), queues[0][0].key if queues else None)
    key = request.GET.get("q_key") or default
    if key != "all" and key not in QUEUE_BY_KEY:
        key = default
    search = request.GET.get("tim", "").strip()[:100]
    dossiers = queue_dossiers(user=request.user, key=None if key == "all" else key, search=search, now=now)
    paginator = Paginator(dossiers, PAGE_SIZE)
    counted = {q.key: count for q, count in queues}
    if key in counted and not search:
        paginator.count = counted[key]  # the tab's count: the same filter, counted with the others
    page = paginator.get_page(request.GET.get("page"))
    # The page's 25 rows: ids first (sorted through the queue indexes), then those rows with the names they show.
    page.object_list = queue_page(dossiers, offset=(page.number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    current = current_steps(page.object_list)  # each row's current step of the internal process (one query)
    labels = {value: str(label) for value, label in State.choices}  # once, not get_state_display() per row
    detail = reverse("workspace:detail", args=[0]).removesuffix("0/")  # the rows' links: "<detail>{pk}/"
    for d in page.object_list:  # what the rows show, computed once here rather than by filters per cell
        d.state_label, d.url, d.phone = labels.get(d.state, d.state), f"{detail}{d.pk}/", mask_digits(d.applicant_phone)
        d.due_text = vn_short_datetime(d.due_at) if d.due_at else "—"
        d.is_overdue = bool(d.due_at and d.due_at < now and d.state not in ("returned", "resolved"))
        d.is_due_today = bool(d.due_at and timezone.localdate(d.due_at) == today)
        d.step = current.get(d.pk)
        d.step_due_text = vn_short_datetime(d.step.due_at) if d.step else ""
        d.step_is_late = step_is_late(d.step, now)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "queues": queues, "current": key, "search": search, "page": page, "query_string": query.urlencode(),
        "desks": [m.agency for m in memberships_of(user=request.user) if m.role == Role.CLERK],
    }
    return render(request, "workspace/home.html", context)


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
            status = exc.status
        else:
            if receive:
                messages.success(request, _("Đã tạo và tiếp nhận hồ sơ %(code)s. In giấy tiếp nhận (mẫu 01).")
                                 % {"code": dossier.code})
                return redirect(f"{reverse('workspace:detail', args=[dossier.pk])}?in=01")
            messages.success(request, _("Đã tạo hồ sơ %(code)s. Hãy tiếp nhận, yêu cầu bổ sung hoặc từ chối.")
                             % {"code": dossier.code})
            return redirect("workspace:detail", pk=dossier.pk)
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
        return render(request, "workspace/_checklist.html", context)
    return render(request, "workspace/intake.html", context,
                  status=400 if form.is_bound and not form.is_valid() else status)


# ---------------------------------------------------------------- actions on one dossier
def available_actions(*, user, dossier: Dossier) -> list[str]:
    """The staff actions `user` may take on `dossier` now, in the order of their buttons."""
    return [name for name, action in STAFF_ACTIONS.items()
            if action.is_possible(dossier) and permissions.allowed(user=user, action=name, dossier=dossier)]


def _make_form(name: str, dossier: Dossier, data=None, files=None):
    return getattr(forms, STAFF_ACTIONS[name].form)(data, files, dossier=dossier, prefix=name)


def _perform(name: str, dossier: Dossier, user, form, version: int | None) -> Dossier:
    service = getattr(services, STAFF_ACTIONS[name].service)
    return service(dossier=dossier, actor=user, expected_version=version, **form.service_kwargs())


def render_detail(request, dossier: Dossier, *, bound: dict | None = None, status: int = 200):
    names = available_actions(user=request.user, dossier=dossier)
    action_forms = {name: (bound or {}).get(name) or _make_form(name, dossier) for name in names}
    context = {
        "dossier": dossier,
        "documents": dossier.documents.prefetch_related("attachments"),
        "events": dossier_events(dossier=dossier),
        "attachment_groups": dossier_attachment_groups(dossier=dossier),
        "print_now": request.GET.get("in") if request.GET.get("in") in dict(printable_forms(dossier)) else None,
        "actions": [(name, STAFF_ACTIONS[name], action_forms[name]) for name in names],
        "printable": printable_forms(dossier),
        "now": timezone.now(),
    }
    return render(request, "workspace/detail.html", context, status=status)


@staff_required
def dossier_detail(request, pk: int):
    dossier = visible_or_404(request, pk)
    access_record(actor=request.user, dossier=dossier, what="staff_page", request=request)
    return render_detail(request, dossier)


@staff_required
@require_POST
def dossier_action(request, pk: int, name: str):
    dossier = visible_or_404(request, pk)
    if name not in STAFF_ACTIONS:
        raise Http404
    form = _make_form(name, dossier, request.POST, request.FILES)
    if not form.is_valid():  # the form's error summary says what to correct (role="alert")
        return render_detail(request, dossier, bound={name: form}, status=400)
    version = request.POST.get("version")
    if (STAFF_ACTIONS[name].danger and request.POST.get("confirmed") != "1" and _number(version) in (None, dossier.version)
            and name in available_actions(user=request.user, dossier=dossier)):
        # Refuse, stop, withdraw, decline: a second, server-rendered step (static/js/confirm.js sends
        # confirmed=1 once its dialog was accepted). Anything that would fail anyway fails now, below.
        return render(request, "workspace/confirm.html",
                      {"dossier": dossier, "name": name, "action": STAFF_ACTIONS[name], "form": form, "version": version})
    try:
        updated = _perform(name, dossier, request.user, form, _number(version))
    except DossierError as exc:
        messages.error(request, exc.message)
        if isinstance(exc, ConcurrentChange):  # show what changed; what was typed no longer applies
            return render_detail(request, dossier_for_staff(user=request.user, pk=pk), status=exc.status)
        return render_detail(request, dossier, bound={name: form}, status=exc.status)
    messages.success(request, _("Đã thực hiện: %(action)s.") % {"action": STAFF_ACTIONS[name].button})
    if updated.pk and STAFF_ACTIONS[name].prints:
        messages.info(request, _("In phiếu: mẫu số %(n)s (nút in bên dưới).") % {"n": STAFF_ACTIONS[name].prints})
    return redirect("workspace:detail", pk=pk)


# ---------------------------------------------------------------- forms as PDF
def printable_forms(dossier: Dossier) -> list[tuple[str, str]]:
    """The applicant's forms (01–05) plus the control sheet (06) once the dossier was received."""
    forms = citizen_forms(dossier=dossier)
    if dossier.received_at:
        forms.append(("06", FORM_TITLES["06"]))
    return forms




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
    return render(request, "workspace/book.html", {"form": form},
                  status=400 if form.is_bound else 200)
