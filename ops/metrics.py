"""Prometheus metrics (prometheus-client).

* `onecua_http_request_duration_seconds{view,method}`: a histogram of each request's time in Django, by the view's
  URL name (`unresolved` when no URL matched), filled by `MetricsMiddleware`. Under gunicorn, set
  PROMETHEUS_MULTIPROC_DIR (an empty directory per start) and every worker's observations add up at /metrics.
* Read from the database and the broker at each scrape (`BacklogCollector`): the notification outbox and the
  DVCQG sync rows not finished, by status, with the age of the oldest; the Celery queues' lengths (Redis LLEN);
  the dossiers overdue now (clock running, due time passed).
"""

import logging
import os
import time

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY

logger = logging.getLogger(__name__)

REQUEST_SECONDS = Histogram(
    "onecua_http_request_duration_seconds", "Time Django spent on a request, by view (URL name) and method.",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
# kombu's Redis transport keeps a queue's prioritised messages in keys "<queue>\x06\x16<priority>".
_PRIORITY_SEP = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)


class MetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # The histogram's child per (view, method), looked up once (labels() checks and locks at every call);
        # bounded by the URL names times the methods.
        self.children = {}

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or "unnamed") if match else "unresolved"
        method = request.method if request.method in METHODS else "other"
        child = self.children.get((view, method))
        if child is None:
            child = self.children[(view, method)] = REQUEST_SECONDS.labels(view=view, method=method)
        child.observe(time.perf_counter() - started)
        return response


def _backlog(model, statuses, prefix: str, what: str, now):
    counts = GaugeMetricFamily(f"onecua_{prefix}_rows", f"{what} not finished, by status.", labels=["status"])
    ages = GaugeMetricFamily(f"onecua_{prefix}_oldest_age_seconds",
                             f"Age of the oldest {what.lower()} row in each status (0: none).", labels=["status"])
    rows = {row["status"]: row for row in model.objects.filter(status__in=statuses).values("status").order_by()
            .annotate(n=Count("id"), oldest=Min("created_at"))}
    for status in statuses:
        row = rows.get(status)
        counts.add_metric([status], row["n"] if row else 0)
        ages.add_metric([status], max(0.0, (now - row["oldest"]).total_seconds()) if row else 0.0)
    return counts, ages


def _outbox(now):
    from notifications.models import Notification, NotificationStatus

    statuses = [s.value for s in NotificationStatus if s != NotificationStatus.SENT]
    return _backlog(Notification, statuses, "outbox", "Notification outbox rows", now)


def _dvcqg(now):
    from integrations.models import DONE_STATUSES, SyncRow, SyncStatus

    statuses = [s.value for s in SyncStatus if s not in DONE_STATUSES]
    return _backlog(SyncRow, statuses, "dvcqg_sync", "DVCQG sync rows", now)


def _overdue(now):
    from dossiers.models import Dossier
    from dossiers.states import RUNNING_STATES

    gauge = GaugeMetricFamily("onecua_dossiers_overdue", "Dossiers overdue now: clock running, due time passed.")
    gauge.add_metric([], Dossier.objects.filter(state__in=RUNNING_STATES, due_at__lt=now).count())
    return (gauge,)


def _celery_queues(now):
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return ()
    import redis

    seconds = float(settings.ONECUA.get("READY_TIMEOUT_SECONDS", 2.0))
    gauge = GaugeMetricFamily("onecua_celery_queue_length", "Messages waiting in a Celery queue (Redis).",
                              labels=["queue"])
    client = redis.Redis.from_url(url, socket_connect_timeout=seconds, socket_timeout=seconds)
    try:
        for queue in settings.ONECUA.get("METRICS_CELERY_QUEUES", ["celery"]):
            keys = [queue, *(f"{queue}{_PRIORITY_SEP}{step}" for step in _PRIORITY_STEPS)]
            pipe = client.pipeline(transaction=False)
            for key in keys:
                pipe.llen(key)
            gauge.add_metric([queue], sum(pipe.execute()))
    finally:
        client.close()
    return (gauge,)


PARTS = {"outbox": _outbox, "dvcqg": _dvcqg, "overdue": _overdue, "celery": _celery_queues}


class BacklogCollector:
    """Gauges read at scrape time. A part that cannot be read (database or broker down) is left out and
    `onecua_metrics_part_up{part}` says 0."""

    def collect(self):
        now = timezone.now()
        up = GaugeMetricFamily("onecua_metrics_part_up", "1 when the part's figures could be read.",
                               labels=["part"])
        for name, part in PARTS.items():
            try:
                families = part(now)
            except Exception as error:  # noqa: BLE001 - the scrape still answers; the part says 0
                logger.warning("metrics: %s could not be read: %s: %s", name, type(error).__name__, error)
                up.add_metric([name], 0)
                continue
            up.add_metric([name], 1)
            yield from families
        yield up


def exposition() -> bytes:
    """The exposition text: the request histogram (every gunicorn worker's when PROMETHEUS_MULTIPROC_DIR is
    set; this process's, with the process metrics, otherwise), then the gauges read now."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        shared = CollectorRegistry()
        multiprocess.MultiProcessCollector(shared)
    else:
        shared = REGISTRY
    now_registry = CollectorRegistry()
    now_registry.register(BacklogCollector())
    return generate_latest(shared) + generate_latest(now_registry)
