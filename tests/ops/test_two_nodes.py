"""Two web nodes, no Docker: two gunicorn processes on two loopback ports with the production settings, sharing one
PostgreSQL database (made for this test), Redis (the cache: sessions, rate limits) and an S3-protocol server
(moto's, the private files). A citizen submits an online dossier with a file through node 1; a clerk signed in on
node 2 downloads the file through the access-checked view; the citizen's session from node 1 opens the tracking
page on node 2, and a lookup by code and phone works there too; the tracking rate limit counts attempts on both
nodes (it trips on node 2 after attempts on node 1).

Needs PostgreSQL (DATABASE_URL) and Redis (TEST_REDIS_URL, else redis://127.0.0.1:6379/4): without DATABASE_URL
(the SQLite run) it is skipped; with CI=true and DATABASE_URL set it runs, and fails when anything cannot start."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
import redis
import requests
from django.conf import settings
from django.urls import reverse

from tests.builders import PDF_BYTES
from tests.storage import s3server

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/4")
IN_CI = os.environ.get("CI", "").lower() == "true"
TRACK_LIMIT = 5
STAFF_PASSWORD = "Mat-khau-can-bo-2026"
PHONE = "0903 123 456"

pytestmark = [
    pytest.mark.skipif(not DATABASE_URL.startswith(("postgres://", "postgresql://")),
                       reason="two nodes share a PostgreSQL database: set DATABASE_URL (CI does)"),
    # Transactional: no transaction held open on the test database, which the nodes' database is copied from.
    pytest.mark.django_db(transaction=True),
]

SEED = f"""
import json
from tests.builders import World
world = World()
clerk = world.user("clerk@desk")
clerk.set_password({STAFF_PASSWORD!r})
clerk.save()
print("SEED " + json.dumps({{"code": world.procedure.national_code, "form": world.form.pk,
                            "desk": world.desk.pk, "clerk": clerk.username}}))
"""


def _admin_dsn(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, "", ""))


@pytest.fixture
def nodes_database(django_db_blocker):
    """A database of its own for the two nodes: a copy of the migrated test database (CREATE DATABASE … TEMPLATE),
    dropped afterwards."""
    from django.db import connection, connections

    template = connection.settings_dict["NAME"]
    name = f"{template}_nodes"[:63]
    admin = psycopg2.connect(_admin_dsn(DATABASE_URL, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        copied = False
        with django_db_blocker.unblock():
            for _attempt in range(20):
                connections.close_all()
                try:
                    cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                    copied = True
                    break
                except psycopg2.errors.ObjectInUse:  # another thread of the suite still holds a connection
                    time.sleep(0.25)
        if not copied:  # the slow way: an empty database, migrated
            cursor.execute(f'CREATE DATABASE "{name}"')
            migrated = subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput"], cwd=settings.BASE_DIR, capture_output=True,
                text=True, timeout=600, env={**os.environ, "DATABASE_URL": _admin_dsn(DATABASE_URL, name),
                                             "DJANGO_SETTINGS_MODULE": "onecua.settings.test"})
            assert migrated.returncode == 0, migrated.stderr[-4000:]
    yield _admin_dsn(DATABASE_URL, name)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def shared_redis():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        if IN_CI:
            raise
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    for key in client.scan_iter(match="*portal-track*"):
        client.delete(key)
    yield REDIS_URL
    for key in client.scan_iter(match="*portal-track*"):
        client.delete(key)


@pytest.fixture
def s3_bucket():
    server = s3server.start()
    try:
        yield server, server.new_bucket()
    finally:
        server.server.stop()


def static_manifest(root) -> str:
    """The manifest the production static storage reads, naming every static file as it is (no hashing): the
    pages render without a minute of `collectstatic`; CI's production build step collects them for real."""
    from django.contrib.staticfiles import finders

    paths = {}
    for finder in finders.get_finders():
        for path, _storage in finder.list([]):
            name = path.replace(os.sep, "/")
            paths[name] = name
    root.mkdir(parents=True, exist_ok=True)
    (root / "staticfiles.json").write_text(json.dumps({"paths": paths, "version": "1.1", "hash": ""}))
    return str(root)


def production_env(database_url: str, redis_url: str, s3, bucket: str, tmp_path) -> dict:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "PYTHONPATH": str(settings.BASE_DIR),
        "DJANGO_SETTINGS_MODULE": "onecua.settings.prod",
        "DJANGO_SECRET_KEY": "two-nodes-6hQ2vR8mZk1LwP0xYt7NcJ3bFa9GdUe5Hs4Kq2Wm8Vr1Tz6Py0Lo3Ni7Bx5Cj",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "PUBLIC_BASE_URL": "https://motcua.example.gov.vn",
        "DATABASE_URL": database_url, "CACHE_URL": redis_url, "CELERY_BROKER_URL": "",
        # A real (non-console) backend that sends nothing: the outbox's e-mails stay in the process.
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "TRACK_LOOKUPS_PER_10_MIN": str(TRACK_LIMIT), "PRIVATE_STORAGE_ROOT": str(tmp_path / "not-used"),
        "STATIC_ROOT": static_manifest(tmp_path / "static"),
        **s3.environment(bucket),
    }


