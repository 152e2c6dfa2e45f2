"""Logs never carry a phone number, an ID number, an e-mail address or a rating token: a whole journey (online
submission, reception, supplement, result, return, the rating link opened, used and replayed) with the
development console e-mail and SMS backends and every logger at DEBUG (SQL included); runserver's request lines;
gunicorn's access log in production."""

import io
import json
import logging
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core import signing
from django.db import connection
from django.urls import reverse

from dossiers import services
from dossiers.models import Dossier
from notifications.models import Notification
from onecua.settings import base
from tests.builders import PDF_BYTES, World, at, upload, vn

PHONE, ID_NUMBER, EMAIL = "0912345678", "079123456789", "nguyen.van.a@example.vn"
NAME = "Nguyễn Văn A"
ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def world(db) -> World:
    return World()


@pytest.fixture
def handler_output():
    """What the configured handlers (settings.LOGGING: the root's, django.server's) write, read back as text."""
    streams = []
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in settings.LOGGING.get("loggers", {}))]
    for logger in loggers:
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler:  # not pytest's own capture handlers
                buffer = io.StringIO()
                streams.append((handler, handler.setStream(buffer), buffer))
    yield lambda: "".join(buffer.getvalue() for _handler, _old, buffer in streams)
    for handler, old, _buffer in streams:
        handler.setStream(old)


@pytest.fixture
def debug_everywhere(caplog):
    """Every logger at DEBUG, SQL statements with their parameters logged (as with DEBUG and LOG_LEVEL=DEBUG)."""
    caplog.set_level(logging.DEBUG)
    for name in ("django", "django.request", "django.server", "django.db.backends", "dossiers", "surveys",
                 "accounts", "privacy", "celery"):
        caplog.set_level(logging.DEBUG, logger=name)
    connection.force_debug_cursor = True
    yield caplog
    connection.force_debug_cursor = False


def rating_token(dossier: Dossier) -> str:
    sms = Notification.objects.get(dossier=dossier, kind="returned", channel="sms")
    return re.search(r"/danh-gia/ho-so/[^/\s]+/([^/\s]+)/", sms.body).group(1)


def journey(client, world, committed) -> tuple[Dossier, str]:
    """Submitted online by the applicant, received, a supplement asked and answered, approved, returned; the
    rating link from the SMS opened, used, replayed; a tampered link tried."""
    code = world.procedure.national_code
    with at(vn(2025, 3, 10, 8, 0)), committed():
        review = client.post(reverse("portal:submit", args=[code]), {
            "agency": world.desk.pk, "applicant_name": NAME, "applicant_id_number": ID_NUMBER,
            "applicant_phone": PHONE, "applicant_email": EMAIL, "applicant_address": "Ấp Bình Hòa, phường Một",
            f"file_{world.form.pk}": upload("to-khai.pdf", PDF_BYTES)})
        assert review.status_code == 200, review.content.decode()[:2000]
        done = client.post(reverse("portal:submit_confirm", args=[code]), {"payload": review.context["payload"]})
        assert done.status_code == 302
    dossier = Dossier.objects.get(applicant_id_number=ID_NUMBER)
    clerk, officer, leader = world.user("clerk@desk"), world.user("officer@dept"), world.user("leader@dept")
    steps = [
        (vn(2025, 3, 10, 9, 0), lambda d: services.dossier_receive(dossier=d, actor=clerk)),
        (vn(2025, 3, 10, 9, 30), lambda d: services.dossier_forward(dossier=d, actor=clerk, to_agency=world.dept)),
        (vn(2025, 3, 10, 10, 0), lambda d: services.dossier_request_supplement(
            dossier=d, actor=officer, items=["Giấy xác nhận cư trú"])),
        (vn(2025, 3, 10, 10, 30), lambda d: services.dossier_answer_supplement(dossier=d, actor=clerk)),
        (vn(2025, 3, 10, 14, 0), lambda d: services.dossier_propose(dossier=d, actor=officer, outcome="approved",
                                                                    note="Đủ điều kiện")),
        (vn(2025, 3, 10, 14, 30), lambda d: services.dossier_approve(dossier=d, actor=leader)),
        (vn(2025, 3, 10, 15, 0), lambda d: services.dossier_return_result(dossier=d, actor=clerk,
                                                                          delivery="in_person")),
    ]
    for moment, step in steps:
        with at(moment), committed():
            dossier = step(dossier)
    token = rating_token(dossier)
    path = reverse("surveys:link", args=[dossier.code, token])
    with at(vn(2025, 3, 12, 20, 0)), committed():
        assert client.get(path).status_code == 200
        assert client.post(path, {"overall": "2", "convenience": "1", "comment": ""}).status_code == 302
        assert client.get(path).status_code == 409  # replayed: django.request logs "Conflict: <path>"
        assert client.get(reverse("surveys:thanks", args=[dossier.code, token])).status_code == 200
        tampered = reverse("surveys:link", args=[dossier.code, token[:-4] + "AAAA"])
        assert client.get(tampered).status_code == 400  # "Bad Request: <path>"
    # runserver's request line for the link, as django.core.servers.basehttp logs it.
    logging.getLogger("django.server").info('"%s" %s %s', f"GET {path} HTTP/1.1", "200", "5120",
                                            extra={"status_code": 200})
    return dossier, token


