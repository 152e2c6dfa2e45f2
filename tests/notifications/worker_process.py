"""What a Celery worker in another process needs in tests and benchmarks: its environment (this database, a
broker) and e-mail and SMS backends that write to a file what really left.

Each send appends "start <key>" to the file named by ONECUA_TEST_SINK, waits ONECUA_TEST_SEND_SECONDS (a slow
mail server), then appends "sent <key>". Lines are written with O_APPEND, so several processes can share the file.
"""

import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend

ROOT = Path(__file__).resolve().parents[2]


def worker_env(connection, *, sink: Path, broker_url: str, **extra: str) -> dict:
    """The environment of a process (worker, or a benchmark's acting process) on `connection`'s database."""
    db = connection.settings_dict
    database_url = (f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
                    if connection.vendor == "postgresql" else f"sqlite:///{db['NAME']}")
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "onecua.settings.dev", "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker_url, "EMAIL_BACKEND": f"{__name__}.SinkEmailBackend",
            "ONECUA_SMS_BACKEND": f"{__name__}.SinkSMSBackend", "ONECUA_TEST_SINK": str(sink),
            "DJANGO_DEBUG": "false", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT), **extra}


def sent_keys(sink: Path) -> list[str]:
    """The idempotency keys of the messages that really left, once per delivery."""
    lines = sink.read_text(encoding="utf-8").splitlines() if sink.exists() else []
    return [line.split(" ", 1)[1] for line in lines if line.startswith("sent ")]


def _send(key: str) -> None:
    sink = os.environ["ONECUA_TEST_SINK"]
    with open(sink, "a", encoding="utf-8") as fh:
        fh.write(f"start {key}\n")
    seconds = float(os.environ.get("ONECUA_TEST_SEND_SECONDS", "0"))
    if seconds:
        time.sleep(seconds)
    with open(sink, "a", encoding="utf-8") as fh:
        fh.write(f"sent {key}\n")


class SinkEmailBackend(BaseEmailBackend):
    def send_messages(self, messages):
        for message in messages:
            _send(message.extra_headers["X-Onecua-Idempotency-Key"])
        return len(messages)


class SinkSMSBackend:
    def send(self, *, phone: str, text: str, idempotency_key: str) -> None:
        _send(idempotency_key)
