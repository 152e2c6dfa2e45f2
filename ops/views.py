"""/healthz (the process answers: no database, no cache), /readyz (ops.health) and /metrics (ops.metrics).

/healthz and /readyz are public (a load balancer asks them) and tell only which part is down. /metrics is not
public: it answers a bearer token (ONECUA["METRICS_TOKEN"]) or a client address in ONECUA["METRICS_ALLOWED_IPS"]
(addresses or networks; the client's address as accounts.ratelimit.client_ip reads it behind TRUSTED_PROXIES);
with neither set, only with DEBUG on (the embedded default), 404 otherwise.
"""

import hmac
import ipaddress

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from accounts.ratelimit import client_ip
from ops import health
from ops import metrics as ops_metrics


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    ready, report = health.readiness()
    return JsonResponse(report, status=200 if ready else 503)


def _networks(values) -> list:
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            continue  # a malformed entry allows nothing
    return networks


def metrics_allowed(request) -> bool:
    token = settings.ONECUA.get("METRICS_TOKEN", "")
    allowed = settings.ONECUA.get("METRICS_ALLOWED_IPS", [])
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return True
    if allowed:
        address = client_ip(request)
        try:
            ip = ipaddress.ip_address(address) if address else None
        except ValueError:
            ip = None
        if ip is not None and any(ip in network for network in _networks(allowed)):
            return True
    return not token and not allowed and settings.DEBUG


@never_cache
@require_GET
def metrics(request):
    if not metrics_allowed(request):
        raise Http404
    return HttpResponse(ops_metrics.exposition(), content_type=CONTENT_TYPE_LATEST)
