"""Message transports: development e-mail and SMS backends and the configured SMS backend. The outbox
(notifications) and account notices (accounts) both send through here."""

import logging

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils.module_loading import import_string

from core.masking import mask_email, mask_phone

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- console backends (development)
class ConsoleEmailBackend(BaseEmailBackend):
    """Development e-mail backend (settings.EMAIL_BACKEND's default outside production, which refuses it): logs
    the masked recipients, the idempotency key and the subject. Never the text: it holds the applicant's name and
    address, and links (the rating link's token opens the rating page)."""

    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            log.info("E-mail to %s [%s]: %s (%s characters, text not shown)",
                     ", ".join(mask_email(address) for address in message.recipients()),
                     message.extra_headers.get("X-Onecua-Idempotency-Key", "-"), message.subject,
                     len(message.body or ""))
        return len(email_messages)


class ConsoleSMSBackend:
    """Development SMS backend: logs the masked phone, the idempotency key and the length. Never the text: it
    carries links (the rating link's token) and whatever reason or items the staff typed."""

    def send(self, *, phone: str, text: str, idempotency_key: str) -> None:
        log.info("SMS to %s [%s]: %s characters, text not shown", mask_phone(phone), idempotency_key, len(text))


class LocmemSMSBackend:
    """Test backend: keeps messages in `LocmemSMSBackend.outbox` (phone, text, idempotency_key)."""

    outbox: list[tuple[str, str, str]] = []

    def send(self, *, phone: str, text: str, idempotency_key: str) -> None:
        type(self).outbox.append((phone, text, idempotency_key))


def sms_backend():
    path = getattr(settings, "ONECUA_SMS_BACKEND", "core.backends.ConsoleSMSBackend")
    return import_string(path)()
