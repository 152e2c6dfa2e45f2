"""Public feedback pages, mounted under phan-anh/: the form, the confirmation, the sender's lookup."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.ratelimit import client_ip, count_hit
from core.errors import DossierError
from dossiers.access import tracked_or_404
from feedback import services
from feedback.forms import FeedbackForm, LookupForm
from feedback.selectors import lookup as find_feedback
from procedures.models import Procedure

SENT_KEY = "feedback_sent_code"


def _limited(request, what: str, limit: int, window: int) -> bool:
    return count_hit(f"feedback-{what}:{client_ip(request) or 'unknown'}", window_seconds=window) > limit


def _dossier(request, code: str):
    """The dossier `code` when this visitor may see it (tracked in this session, or their own); else None."""
    if not code:
        return None
    try:
        return tracked_or_404(request, code[:60])
    except Http404:
        return None


def _initial(request, dossier) -> dict:
    if dossier is not None:
        return {"sender_name": dossier.applicant_name, "sender_phone": dossier.applicant_phone,
                "sender_email": dossier.applicant_email}
    user = request.user
    if user.is_authenticated:
        return {"sender_name": user.display_name, "sender_phone": user.phone, "sender_email": user.email}
    return {}


def feedback_form(request):
    """Anyone may write; from a procedure's page (?thu-tuc=<code>) the procedure is chosen, from the tracking
    page (?ho-so=<code>, a dossier this visitor may see) the dossier is. Rate-limited per client address."""
    source = request.POST if request.method == "POST" else request.GET
    dossier_code = source.get("ho-so", "").strip()
    dossier = _dossier(request, dossier_code)
    procedure = None
    if dossier is None and (national_code := request.GET.get("thu-tuc", "").strip()[:60]):
        procedure = Procedure.objects.active().filter(national_code=national_code).first()
    form = FeedbackForm(request.POST if request.method == "POST" else None, dossier=dossier, procedure=procedure,
                        initial=_initial(request, dossier))
    limited = False
    status = 200
    if request.method == "POST":
        if dossier_code and dossier is None:
            form.add_error(None, _("Không tìm thấy hồ sơ bạn đang theo dõi; hãy tra cứu lại hồ sơ rồi gửi."))
        elif form.is_valid():
            if _limited(request, "submit", settings.ONECUA.get("FEEDBACK_PER_HOUR", 10), 3600):
                limited = True
                form.add_error(None, _("Bạn đã gửi quá nhiều phản ánh. Vui lòng thử lại sau một giờ."))
            else:
                data = form.cleaned_data
                try:
                    feedback = services.feedback_submit(
                        procedure=dossier.procedure if dossier else data["procedure"],
                        agency=dossier.receiving_agency if dossier else data["agency"], kind=data["kind"],
                        content=data["content"], sender_name=data["sender_name"], sender_phone=data["sender_phone"],
                        sender_email=data["sender_email"], dossier=dossier, user=request.user)
                except DossierError as exc:
                    form.add_error(None, exc.message)
                else:
                    request.session[SENT_KEY] = feedback.code
                    return redirect("feedback:sent")
        status = 429 if limited else 400
    return render(request, "feedback/form.html", {"form": form, "dossier": dossier, "procedure": procedure},
                  status=status)


def sent(request):
    """The confirmation with the reference code (kept in the session only: never in the address)."""
    code = request.session.get(SENT_KEY)
    if not code:
        return redirect("feedback:form")
    return render(request, "feedback/sent.html", {"code": code})


def lookup(request):
    """Code + phone by POST (never in an address); a match shows the status and the answer."""
    form = LookupForm(request.POST if request.method == "POST" else None)
    found, not_found, limited = None, False, False
    if form.is_bound and form.is_valid():
        if _limited(request, "lookup", settings.ONECUA["TRACK_LOOKUPS_PER_10_MIN"], 600):
            limited = True
        else:
            found = find_feedback(code=form.cleaned_data["ma"], phone=form.cleaned_data["sdt"])
            not_found = found is None
    status = 429 if limited else 404 if not_found else 400 if form.is_bound and form.errors else 200
    return render(request, "feedback/lookup.html",
                  {"form": form, "found": found, "not_found": not_found, "limited": limited}, status=status)
