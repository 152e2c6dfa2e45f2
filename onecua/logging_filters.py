"""Logs never carry a citizen's phone or ID number, an e-mail address, or a token that opens a page.

`MaskPersonalData` is attached to every handler of settings.LOGGING (and of onecua/gunicorn.conf.py): it formats
the record's message with its arguments, masks it, and leaves the record with the masked text and no arguments,
so every handler after it (and any formatter) sees only the masked text. The traceback text is masked too.

What is masked (see `mask`):

* runs of 9 to 12 digits (phone numbers with or without +84, ID card numbers, tax codes): all but the last two
  digits, `0912345678` → `********78`;
* e-mail addresses (also percent-encoded, `%40`): `nguyen.van.a@example.vn` → `n***@example.vn`;
* the token segment of the rating pages' addresses, `/danh-gia/ho-so/<code>/<token>/` → `/danh-gia/ho-so/<code>/***/`
  (also in a full URL, a Referer, an SQL parameter);
* anything shaped like a value signed by django.core.signing (`value:signature`, `value:timestamp:signature`,
  the signature being 27 or more URL-safe base64 characters), whatever the address or text it appears in.

`RequestIdFilter` (on every handler too) writes the current request id (core.request_id: the HTTP request's, or
the one a Celery task carried from it) on the record as `request_id`. `JsonFormatter` writes one JSON object per
line (production, settings.LOG_FORMAT "json"): time, level, logger, message, request id, process, traceback; the
record's other attributes (a request object, `extra` values) are never written, and the whole line is masked.

This module imports nothing from Django: gunicorn's master process loads it before Django is set up.
"""

import json
import logging
import re
from datetime import UTC, datetime

from core import request_id

_DIGITS = re.compile(r"(?<!\d)\d{9,12}(?!\d)")
# Local part and domain as e-mail validators accept them (ASCII and Unicode letters); `%40` is an encoded `@`.
_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-]+)(@|%40)((?:[\w-]+\.)+[\w-]{2,})(?![\w-])", re.UNICODE)
# The rating pages (surveys/urls.py, mounted at danh-gia/): quay, cam-on, khao-sat, ho-so take /<code>/<token>/.
_RATING_PATH = re.compile(r"(/danh-gia/[\w-]+/[^/\s?#\"']+/)([^/\s?#\"']+)")
# django.core.signing: Signer.sign() gives `value:signature`, TimestampSigner and dumps() `value:timestamp:sig`;
# the signature is URL-safe base64 without padding (43 characters for SHA-256, 27 for the legacy SHA-1).
_SEP = r"(?::|%3[Aa])"
_SIGNED = re.compile(rf"(?<![\w.:%-])[\w.-]+(?:{_SEP}[0-9A-Za-z]{{1,16}})?{_SEP}[\w-]{{27,}}(?![\w-])")

MASK = "***"


def _digits(match: re.Match) -> str:
    run = match.group(0)
    return "*" * (len(run) - 2) + run[-2:]


def _email(match: re.Match) -> str:
    local, at, domain = match.groups()
    return f"{local[:1]}{MASK}{at}{domain}"


def mask(text: str) -> str:
    """The text with phone and ID numbers, e-mail addresses and page tokens masked (idempotent)."""
    if not text:
        return text
    text = _RATING_PATH.sub(lambda m: m.group(1) + (m.group(2) if m.group(2) == MASK else MASK), text)
    text = _SIGNED.sub(MASK, text)
    text = _EMAIL.sub(_email, text)
    return _DIGITS.sub(_digits, text)


class MaskPersonalData(logging.Filter):
    """A handler filter: the record leaves with its message formatted and masked, and its traceback masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_onecua_masked", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string: the handler reports it as it always did
            return True
        record.msg = mask(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        record._onecua_masked = True
        return True


class RequestIdFilter(logging.Filter):
    """A handler filter: the record gets `request_id`, the current one or None."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.current()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, masked as a whole (the message already is, by MaskPersonalData)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "process": record.process,
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return mask(json.dumps(entry, ensure_ascii=False, default=str))
