"""Citizen pages of a payment (start, return from the gateway, receipt), the gateway's IPN, and the built-in
simulator (embedded default only).

Every citizen page checks access to the dossier with dossiers.access.tracked_or_404. The return page never
trusts the browser's parameters: it shows the stored status, and asks the gateway itself (querydr, server to
server) while the payment is still pending. The IPN is the gateway's call, authenticated by its signature.
"""

import io
import logging
import threading

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.ratelimit import client_ip
from core.errors import DossierError
from core.http import pdf_response
from dossiers.access import tracked_or_404
from payments import conf
from payments.models import Payment, PaymentStatus
from payments.providers.base import Outcome, SignatureError
from payments.receipts import render_receipt
from payments.services import payment_apply_result, payment_check, payment_start
from payments.simulator import GatewaySimulator

log = logging.getLogger("payments")


# ---------------------------------------------------------------- the citizen
@require_POST
def start(request, code: str):
    """Pay a due of the dossier (POST "reference"): a page that sends the browser on to the gateway. (A redirect
    answering the form would be blocked by the site's `form-action 'self'` policy once the gateway is another
    site; a link is not.)"""
    dossier = tracked_or_404(request, code)
    payment = dossier.payments.filter(reference=request.POST.get("reference", "")[:100]).first()
    if payment is None:
        raise Http404
    try:
        payment, url = payment_start(payment=payment, client_ip=client_ip(request) or "127.0.0.1")
    except DossierError as exc:
        messages.error(request, exc.message)
        return redirect("portal:dossier", code=dossier.code)
    return render(request, "payments/redirect.html", {"dossier": dossier, "payment": payment, "gateway_url": url})


@require_GET
def return_vnpay(request):
    """Where the gateway sends the browser back. Only vnp_TxnRef is read (to find the payment); its status is
    the stored one, checked with the gateway while pending."""
    payment = (Payment.objects.select_related("dossier")
               .filter(reference=request.GET.get("vnp_TxnRef", "")[:100]).first())
    if payment is None:
        raise Http404
    dossier = tracked_or_404(request, payment.dossier.code)
    check = ""
    if payment.status == PaymentStatus.PENDING and payment.started_at is not None:
        check = payment_check(payment, client_ip=client_ip(request) or "127.0.0.1")
        payment.refresh_from_db()
    return render(request, "payments/result.html", {"dossier": dossier, "payment": payment,
                                                    "gateway_error": check == "error"})


@require_GET
def receipt(request, code: str):
    """The receipt (PDF) of a paid payment of the dossier (?tt=<reference>)."""
    dossier = tracked_or_404(request, code)
    payment = dossier.payments.filter(reference=request.GET.get("tt", "")[:100], status=PaymentStatus.PAID).first()
    if payment is None:
        raise Http404
    payment.dossier = dossier
    return pdf_response(render_receipt(payment))


# ---------------------------------------------------------------- the gateway
@csrf_exempt
@require_GET
def ipn_vnpay(request):
    """VNPAY's server-to-server callback (GET, signed vnp_* parameters), answered {"RspCode", "Message"}: 97 bad
    signature, 01 unknown order, 04 wrong amount, 02 already confirmed, 00 recorded (paid, or failed), 99
    anything else. A refusal changes nothing and is logged."""
    gateway = conf.current()
    if gateway is None:
        log.warning("payments: IPN refused: online payment is not configured")
        return JsonResponse({"RspCode": "99", "Message": "Unknown error"})
    provider = gateway.provider()
    try:
        result = provider.verify_callback(request.GET.dict())
    except SignatureError as exc:
        log.warning("payments: IPN refused: %s", exc)
        return JsonResponse(provider.callback_answer(Outcome.BAD_SIGNATURE))
    try:
        outcome = payment_apply_result(result, source="ipn")
    except Exception:  # noqa: BLE001 - answered 99: the gateway calls again, the reconciliation catches up
        log.exception("payments: IPN for %s failed", result.reference[:100])
        outcome = Outcome.ERROR
    return JsonResponse(provider.callback_answer(outcome))


# ---------------------------------------------------------------- the simulator (embedded default only)
_simulators: dict[tuple, GatewaySimulator] = {}
_simulators_lock = threading.Lock()


def simulator_app(gateway) -> GatewaySimulator:
    """One simulator per merchant and IPN address, kept for the process's life (its transactions live in it)."""
    key = (gateway.tmn_code, gateway.hash_secret, conf.ipn_url())
    with _simulators_lock:
        if key not in _simulators:
            _simulators[key] = GatewaySimulator(tmn_code=key[0], hash_secret=key[1], ipn_url=key[2],
                                                timeout=gateway.timeout)
        return _simulators[key]


@csrf_exempt
@require_http_methods(["GET", "POST"])
def simulator(request):
    """The simulator (payments/simulator.py, a WSGI application of its own) under /thanh-toan/thu-nghiem/: the
    request's WSGI environ is handed to it with PATH_INFO cut after the prefix. 404 unless it is served."""
    gateway = conf.current()
    if gateway is None or not gateway.simulator:
        raise Http404
    app = simulator_app(gateway)
    prefix = request.path[: len(request.path) - len(request.path_info)] + conf.SIMULATOR_PREFIX
    body = request.body
    environ = {**request.environ, "SCRIPT_NAME": prefix,
               "PATH_INFO": request.path_info[len(conf.SIMULATOR_PREFIX):],
               "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
    answer: dict = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, headers

    content = b"".join(app(environ, start_response))
    response = HttpResponse(content, status=int(answer["status"].split()[0]))
    for name, value in answer["headers"]:
        if name.lower() != "content-length":
            response[name] = value
    return response
