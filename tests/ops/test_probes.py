"""/healthz, /readyz and /metrics in process: answers, request ids, the access rule of /metrics, and figures that
move with the data (an overdue dossier, an outbox row, a request's latency)."""

import json
import re

import pytest
from django.urls import reverse

from core import request_id
from dossiers.models import Dossier
from notifications.models import Notification, NotificationStatus
from tests.builders import at, vn

HOST = {"HTTP_HOST": "127.0.0.1"}


def scrape(client, **headers) -> str:
    response = client.get("/metrics", **HOST, **headers)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


def value(text: str, metric: str, **labels) -> float:
    """The sample `metric{labels}` of an exposition text (labels in any order)."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        name, _, rest = line.partition("{") if "{" in line.split(" ")[0] else (line.split(" ")[0], "", "")
        if name != metric:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', rest.partition("}")[0])) if rest else {}
        if found == {k: str(v) for k, v in labels.items()}:
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no sample {metric}{labels} in:\n{text[:3000]}")


@pytest.fixture
def metrics_open(settings):
    settings.ONECUA = {**settings.ONECUA, "METRICS_TOKEN": "s3cret-metrics-token", "METRICS_ALLOWED_IPS": []}
    return {"HTTP_AUTHORIZATION": "Bearer s3cret-metrics-token"}


def test_healthz_answers_without_the_database(client):
    # No `db` fixture: pytest-django refuses any database access, so a query would fail this request.
    response = client.get("/healthz", **HOST)
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert request_id.is_valid(response["X-Request-ID"])
    assert response["Cache-Control"].startswith("max-age=0")


def test_readyz_reports_each_part(client, db):
    response = client.get(reverse("ops:readyz"), **HOST)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"database", "cache", "broker", "storage"}
    assert body["checks"]["database"]["ok"] and "ms" in body["checks"]["database"]
    assert body["checks"]["storage"]["ok"] and "ms" in body["checks"]["storage"]
    # Test settings: a per-process cache and eager tasks, reported as not configured rather than failing.
    assert body["checks"]["cache"] == {"ok": True, "skipped": "no shared cache"}
    assert body["checks"]["broker"] == {"ok": True, "skipped": "tasks run eagerly"}


def test_readyz_names_a_storage_it_cannot_write(client, db, settings, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the storage's folder should be")
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(blocked)}}}
    response = client.get("/readyz", **HOST)
    assert response.status_code == 503
    assert response.json()["failing"] == ["storage"]
    assert response.json()["checks"]["storage"]["ok"] is False
    assert str(blocked) not in response.content.decode()  # the class of the error only, never paths or hosts


def test_a_flood_of_readyz_checks_each_part_once_per_reuse_period(client, db, settings, tmp_path):
    """Within READY_REUSE_SECONDS the last report is answered again: a storage that broke meanwhile is seen only
    once the period is over."""
    settings.ONECUA = {**settings.ONECUA, "READY_REUSE_SECONDS": 3600}
    from ops import health

    health._last.update(at=None, report=None)
    assert client.get("/readyz", **HOST).status_code == 200
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the storage's folder should be")
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(blocked)}}}
    assert [client.get("/readyz", **HOST).status_code for _ in range(20)] == [200] * 20  # one check, reused
    settings.ONECUA = {**settings.ONECUA, "READY_REUSE_SECONDS": 0}
    assert client.get("/readyz", **HOST).status_code == 503


def test_request_id_is_taken_when_valid_and_made_otherwise(client, db):
    given = "lb-7f3a9c2e-0001"
    assert client.get("/healthz", HTTP_X_REQUEST_ID=given, **HOST)["X-Request-ID"] == given
    for bad in ("short", "0912345678-and-more", "has space in it", "x" * 65, "<script>alert(1)</script>", ""):
        answered = client.get("/healthz", HTTP_X_REQUEST_ID=bad, **HOST)["X-Request-ID"]
        assert answered != bad and request_id.is_valid(answered), bad
    first, second = (client.get("/", **HOST)["X-Request-ID"] for _ in range(2))
    assert first != second
    assert request_id.current() is None  # cleared when the response was closed


def test_metrics_are_not_public(client, db, settings):
    settings.DEBUG = False
    settings.ONECUA = {**settings.ONECUA, "METRICS_TOKEN": "", "METRICS_ALLOWED_IPS": []}
    assert client.get("/metrics", **HOST).status_code == 404
    settings.ONECUA = {**settings.ONECUA, "METRICS_TOKEN": "s3cret-metrics-token"}
    assert client.get("/metrics", **HOST).status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **HOST).status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Basic s3cret-metrics-token", **HOST).status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token", **HOST).status_code == 200
    settings.ONECUA = {**settings.ONECUA, "METRICS_TOKEN": "", "METRICS_ALLOWED_IPS": ["10.0.0.0/8", "bad entry"]}
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3", **HOST).status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7", **HOST).status_code == 404
    # Behind a trusted proxy the client's address is the one the proxy saw, not the proxy's.
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.7",
                      **HOST).status_code == 404
    assert client.post("/metrics", REMOTE_ADDR="10.1.2.3", **HOST).status_code == 405


def test_overdue_dossiers_and_the_outbox_move_the_gauges(client, world, metrics_open):
    with at(vn(2025, 3, 11, 10, 0)):
        before = scrape(client, **metrics_open)
    assert value(before, "onecua_dossiers_overdue") == 0
    pending_before = value(before, "onecua_outbox_rows", status="pending")

    dossier = world.processing()  # received 10/03/2025, due some working days later
    assert dossier.due_at is not None
    with at(vn(2025, 3, 11, 10, 0)):
        not_yet = scrape(client, **metrics_open)
    with at(dossier.due_at + (vn(2025, 1, 2) - vn(2025, 1, 1))):
        overdue = scrape(client, **metrics_open)
    assert value(not_yet, "onecua_dossiers_overdue") == 0
    assert value(overdue, "onecua_dossiers_overdue") == 1
    assert Dossier.objects.filter(pk=dossier.pk, state="processing").exists()

    # The dossier's actions wrote outbox rows (SMS to the applicant), still pending: counted, with their age.
    pending = Notification.objects.filter(status=NotificationStatus.PENDING).count()
    assert pending > 0
    assert value(overdue, "onecua_outbox_rows", status="pending") == pending_before + pending
    oldest = Notification.objects.filter(status=NotificationStatus.PENDING).order_by("created_at").first()
    age = (dossier.due_at + (vn(2025, 1, 2) - vn(2025, 1, 1)) - oldest.created_at).total_seconds()
    assert value(overdue, "onecua_outbox_oldest_age_seconds", status="pending") == pytest.approx(age)
    Notification.objects.update(status=NotificationStatus.FAILED)
    after = scrape(client, **metrics_open)
    assert value(after, "onecua_outbox_rows", status="pending") == 0
    assert value(after, "onecua_outbox_rows", status="failed") == pending
    for part in ("outbox", "dvcqg", "overdue", "celery"):
        assert value(after, "onecua_metrics_part_up", part=part) == 1


def test_request_latency_is_counted_by_view(client, db, metrics_open):
    before = scrape(client, **metrics_open)
    count = "onecua_http_request_duration_seconds_count"
    try:
        start = value(before, count, method="GET", view="ops:healthz")
    except AssertionError:
        start = 0.0
    for _ in range(3):
        client.get("/healthz", **HOST)
    client.get("/khong-co-trang-nay/", **HOST)
    after = scrape(client, **metrics_open)
    assert value(after, count, method="GET", view="ops:healthz") == start + 3
    assert value(after, count, method="GET", view="unresolved") >= 1
    assert value(after, "onecua_http_request_duration_seconds_bucket", method="GET", view="ops:healthz",
                 le="10.0") == start + 3


def test_the_readyz_body_is_json_for_a_load_balancer(client, db):
    response = client.get("/readyz", **HOST)
    assert response["Content-Type"] == "application/json"
    json.loads(response.content)


def test_a_task_for_several_requests_carries_their_ids_joined():
    assert request_id.joined(["req-aaaa-0001", "bad id!", "req-aaaa-0002", "req-aaaa-0001"]) == \
        "req-aaaa-0001,req-aaaa-0002"
    assert request_id.joined([None, "x"]) is None
    assert request_id.is_valid_carried("req-aaaa-0001,req-aaaa-0002")
    assert not request_id.is_valid_carried("req-aaaa-0001,")  # an empty part
    assert not request_id.is_valid_carried("req-aaaa-0001,079123456789")  # nine digits in a row: masked in logs
    too_many = ",".join(f"req-many-{n:04d}" for n in range(request_id.MAX_CARRIED + 1))
    assert not request_id.is_valid_carried(too_many)
    assert request_id.joined(too_many.split(",")).count(",") == request_id.MAX_CARRIED - 1
