"""The staff workspace: queues, desk intake, actions on a dossier, official forms as PDFs."""


import functools
from html import escape
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
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
    queue_count,
    queue_rows,
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
@functools.cache
def _row_labels(language: str | None) -> tuple:
    """The queue table's words (escaped) and the states' names, once per language (the key: gettext reads the
    active language)."""
    del language
    words = (_("Thủ tục"), _("Người nộp"), _("Điện thoại"), _("Trạng thái"), _("Cơ quan đang xử lý"),
             _("Hạn giải quyết"), _("quá hạn"), _("Bước"))
    return (*(escape(str(w)) for w in words), {value: escape(str(label)) for value, label in State.choices})


def _queue_rows(rows, *, now, today, detail: str) -> str:
    """What each row shows, set on the row (the view's context keeps them), and the rows of the queue's table
    (workspace/home.html), written here: 25 rows × 7 cells through the template engine cost more than the rest of
    the page. Every value is escaped as the template's autoescape does (html.escape)."""
    l_procedure, l_applicant, l_phone, l_state, l_agency, l_due, l_overdue, l_step, states = _row_labels(
        get_language())
    parts = []
    for d in rows:  # QueueRow: a dict, written as one
        pk, state, due_at = d["pk"], d["state"], d["due_at"]
        d["url"] = url = f"{detail}{pk}/"
        d["phone"] = phone = mask_digits(d["applicant_phone"])
        d["due_text"] = due_text = vn_short_datetime(due_at) if due_at else "—"
        d["is_overdue"] = overdue = bool(due_at and due_at < now and state not in ("returned", "resolved"))
        d["is_due_today"] = due_today = bool(due_at and timezone.localdate(due_at) == today)
        step = d.get("step")
        due = escape(due_text) + (f" ({l_overdue})" if overdue else "")
        if step is not None:
            d["step_due_text"] = step_due = vn_short_datetime(step.due_at)
            d["step_is_late"] = late = step_is_late(step, now)
            due += (f'<br><small class="step{" overdue" if late else ""}">{l_step} {step.order}. '
                    f'{escape(step.name)}: {escape(step_due)}{f" ({l_overdue})" if late else ""}</small>')
        else:
            d["step_due_text"], d["step_is_late"] = "", False
        officer = f" – {escape(d['officer'])}" if d["officer"] else ""
        cls = "overdue" if overdue else "due-today" if due_today else ""
        parts.append(
            f'<tr class="{cls}"><td><a href="{escape(url)}">{escape(d["code"])}</a></td>'
            f'<td data-label="{l_procedure}">{escape(d["procedure_name"])}</td>'
            f'<td data-label="{l_applicant}">{escape(d["applicant_name"])}</td>'
            f'<td data-label="{l_phone}">{escape(phone)}</td><td data-label="{l_state}">{states.get(state) or escape(state)}</td>'
            f'<td data-label="{l_agency}">{escape(d["agency_name"])}{officer}</td>'
            f'<td data-label="{l_due}">{due}</td></tr>\n')
    return mark_safe("".join(parts))  # noqa: S308 — every value above is escaped


def _tabs_html(queues, current: str | None) -> str:
    """The queue tabs (workspace/home.html's nav), each with its count (as the template shows a number)."""
    here = ' aria-current="page"'
    number = localize if settings.USE_THOUSAND_SEPARATOR else str
    return mark_safe("".join(  # noqa: S308 — every value is escaped
        f'<li><a href="?q_key={escape(q.key)}"{here if q.key == current else ""}>'
        f'{escape(q.label)} <span class="count" id="count-{escape(q.key)}">{number(count)}</span></a></li>\n'
        for q, count in queues))


def _desks_html(desks, intake: str) -> str:
    """The toolbar's walk-in intake buttons, one per desk of the clerk."""
    return mark_safe("".join(  # noqa: S308 — every value is escaped
        f'<a class="button primary" href="{escape(intake)}{desk.pk}/">'
        f'{escape(_("Tiếp nhận hồ sơ trực tiếp – %(name)s") % {"name": desk.name})}</a> ' for desk in desks))


@functools.cache
def _link_prefixes(script_prefix: str, urlconf) -> tuple[str, str]:
    """The rows' and the intake buttons' links without their id ("<detail>{pk}/", "<intake>{agency}/"), once per
    URL prefix and configuration (the key: reverse reads them)."""
    del script_prefix, urlconf
    return (reverse("workspace:detail", args=[0]).removesuffix("0/"),
            reverse("workspace:intake", args=[0]).removesuffix("0/"))


@staff_required
def staff_home(request):
    now, today = timezone.now(), timezone.localdate()
    user = request.user
    queues = staff_queues(user=user, now=now)
    # By default the first queue with something in it (a leader with dossiers awaiting approval sees them, not
    # an empty "awaiting assignment"); every queue empty: the first one.
    default = next((q.key for q, count in queues if count), queues[0][0].key if queues else None)
    key = request.GET.get("q_key") or default
    if key != "all" and key not in QUEUE_BY_KEY:
        key = default
    search = request.GET.get("tim", "").strip()[:100]
    queue_key = None if key == "all" else key
    counted = {q.key: count for q, count in queues}
    if key in counted and not search:
        total = counted[key]  # the tab's count: the same filter, counted with the others
    else:
        total = queue_count(user=user, key=queue_key, search=search, now=now)
    # Pages over the count alone; then the page's 25 rows (one statement: queue_rows).
    page = Paginator(range(total), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = queue_rows(user=user, key=queue_key, search=search, now=now,
                                  offset=(page.number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    current = current_steps(page.object_list)  # each row's current step (a query only if a row has a process)
    for d in page.object_list:
        d["step"] = current.get(d["pk"])
    detail, intake = _link_prefixes(get_script_prefix(), get_urlconf())
    desks = [m.agency for m in memberships_of(user=user) if m.role == Role.CLERK]
    context = {
        "queues": queues, "current": key, "search": search, "page": page, "desks": desks,
        "query_string": urlencode([(k, v) for k, values in request.GET.lists() if k != "page" for v in values]),
        "rows_html": _queue_rows(page.object_list, now=now, today=today, detail=detail),
        "tabs_html": _tabs_html(queues, key), "desks_html": _desks_html(desks, intake),
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
