"""Staff pages mounted under can-bo/xin-y-kien/: the queue, one consultation (the dossier's summary and shared
files, the answer form), asking from a dossier, and access-checked file downloads."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.decorators import staff_required
from consultations import rules, selectors, services
from consultations.forms import AnswerForm, AskForm
from consultations.models import Consultation, ConsultationFile
from core.errors import DossierError
from core.storage import download_response
from dossiers.models import Dossier
from dossiers.selectors import dossier_for_staff
from dossiers.uploads import EXTENSIONS, download_name
from privacy.services import access_record

PAGE_SIZE = 25


@staff_required
def consultation_list(request):
    key = request.GET.get("loc", "")
    key = key if key in selectors.FILTERS else ""
    now = timezone.now()
    page = Paginator(selectors.queue(user=request.user, key=key, now=now), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "consultations/list.html", {
        "page": page, "key": key, "now": now,
        "filters": [("", _("Tất cả")), ("cho-tra-loi", _("Chờ trả lời")), ("da-tra-loi", _("Đã trả lời")),
                    ("tre-han", _("Trả lời trễ hạn")), ("nhan-duoc", _("Cơ quan tôi được hỏi")),
                    ("gui-di", _("Cơ quan tôi hỏi"))],
    })


@staff_required
def consultation_detail(request, pk: int):
    try:
        consultation = selectors.detail(user=request.user, pk=pk)
    except Consultation.DoesNotExist as exc:
        raise Http404 from exc
    form, status, refused = AnswerForm(request.POST or None), 200, None
    if request.method == "POST":
        if error := rules.answer_refusal(consultation, user=request.user):
            refused, status = error.message, error.status
        elif form.is_valid():
            try:
                services.consultation_answer(consultation=consultation, actor=request.user,
                                             answer=form.cleaned_data["answer"], uploads=request.FILES.getlist("tep"))
            except DossierError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Đã gửi trả lời; cơ quan xin ý kiến được thông báo."))
                return redirect("consultations:detail", pk=consultation.pk)
        else:
            status = 400
    return render(request, "consultations/detail.html", {
        "c": consultation, "dossier": consultation.dossier, "files": selectors.files_of(consultation),
        "events": selectors.events_of(consultation), "form": form, "refused": refused,
        "can_answer": rules.answer_refusal(consultation, user=request.user) is None,
    }, status=status)


@staff_required
def consultation_ask(request, pk: int):
    """Ask from the dossier's page (the dossier through the scoping selector: 404 outside it)."""
    try:
        dossier = dossier_for_staff(user=request.user, pk=pk)
    except Dossier.DoesNotExist as exc:
        raise Http404 from exc
    refused = rules.ask_refusal(dossier, user=request.user)
    form = AskForm(request.POST or None, agencies=selectors.consultable_agencies(dossier=dossier),
                   initial={"working_days": services.default_working_days()})
    status = 200 if refused is None else refused.status
    if request.method == "POST" and refused is None:
        if form.is_valid():
            try:
                made = services.consultation_ask(dossier=dossier, actor=request.user,
                                                 agencies=list(form.cleaned_data["agencies"]),
                                                 question=form.cleaned_data["question"],
                                                 working_days=form.cleaned_data["working_days"],
                                                 uploads=request.FILES.getlist("tep"))
            except DossierError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Đã gửi xin ý kiến %(n)s cơ quan.") % {"n": len(made)})
                return redirect("workspace:detail", pk=dossier.pk)
        else:
            status = 400
    return render(request, "consultations/ask.html", {
        "dossier": dossier, "form": form, "refused": refused.message if refused else None,
    }, status=status)


@staff_required
def consultation_file(request, pk: int):
    """A consultation's file, or a dossier file shared with it: the consultation's scope checked first."""
    try:
        row = selectors.visible_file(user=request.user, pk=pk)
    except ConsultationFile.DoesNotExist as exc:
        raise Http404 from exc
    stored = row.attachment.file if row.attachment_id else row.file
    if not stored:
        raise Http404
    if row.attachment_id:
        access_record(actor=request.user, dossier=row.attachment.dossier, what="attachment",
                      detail=str(row.attachment_id), request=request)
    content_type = row.content_type if row.content_type in EXTENSIONS else "application/octet-stream"
    try:
        return download_response(stored, filename=download_name(document_name="", content_type=content_type),
                                 content_type=content_type)
    except FileNotFoundError as exc:
        raise Http404 from exc
