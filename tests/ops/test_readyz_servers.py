"""/readyz against real services this test starts and stops: its own redis-server (cache and broker), moto's S3
server (the private storage, STORAGE_BACKEND=s3) and, on PostgreSQL, a TCP proxy in front of a database of the
machine's server (stopping the proxy makes the database unreachable; the server itself is never touched). The
site runs under gunicorn in its own process, asked over HTTP. Each stop turns /readyz to 503 naming the part,
/healthz stays 200, and the return of the service turns /readyz back to 200."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.ops.probe_servers import S3, Redis, TcpProxy, free_port, wait_port

ROOT = Path(settings.BASE_DIR)
BUCKET = "onecua-readyz"
TOKEN = "metrics-token-for-the-test"
IS_POSTGRES = connection.vendor == "postgresql"


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url), timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def wait_ready(base: str, status: int, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        code, body = get(f"{base}/readyz")
        if code == status or time.monotonic() > deadline:
            assert code == status, body
            return body
        time.sleep(0.2)


def _postgres_database(name: str) -> dict:
    """A new database on the machine's server, migrated; its connection settings."""
    import psycopg2

    params = connection.settings_dict
    admin = psycopg2.connect(dbname="postgres", user=params["USER"], password=params["PASSWORD"],
                             host=params["HOST"] or "127.0.0.1", port=params["PORT"] or 5432)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return {"user": params["USER"] or "postgres", "password": params["PASSWORD"] or "",
            "host": params["HOST"] or "127.0.0.1", "port": int(params["PORT"] or 5432), "name": name}


def _drop_postgres_database(name: str) -> None:
    import psycopg2

    params = connection.settings_dict
    admin = psycopg2.connect(dbname="postgres", user=params["USER"], password=params["PASSWORD"],
                             host=params["HOST"] or "127.0.0.1", port=params["PORT"] or 5432)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """gunicorn serving the site on PostgreSQL (through the proxy) or SQLite, Redis and the S3 server."""
    work = tmp_path_factory.mktemp("readyz")
    redis, s3 = Redis(work), S3(work)
    proxy = database = None
    gunicorn = None
    try:
        redis.start()
        s3.start()
        s3.create_bucket(BUCKET)
        if IS_POSTGRES:
            database = f"{connection.settings_dict['NAME']}_readyz"[:63]
            db = _postgres_database(database)
            proxy = TcpProxy((db["host"], db["port"]))
            proxy.start()
            credentials = f"{db['user']}:{db['password']}@" if db["password"] else f"{db['user']}@"
            direct = f"postgres://{credentials}{db['host']}:{db['port']}/{db['name']}"
            served = f"postgres://{credentials}127.0.0.1:{proxy.port}/{db['name']}"
        else:
            direct = served = f"sqlite:///{work}/site.sqlite3"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "LANG": "C.UTF-8",
            "DJANGO_SETTINGS_MODULE": "onecua.settings.dev", "DJANGO_DEBUG": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DATABASE_URL": direct,
            "CACHE_URL": f"{redis.url}/0", "CELERY_BROKER_URL": f"{redis.url}/1",
            "STORAGE_BACKEND": "s3", "S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": s3.url, "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing",
            # Each probe checks afresh: a report reused for its second could be another test's (production reuses it).
            "READY_TIMEOUT_SECONDS": "1.5", "READY_REUSE_SECONDS": "0", "PRIVATE_STORAGE_ROOT": str(work / "unused-private"),
            "PROMETHEUS_MULTIPROC_DIR": str(work / "prometheus"), "METRICS_TOKEN": TOKEN,
        }
        (work / "prometheus").mkdir()
        migrate = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT,
                                 env=env, capture_output=True, text=True, timeout=600)
        assert migrate.returncode == 0, migrate.stderr[-3000:]
        port = free_port()
        log = work / "gunicorn.log"
        with log.open("w") as out:
            gunicorn = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "onecua.wsgi:application", "--config",
                 "onecua/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "60"],
                cwd=ROOT, env={**env, "DATABASE_URL": served}, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        assert wait_port(port, timeout=60), log.read_text()[-3000:]
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, 200, timeout=60)
        yield {"base": base, "redis": redis, "s3": s3, "proxy": proxy, "log": log}
    finally:
        if gunicorn is not None:
            gunicorn.send_signal(signal.SIGTERM)
            gunicorn.wait(timeout=30)
        for server in (redis, s3, proxy):
            if server is not None:
                try:
                    server.stop()
                except (AssertionError, OSError):
                    pass
        if database:
            _drop_postgres_database(database)