def leaks(text: str, token: str) -> list[str]:
    signature = token.rpartition(":")[2]
    secrets = {"phone": PHONE, "ID number": ID_NUMBER, "e-mail": EMAIL, "token": token, "signature": signature}
    return [what for what, value in secrets.items() if value in text]


def test_a_whole_journey_logs_no_personal_data_nor_token(client, world, settings, capsys, debug_everywhere,
                                                        handler_output, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = base.EMAIL_BACKEND  # the development default: a console backend
    settings.ONECUA_SMS_BACKEND = base.ONECUA_SMS_BACKEND
    settings.ONECUA = {**settings.ONECUA, "PUBLIC_BASE_URL": "https://motcua.example.gov.vn"}
    dossier, token = journey(client, world, lambda: django_capture_on_commit_callbacks(execute=True))

    records = debug_everywhere.records
    messages = [record.getMessage() for record in records]
    captured = capsys.readouterr()
    outputs = {
        "log records": "\n".join(m + "\n" + (r.exc_text or "") for r, m in zip(records, messages, strict=True)),
        "handlers (settings.LOGGING)": handler_output(),
        "stdout": captured.out,
        "stderr": captured.err,
    }
    found = {where: leaks(text, token) for where, text in outputs.items() if leaks(text, token)}
    assert found == {}

    # The journey did log what used to leak: the console messages, SQL with the applicant's values, the link.
    assert any(r.name == "django.request" and dossier.code in m for r, m in zip(records, messages, strict=True))
    assert any(record.name == "django.db.backends" for record in records)
    assert any(m.startswith("SMS to 09******78") for m in messages)
    assert any(m.startswith("E-mail to n***@example.vn") for m in messages)
    assert dossier.code in outputs["handlers (settings.LOGGING)"]
    # Masked, not dropped: the last two digits and the domain stay, the token's place is marked.
    assert "********78" in outputs["log records"] and "n***@example.vn" in outputs["log records"]
    assert f"/danh-gia/ho-so/{dossier.code}/***/" in outputs["log records"]
    assert f"/danh-gia/ho-so/{dossier.code}/***/" in outputs["handlers (settings.LOGGING)"]


def test_every_handler_of_the_logging_settings_masks():
    for name, handler in settings.LOGGING["handlers"].items():
        assert "mask_personal_data" in handler.get("filters", []), name
    assert settings.LOGGING["filters"]["mask_personal_data"]["()"] == "onecua.logging_filters.MaskPersonalData"
    # Django's own loggers are redefined, so their unfiltered default handlers are gone.
    assert {"django", "django.server"} <= set(settings.LOGGING["loggers"])
    for logger in (logging.getLogger("django"), logging.getLogger("django.request"), logging.getLogger("django.server")):
        for handler in logger.handlers:
            if not type(handler).__module__.startswith("_pytest"):
                assert any(type(f).__name__ == "MaskPersonalData" for f in handler.filters), (logger.name, handler)


@pytest.mark.parametrize("text, masked", [
    ("SMS to 0912345678", "SMS to ********78"),
    ("+84912345678 and 079123456789", "+*********78 and **********89"),
    ("Gửi tới nguyen.van.a@example.vn.", "Gửi tới n***@example.vn."),
    ("?email=nguyen.van.a%40example.vn&x=1", "?email=n***%40example.vn&x=1"),
    ("GET /danh-gia/ho-so/H61.22.10-250310-0001/12-l-t5abc:AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd/ HTTP/1.1",
     "GET /danh-gia/ho-so/H61.22.10-250310-0001/***/ HTTP/1.1"),
    ("Not Found: /danh-gia/khao-sat/H61-1/whatever-it-is/", "Not Found: /danh-gia/khao-sat/H61-1/***/"),
    # What does not identify anyone stays: codes, dates, times, counts, ids.
    ("H61.22.10-250310-0001 at 2025-03-10 09:00:00, 3 rows, notification 12345678",
     "H61.22.10-250310-0001 at 2025-03-10 09:00:00, 3 rows, notification 12345678"),
])
def test_the_mask(text, masked):
    from onecua.logging_filters import mask

    assert mask(text) == masked
    assert mask(masked) == masked


def test_signed_values_are_masked_wherever_they_appear():
    from onecua.logging_filters import mask

    for value in (signing.Signer(salt="x").sign("12-l-t5abc"), signing.TimestampSigner(salt="y").sign("hello"),
                  signing.dumps({"path": "a/b.pdf", "name": "to-khai.pdf"}, salt="z"),
                  signing.dumps({"phone": PHONE} | {"n": "x" * 200}, salt="z", compress=True)):
        text = f"payload={value} next"
        assert mask(text) == "payload=*** next", value


def test_a_filter_masks_the_arguments_and_the_traceback():
    from onecua.logging_filters import MaskPersonalData

    try:
        raise ValueError(f"duplicate key (phone)=({PHONE})")
    except ValueError:
        record = logging.getLogger("x").makeRecord("x", logging.ERROR, __file__, 1, "Could not save %s for %s",
                                                   (EMAIL, ID_NUMBER), sys.exc_info())
    assert MaskPersonalData().filter(record)
    text = logging.Formatter().format(record)
    assert leaks(text, "no-token") == []
    assert "Could not save n***@example.vn for **********89" in text and "(phone)=(********78)" in text


# ---------------------------------------------------------------- gunicorn (production)
def test_docker_runs_gunicorn_with_the_masking_configuration():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert "--config onecua/gunicorn.conf.py" in compose["services"]["web"]["command"]
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD"))
    assert '"gunicorn"' in cmd and '"--config", "onecua/gunicorn.conf.py"' in cmd


def test_gunicorns_access_log_masks_the_rating_token(tmp_path):
    token = signing.Signer(salt="another-site").sign("12-l-t5abc")  # token-shaped; not this site's: 400
    path = f"/danh-gia/ho-so/H61.22.10-250310-0001/{token}/"
    log = tmp_path / "gunicorn.log"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DJANGO_SETTINGS_MODULE": "onecua.settings.test",
           "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "onecua.wsgi:application", "--config",
             "onecua/gunicorn.conf.py", "--bind", "127.0.0.1:0", "--workers", "1"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        port = None
        for _ in range(200):
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log.read_text())
            if found:
                port = found.group(1)
                break
            time.sleep(0.1)
        assert port, log.read_text()
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}?sdt={PHONE}&email={EMAIL}",
                                         headers={"Referer": f"https://motcua.example.gov.vn{path}"})
        try:
            urllib.request.urlopen(request, timeout=30)
        except urllib.error.HTTPError as refused:  # the signature is not this site's: 400
            assert refused.code == 400
        for _ in range(100):
            if "/danh-gia/ho-so/" in log.read_text() and '" 400 ' in log.read_text():
                break
            time.sleep(0.1)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    text = log.read_text()
    assert '"GET /danh-gia/ho-so/H61.22.10-250310-0001/***/?sdt=********78&email=n***@example.vn HTTP/1.1" 400' \
        in text, text
    assert leaks(text, token) == [], text


