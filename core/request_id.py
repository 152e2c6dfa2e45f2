"""The request id: one per HTTP request (taken from a valid X-Request-ID or made here), carried by the Celery
tasks the request sends, and written on every log record (onecua.logging_filters.RequestIdFilter).

This module imports nothing from Django: the log filter reads it in gunicorn's master process too.
"""

import contextvars
import re
import secrets

HEADER = "X-Request-ID"
# The Celery message header that carries it to the worker (ops.apps: before_task_publish / task_prerun).
TASK_HEADER = "request_id"

# Letters, digits, dot, underscore, hyphen; 8 to 64 of them (a UUID, a load balancer's or a proxy's id). No run of
# nine digits or more: the log filter would mask it as a phone or ID number and the id would no longer match.
_VALID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_LONG_DIGITS = re.compile(r"\d{9}")

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("onecua_request_id", default=None)


def is_valid(value: object) -> bool:
    return isinstance(value, str) and bool(_VALID.fullmatch(value)) and not _LONG_DIGITS.search(value)


# A task that several requests caused (notifications.tasks publishes the outbox kicks of a moment together)
# carries their ids joined by commas, at most this many.
MAX_CARRIED = 20


def joined(values) -> str | None:
    """The ids of the requests behind one task, in order, each once: "a" or "a,b,c" (None when there is none)."""
    unique = list(dict.fromkeys(v for v in values if is_valid(v)))[:MAX_CARRIED]
    return ",".join(unique) or None


def is_valid_carried(value: object) -> bool:
    """One id, or several joined by `joined`."""
    if not isinstance(value, str) or not value:
        return False
    parts = value.split(",")
    return len(parts) <= MAX_CARRIED and all(is_valid(part) for part in parts)


def new() -> str:
    """A fresh id: 32 hexadecimal characters."""
    while not is_valid(value := secrets.token_hex(16)):
        pass  # a run of nine digits (about one id in 200): draw again
    return value


def current() -> str | None:
    return _current.get()


def activate(value: str | None) -> contextvars.Token:
    return _current.set(value)


def restore(token: contextvars.Token) -> None:
    try:
        _current.reset(token)
    except ValueError:  # made in another context (a thread's first use): just clear
        _current.set(None)


def clear() -> None:
    _current.set(None)