class Browser:
    """requests without a cookie jar: the production cookies are Secure, and the nodes are reached over plain
    HTTP as behind a TLS proxy (X-Forwarded-Proto: https), so the cookies are kept and sent by hand."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, **kwargs):
        parts = urlsplit(url)
        headers = {"X-Forwarded-Proto": "https", "Referer": f"https://{parts.netloc}/", **kwargs.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = requests.request(method, url, headers=headers, allow_redirects=False, timeout=30, **kwargs)
        self.cookies.update({cookie.name: cookie.value for cookie in response.cookies})
        return response

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, data=None, **kwargs):
        data = {**(data or {}), "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
        return self.request("POST", url, data=data, **kwargs)


def start_node(env: dict, tmp_path, number: int):
    port = s3server.free_port()
    log = open(tmp_path / f"node{number}.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "onecua.wsgi:application", "--config", "onecua/gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60"],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return process, f"http://127.0.0.1:{port}", log


def wait_until_up(process, base: str, log_path) -> None:
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if requests.get(base + "/", headers={"X-Forwarded-Proto": "https"}, timeout=15).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or the first page still rendering
            pass
        time.sleep(0.2)
    raise AssertionError(f"gunicorn at {base} did not start; its log:\n{log_path.read_text()[-4000:]}")


@pytest.fixture
def two_nodes(nodes_database, shared_redis, s3_bucket, tmp_path):
    s3, bucket = s3_bucket
    env = production_env(nodes_database, shared_redis, s3, bucket, tmp_path)
    started = [start_node(env, tmp_path, number) for number in (1, 2)]  # they boot while the data is written
    try:
        seeded = subprocess.run([sys.executable, "manage.py", "shell", "-c", SEED], cwd=settings.BASE_DIR, env=env,
                                capture_output=True, text=True, timeout=120)
        assert seeded.returncode == 0, seeded.stderr[-4000:]
        seed = json.loads(re.search(r"^SEED (.*)$", seeded.stdout, re.M).group(1))
        for number, (process, base, _log) in enumerate(started, 1):
            wait_until_up(process, base, tmp_path / f"node{number}.log")
        yield {"node1": started[0][1], "node2": started[1][1], "seed": seed, "s3": s3, "bucket": bucket,
               "database": nodes_database}
    finally:
        for process, _base, _log in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process, _base, log in started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            log.close()


def csrf_field(html: str) -> None:
    assert 'name="csrfmiddlewaretoken"' in html


def test_a_dossier_submitted_on_one_node_is_downloaded_and_tracked_on_the_other(two_nodes):
    node1, node2, seed = two_nodes["node1"], two_nodes["node2"], two_nodes["seed"]
    s3, bucket = two_nodes["s3"], two_nodes["bucket"]
    started = time.monotonic()

    # Node 1: the citizen fills in the form with the file, reviews, confirms.
    citizen = Browser()
    submit_url = reverse("portal:submit", args=[seed["code"]])
    page = citizen.get(node1 + submit_url)
    assert page.status_code == 200
    csrf_field(page.text)
    review = citizen.post(node1 + submit_url, {
        "agency": seed["desk"], "applicant_name": "Phạm Thị Ngọc Hương", "applicant_id_number": "079203004567",
        "applicant_phone": PHONE, "applicant_address": "Ấp Bình Hòa, phường Một"},
        files={f"file_{seed['form']}": ("to-khai.pdf", PDF_BYTES, "application/pdf")})
    assert review.status_code == 200, review.text[:3000]
    payload = re.search(r'name="payload" value="([^"]+)"', review.text).group(1)
    done = citizen.post(node1 + reverse("portal:submit_confirm", args=[seed["code"]]), {"payload": payload})
    assert done.status_code == 302, done.text[:3000]
    code = re.search(r"/da-nop/([^/]+)/", done.headers["Location"]).group(1)

    with psycopg2.connect(two_nodes["database"]) as db, db.cursor() as cursor:
        cursor.execute("SELECT id FROM dossiers_dossier WHERE code = %s", [code])
        (dossier_id,) = cursor.fetchone()
        cursor.execute("SELECT id, file FROM dossiers_attachment WHERE dossier_id = %s", [dossier_id])
        attachments = cursor.fetchall()
    assert len(attachments) == 1
    attachment_id, key = attachments[0]
    assert s3.client().get_object(Bucket=bucket, Key=key)["Body"].read() == PDF_BYTES  # in the shared bucket

    # Node 2: the clerk signs in and downloads the file through the access-checked view.
    clerk = Browser()
    login_url = node2 + reverse("accounts:login")
    assert clerk.get(login_url).status_code == 200
    signed_in = clerk.post(login_url, {"username": seed["clerk"], "password": STAFF_PASSWORD})
    assert signed_in.status_code == 302, signed_in.text[:3000]
    download_url = node2 + reverse("workspace:attachment", args=[dossier_id, attachment_id])
    download = clerk.get(download_url)
    assert download.status_code == 200 and download.content == PDF_BYTES
    assert download.headers["Cache-Control"] == "private, no-store"
    assert Browser().get(download_url).status_code in (302, 404)  # nobody else

    # Node 2: the session opened on node 1 shows the dossier; a lookup by code and phone works there too.
    tracked = citizen.get(node2 + reverse("portal:dossier", args=[code]))
    assert tracked.status_code == 200 and code in tracked.text
    stranger = Browser()
    stranger.get(node2 + reverse("portal:track"))
    found = stranger.post(node2 + reverse("portal:track"), {"ma": code, "sdt": PHONE})
    assert found.status_code == 302 and found.headers["Location"].endswith(reverse("portal:dossier", args=[code]))

    # The tracking limit counts on both nodes: one lookup above on node 2, the next ones on node 1, and node 2
    # refuses the one past the limit.
    prober = Browser()
    prober.get(node1 + reverse("portal:track"))
    for _attempt in range(TRACK_LIMIT - 1):
        missed = prober.post(node1 + reverse("portal:track"), {"ma": code, "sdt": "0999 999 999"})
        assert missed.status_code == 404
    prober.get(node2 + reverse("portal:track"))
    refused = prober.post(node2 + reverse("portal:track"), {"ma": code, "sdt": PHONE})
    assert refused.status_code == 429
    assert time.monotonic() - started < 60