# ---------------------------------------------------------------- JSON lines with the request id (ops/)
RID = "req-7f3a9c2e-logs-0001"


@pytest.fixture
def json_console():
    """`attach()` gives the root's configured console handler (settings.LOGGING: masking and request-id filters)
    production's JSON formatter and a buffer; `text()` is what it wrote. Attach after the embedded Celery worker
    started: like a real worker, it runs django.setup() again, which configures logging anew."""
    from onecua.logging_filters import JsonFormatter

    buffer, saved = io.StringIO(), []

    def attach():
        handler = next(h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler
                       and any(type(f).__name__ == "MaskPersonalData" for f in h.filters))
        assert any(type(f).__name__ == "RequestIdFilter" for f in handler.filters)
        saved.append((handler, handler.setStream(buffer), handler.formatter))
        handler.setFormatter(JsonFormatter())

    yield type("JsonConsole", (), {"attach": staticmethod(attach), "text": staticmethod(buffer.getvalue)})
    for handler, stream, formatter in saved:
        handler.setStream(stream)
        handler.setFormatter(formatter)


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own on a free port, as the Celery broker."""
    from onecua.celery import app
    from tests.ops.probe_servers import Redis

    server = Redis(tmp_path)
    server.start()
    saved = (app.conf.broker_url, app.conf.task_always_eager)

    def use(url, eager):
        from kombu import pools

        app.conf.broker_url, app.conf.task_always_eager = url, eager
        app._pool = None
        app.amqp._producer_pool = None
        pools.reset()

    use(f"{server.url}/0", False)
    yield server
    use(*saved)
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_json_logs_carry_the_request_id_into_celery_tasks_without_personal_data(
        client, world, settings, debug_everywhere, json_console, own_redis):
    """A submission through the real views with an ID number and a phone, received by the desk through the staff
    page, its messages sent by a real Celery worker from a real Redis queue: every line is JSON, the request's
    lines and the task's carry the request's id, and neither the ID number nor the phone appears anywhere."""
    import redis
    from celery.contrib.testing.worker import start_worker

    from onecua.celery import app

    settings.EMAIL_BACKEND = base.EMAIL_BACKEND
    settings.ONECUA_SMS_BACKEND = base.ONECUA_SMS_BACKEND  # the console backend logs "SMS to <phone>"
    code = world.procedure.national_code
    seen = redis.Redis.from_url(f"{own_redis.url}/0")
    # The worker's loglevel: an embedded worker sets the root logger's level (ERROR by default) as a real one does.
    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30,
                      loglevel="DEBUG"):
        json_console.attach()
        logging.getLogger().addHandler(debug_everywhere.handler)  # django.setup() again removed pytest's
        for name in ("", "django", "django.request", "django.db.backends", "dossiers", "core", "notifications",
                     "celery"):
            logging.getLogger(name).setLevel(logging.DEBUG)
        with at(vn(2025, 3, 10, 8, 0)):
            review = client.post(reverse("portal:submit", args=[code]), {
                "agency": world.desk.pk, "applicant_name": NAME, "applicant_id_number": ID_NUMBER,
                "applicant_phone": PHONE, "applicant_email": EMAIL, "applicant_address": "Ấp Bình Hòa, phường Một",
                f"file_{world.form.pk}": upload("to-khai.pdf", PDF_BYTES)}, HTTP_X_REQUEST_ID="req-review-000001")
            assert review.status_code == 200, review.content.decode()[:2000]
            assert review["X-Request-ID"] == "req-review-000001"
            done = client.post(reverse("portal:submit_confirm", args=[code]),
                               {"payload": review.context["payload"]}, HTTP_X_REQUEST_ID="req-confirm-000001")
            assert done.status_code == 302 and done["X-Request-ID"] == "req-confirm-000001"
        dossier = Dossier.objects.get(applicant_id_number=ID_NUMBER)
        # The desk receives it through the staff page: the applicant's "received" messages go to the broker.
        client.force_login(world.user("clerk@desk"))
        with at(vn(2025, 3, 10, 9, 0)):
            received = client.post(reverse("workspace:action", args=[dossier.pk, "receive"]),
                                   {"version": dossier.version}, HTTP_X_REQUEST_ID=RID)
        assert received.status_code == 302 and received["X-Request-ID"] == RID
        deadline = time.monotonic() + 60
        while Notification.objects.filter(dossier=dossier).exclude(status="sent").exists():
            assert time.monotonic() < deadline, "the worker did not send the submission's messages"
            time.sleep(0.1)
        assert seen.llen("celery") == 0
    assert Notification.objects.filter(dossier=dossier, channel="sms").exists()

    lines = [line for line in json_console.text().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message", "request_id"} <= set(e) for e in entries)
    text = "\n".join(lines)
    assert PHONE not in text and ID_NUMBER not in text and EMAIL not in text
    records = "\n".join(r.getMessage() + (r.exc_text or "") for r in debug_everywhere.records)
    assert PHONE not in records and ID_NUMBER not in records and EMAIL not in records

    # The requests' own lines (their SQL, with the applicant's values masked, not dropped) ...
    confirm = [e for e in entries if e["request_id"] == "req-confirm-000001"]
    assert any(e["logger"] == "django.db.backends" and "INSERT" in e["message"] for e in confirm)
    assert any("**********89" in e["message"] for e in confirm)
    assert any(e["request_id"] == RID and e["logger"] == "django.db.backends" for e in entries)
    # ... and the worker's: the task's own lines and the SMS it sent, in the worker's thread, carry the request's id.
    sms = [e for e in entries if e["message"].startswith("SMS to 09******78")]
    assert sms and all(e["request_id"] == RID for e in sms), sms
    assert not any(e["request_id"] != RID and e["message"].startswith(("SMS", "E-mail")) for e in entries)
    task_lines = [e for e in entries if e["logger"].startswith("celery.app.trace") and "send_notification" in
                  e["message"]]
    assert task_lines and any(e["request_id"] == RID for e in task_lines), task_lines
