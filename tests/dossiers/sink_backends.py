"""E-mail and SMS backends for tests that run a worker in another process: each send appends "start <key>" to the
file named by ONECUA_TEST_SINK, waits ONECUA_TEST_SEND_SECONDS (a slow mail server), then appends "sent <key>".
Lines are written with O_APPEND, so several processes can share the file."""

import os
import time

from django.core.mail.backends.base import BaseEmailBackend


def _send(key: str) -> None:
    sink = os.environ["ONECUA_TEST_SINK"]
    with open(sink, "a", encoding="utf-8") as fh:
        fh.write(f"start {key}\n")
    time.sleep(float(os.environ.get("ONECUA_TEST_SEND_SECONDS", "0")))
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