def test_all_parts_ready(site):
    body = wait_ready(site["base"], 200)
    assert body["failing"] == []
    for part in ("database", "cache", "broker", "storage"):
        assert body["checks"][part]["ok"] is True and "ms" in body["checks"][part], (part, body)


def test_redis_stopped_names_cache_and_broker_then_recovers(site):
    site["redis"].stop()
    try:
        started = time.monotonic()
        body = wait_ready(site["base"], 503)
        assert time.monotonic() - started < 15
        assert body["failing"] == ["cache", "broker"], body
        assert body["checks"]["database"]["ok"] and body["checks"]["storage"]["ok"]
        assert get(f"{site['base']}/healthz") == (200, {"status": "ok"})
    finally:
        site["redis"].start()
    assert wait_ready(site["base"], 200)["failing"] == []


def test_s3_server_stopped_names_storage_then_recovers(site):
    site["s3"].stop()
    try:
        body = wait_ready(site["base"], 503)
        assert body["failing"] == ["storage"], body
        assert get(f"{site['base']}/healthz") == (200, {"status": "ok"})
    finally:
        site["s3"].start()
        site["s3"].create_bucket(BUCKET)  # moto keeps its buckets in memory: the returning server is empty
    assert wait_ready(site["base"], 200)["failing"] == []


@pytest.mark.skipif(not IS_POSTGRES, reason="the database part is stopped through a proxy to PostgreSQL; "
                                           "SQLite is a local file (CI runs this on PostgreSQL)")
def test_postgresql_unreachable_names_database_then_recovers(site):
    site["proxy"].stop()
    try:
        started = time.monotonic()
        body = wait_ready(site["base"], 503)
        assert time.monotonic() - started < 15
        assert body["failing"] == ["database"], body
        assert body["checks"]["cache"]["ok"] and body["checks"]["storage"]["ok"]
        assert get(f"{site['base']}/healthz") == (200, {"status": "ok"})
    finally:
        site["proxy"].start()
    assert wait_ready(site["base"], 200)["failing"] == []


def scrape(base: str) -> str:
    request = urllib.request.Request(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode()


def sample(text: str, prefix: str) -> float:
    lines = [line for line in text.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, (prefix, text[-3000:])
    return float(lines[0].rsplit(" ", 1)[1])


def test_metrics_need_the_token_under_gunicorn(site):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(f"{site['base']}/metrics"), timeout=30)
    assert refused.value.code == 404


def test_metrics_add_up_the_workers_and_read_the_queue(site):
    import redis

    base = site["base"]
    key = 'onecua_http_request_duration_seconds_count{method="GET",view="ops:healthz"}'
    text = scrape(base)
    before = sample(text, key) if key in text else 0.0
    for _ in range(40):
        assert get(f"{base}/healthz")[0] == 200
    counts = {sample(scrape(base), key) for _ in range(6)}  # several scrapes: both workers answer some
    assert counts == {before + 40}

    broker = redis.Redis.from_url(f"{site['redis'].url}/1")
    broker.delete("celery")
    assert sample(scrape(base), 'onecua_celery_queue_length{queue="celery"}') == 0
    broker.lpush("celery", *[json.dumps({"body": "x", "n": n}) for n in range(3)])
    try:
        assert sample(scrape(base), 'onecua_celery_queue_length{queue="celery"}') == 3
    finally:
        broker.delete("celery")
