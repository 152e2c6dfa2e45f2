"""Readiness: is every service this process needs reachable? Each part is checked with a short timeout, all at
once, so a dead Redis or a silent network answers 503 in about ONECUA["READY_TIMEOUT_SECONDS"], never hangs.

Parts: `database` (a query on a fresh connection), `migrations` (none left to apply; once true, remembered for the
life of the process), `cache` (a shared cache only: a key written and read back), `broker` (only when
CELERY_BROKER_URL is set), `storage` (the private storage, settings.STORAGES["default"]: a tiny object written,
read back and deleted). A failure is named with the exception's class only: hosts and messages go to the log.
"""

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent import futures
from copy import deepcopy

from django.conf import settings
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections
from django.db.utils import load_backend

logger = logging.getLogger(__name__)

LOCAL_CACHES = ("locmem", "dummy", "filebased")
PROBE_PREFIX = "ops-readyz"
_pool = futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="readyz")
_migrations_applied = False


class Skipped(Exception):
    """The part is not configured here: reported, not a failure."""


def timeout() -> float:
    return float(settings.ONECUA.get("READY_TIMEOUT_SECONDS", 2.0))


def _fresh_connection(alias: str = "default"):
    """A new connection to the database with a connect timeout, closed by the caller (a kept connection could
    hang on a dead peer until TCP gives up)."""
    params = deepcopy(connections[alias].settings_dict)
    if params["ENGINE"].endswith("postgresql"):
        seconds = max(1, int(timeout()))
        options = params.setdefault("OPTIONS", {})
        options["connect_timeout"] = seconds
        options["options"] = f"{options.get('options', '')} -c statement_timeout={seconds * 1000}".strip()
    return load_backend(params["ENGINE"]).DatabaseWrapper(params, alias)


def check_database() -> None:
    """A query and the migration plan. PostgreSQL: on a fresh connection with a connect and a statement timeout,
    made this thread's "default" (the migration recorder's queries go through the alias), closed afterwards.
    SQLite is a local file: the request's own connection (a second one would wait on the first one's locks)."""
    if connections["default"].settings_dict["ENGINE"].endswith("sqlite3"):
        _query_and_plan(connections["default"])
        return
    fresh = _fresh_connection()
    connections["default"] = fresh  # this pool thread's only
    try:
        _query_and_plan(fresh)
    finally:
        fresh.close()
        del connections["default"]


def _query_and_plan(connection) -> None:
    global _migrations_applied
    from django.db.migrations.executor import MigrationExecutor

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    if not _migrations_applied:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise MigrationsPending
        _migrations_applied = True


class MigrationsPending(Exception):
    pass


def check_cache() -> None:
    backend = settings.CACHES["default"]["BACKEND"].lower()
    if any(word in backend for word in LOCAL_CACHES):
        raise Skipped("no shared cache")
    cache = caches["default"]
    key, value = f"{PROBE_PREFIX}:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    try:
        if cache.get(key) != value:
            raise LookupError("the probe key was not read back")
    finally:
        cache.delete(key)


def check_broker() -> None:
    url = settings.CELERY_BROKER_URL
    if not url:
        raise Skipped("tasks run eagerly")
    seconds = timeout()
    if url.startswith(("redis://", "rediss://")):
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=seconds, socket_timeout=seconds)
        try:
            client.ping()
        finally:
            client.close()
        return
    from kombu import Connection

    with Connection(url, connect_timeout=seconds) as conn:
        conn.ensure_connection(max_retries=1, timeout=seconds)


def check_storage() -> None:
    data = uuid.uuid4().hex.encode()
    name = default_storage.save(f"{PROBE_PREFIX}/{uuid.uuid4().hex}.txt", ContentFile(data))
    try:
        with default_storage.open(name, "rb") as handle:
            if handle.read() != data:
                raise LookupError("the probe object was not read back")
    finally:
        default_storage.delete(name)


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "storage": check_storage,
}


def _run(name: str, check: Callable[[], None]) -> dict:
    started = time.monotonic()
    try:
        check()
    except Skipped as skipped:
        return {"ok": True, "skipped": str(skipped)}
    except MigrationsPending:
        return {"ok": False, "error": "migrations not applied", "part": "migrations"}
    except Exception as error:  # noqa: BLE001 - any failure makes the part unready
        logger.warning("readyz: %s failed: %s: %s", name, type(error).__name__, error)
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


# A flood of probes costs at most one check of each part per READY_REUSE_SECONDS and process: the report is reused
# for that long (one computation at a time), and a part whose previous check is still running (a dead peer) is
# reported "timeout" again instead of taking another thread of the pool.
_lock = threading.Lock()
_last: dict = {"at": None, "report": None}
_inflight: dict[str, futures.Future] = {}


def reuse_seconds() -> float:
    return float(settings.ONECUA.get("READY_REUSE_SECONDS", 1.0))


def readiness() -> tuple[bool, dict]:
    """(ready, report): every part's outcome, and `failing`, the names of the parts that are not ready."""
    with _lock:
        now = time.monotonic()
        if _last["at"] is not None and now - _last["at"] < reuse_seconds():
            return deepcopy(_last["report"])
        outcome = _readiness()
        _last.update(at=time.monotonic(), report=deepcopy(outcome))
        return outcome


def _readiness() -> tuple[bool, dict]:
    seconds = timeout()
    engine = connections["default"].settings_dict["ENGINE"]
    results: dict[str, dict] = {}
    pending = {}
    for name, check in CHECKS.items():
        if name == "database" and engine.endswith("sqlite3"):
            results[name] = _run(name, check)
        elif name in _inflight and not _inflight[name].done():
            results[name] = {"ok": False, "error": "timeout"}
        else:
            _inflight[name] = _pool.submit(_run, name, check)
            pending[_inflight[name]] = name
    done, late = futures.wait(pending, timeout=seconds + 0.5)
    for future in done:
        results[pending[future]] = future.result()
    for future in late:
        logger.warning("readyz: %s gave no answer within %.1f s", pending[future], seconds)
        results[pending[future]] = {"ok": False, "error": "timeout"}
    failing = []
    for name in CHECKS:
        outcome = results[name]
        if not outcome["ok"]:
            failing.append(outcome.pop("part", name))
    report = {"status": "ok" if not failing else "unavailable", "failing": failing,
              "checks": {name: results[name] for name in CHECKS}}
    return not failing, report
