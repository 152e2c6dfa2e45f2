"""Public pages of the signed results: the verification page (an upload, or the QR code's link to a stored
document; no login, rate-limited per client like the tracking page) and the applicant's download of their
signed result (after code + phone, or from their account: dossiers.access.tracked_or_404)."""

import logging

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.ratelimit import client_ip, count_hit
from core.storage import download_response
from dossiers.access import tracked_or_404
from printing.forms import VerifyForm, verify_max_bytes
from printing.models import ResultSignature, SigningOutcome
from printing.verification import verify_pdf, verify_stored

logger = logging.getLogger(__name__)
WINDOW_SECONDS = 600


def _rate_limited(request) -> bool:
    count = count_hit(f"printing-verify:{client_ip(request) or 'unknown'}", window_seconds=WINDOW_SECONDS)
    return count > settings.ONECUA.get("VERIFY_PER_10_MIN", 30)


def _page(request, *, form, verdict=None, record=None, limited=False, status=200):
    context = {"form": form, "verdict": verdict, "record": record, "limited": limited,
               "max_mb": verify_max_bytes() // (1024 * 1024)}
    return render(request, "printing/verify.html", context, status=status)


@require_http_methods(["GET", "POST"])
def verify(request):
    if request.method != "POST":
        return _page(request, form=VerifyForm())
    form = VerifyForm(request.POST, request.FILES)
    if _rate_limited(request):
        return _page(request, form=VerifyForm(), limited=True, status=429)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    return _page(request, form=VerifyForm(), verdict=verify_pdf(form.data_of_file()))


@require_GET
def verify_signed(request, key):
    """The QR code's link: the stored signed document `key` verified now (nothing of its content is shown)."""
    record = (ResultSignature.objects.select_related("attachment", "agency")
              .filter(key=key, outcome=SigningOutcome.SIGNED, attachment__isnull=False).first())
    if record is None:
        raise Http404
    if _rate_limited(request):
        return _page(request, form=VerifyForm(), record=record, limited=True, status=429)
    return _page(request, form=VerifyForm(), record=record, verdict=verify_stored(record))


def signed_result_of(dossier) -> ResultSignature | None:
    return (ResultSignature.objects.select_related("attachment", "agency")
            .filter(dossier=dossier, outcome=SigningOutcome.SIGNED, attachment__isnull=False)
            .order_by("-signed_at", "-id").first())


@require_GET
def result_download(request, code: str):
    """The applicant's signed result (portal URL /tra-cuu/<code>/ket-qua/); 404 for anyone else."""
    dossier = tracked_or_404(request, code)
    record = signed_result_of(dossier)
    if record is None:
        raise Http404
    try:  # streamed, or a redirect to a short-lived pre-signed URL (PRIVATE_DOWNLOADS), after the check above
        return download_response(record.attachment.file, filename=f"ket-qua-{dossier.code}.pdf",
                                 content_type="application/pdf")
    except OSError:
        logger.error("The stored signed result %s cannot be read.", record.pk)
        raise Http404 from None
