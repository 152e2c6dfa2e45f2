"""Messages about an account, sent to the e-mail address or phone number it names.

They are not dossier notifications (the outbox, notifications/outbox.py, belongs to an agency and a dossier):
each is one Celery task (accounts.tasks.send_account_notice, with ids only) that sends by Django's e-mail or
the project's SMS backend (settings.ONECUA_SMS_BACKEND). One address gets at most one notice of a kind per
ACCOUNT_NOTICE_INTERVAL_MINUTES, so registering with someone else's number again and again cannot flood it.
"""

import hashlib
import logging
import uuid

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.urls import reverse

log = logging.getLogger(__name__)

EMAIL = "email"
SMS = "sms"
TAKEN = "taken"  # someone tried to register with an address that already has an account
CREATED = "created"  # an account was created with this address
FOOTER = "Thư này được gửi tự động từ Cổng dịch vụ công Một Cửa; xin Ông/Bà không trả lời thư này."
# The portal has no self-service password reset: a forgotten password is reset at a one-stop desk.
RESET_HELP = ("Nếu quên mật khẩu, xin Ông/Bà mang giấy tờ tùy thân đến Bộ phận tiếp nhận và trả kết quả "
              "(một cửa) gần nhất để được đặt lại mật khẩu.")


def queue(*, kind: str, user, channel: str) -> bool:
    """Queue one notice to `user`'s e-mail address or phone, unless that address had one of this kind within
    the interval. True if queued. A broker failure is logged, never raised (the registrant's answer must
    not depend on it)."""
    recipient = user.email if channel == EMAIL else user.phone
    if not recipient:
        return False
    minutes = int(settings.ONECUA.get("ACCOUNT_NOTICE_INTERVAL_MINUTES", 60))
    digest = hashlib.sha256(f"{kind}|{channel}|{recipient}".encode()).hexdigest()  # no personal data in keys
    if minutes > 0 and not cache.add(f"account-notice:{digest}", 1, timeout=minutes * 60):
        return False
    try:
        send_account_notice.delay(kind, user.pk, channel)
    except Exception as exc:  # noqa: BLE001
        log.warning("Could not queue the %s notice for user %s by %s (%s: %s)", kind, user.pk, channel,
                    type(exc).__name__, exc)
        return False
    return True


def _login_url() -> str:
    return settings.ONECUA["PUBLIC_BASE_URL"].rstrip("/") + reverse("accounts:login")


def message(*, kind: str, channel: str) -> tuple[str, str]:
    """(subject, body) of a notice; an SMS body is short and without diacritics."""
    url = _login_url()
    what = "thư điện tử" if channel == EMAIL else "số điện thoại"
    if kind == TAKEN:
        subject = "[Một Cửa] Có người vừa đăng ký tài khoản bằng địa chỉ của Ông/Bà"
        lines = [
            f"Ai đó vừa dùng {what} này để đăng ký tài khoản trên Cổng dịch vụ công Một Cửa. {what.capitalize()} "
            "này đã có tài khoản nên không có tài khoản mới nào được tạo, và tài khoản hiện có không bị thay đổi.",
            "",
            f"Nếu đó là Ông/Bà: hãy đăng nhập tại {url} bằng {what} này và mật khẩu đã đặt trước đây. {RESET_HELP}",
            "",
            "Nếu không phải Ông/Bà: Ông/Bà không cần làm gì.",
        ]
        sms = (f"Mot Cua: co nguoi vua dang ky tai khoan bang so nay nhung so da co tai khoan, khong co gi thay "
               f"doi. Dang nhap: {url}. Quen mat khau: den bo phan mot cua de dat lai.")
    elif kind == CREATED:
        subject = "[Một Cửa] Tài khoản của Ông/Bà đã được tạo"
        lines = [
            f"Một tài khoản trên Cổng dịch vụ công Một Cửa vừa được tạo với {what} này. Ông/Bà đăng nhập tại "
            f"{url} bằng {what} này và mật khẩu vừa đặt.",
            "",
            "Nếu Ông/Bà không đăng ký tài khoản này, xin báo cho Bộ phận tiếp nhận và trả kết quả (một cửa).",
        ]
        sms = f"Mot Cua: tai khoan dung so nay vua duoc tao. Dang nhap: {url}. Neu khong phai ban, xin bao mot cua."
    else:
        raise ValueError(f"unknown account notice {kind!r}")
    if channel == SMS:
        return subject, sms
    return subject, "\n".join(["Kính gửi Ông/Bà,", "", *lines, "", FOOTER])


def deliver(*, kind: str, user_id: int, channel: str) -> bool:
    """Send one notice now (the task's body). False if the user or the address is gone."""
    from accounts.models import User

    user = User.objects.filter(pk=user_id).only("email", "phone").first()
    recipient = (user.email if channel == EMAIL else user.phone) if user else ""
    if not recipient:
        return False
    subject, body = message(kind=kind, channel=channel)
    key = f"account-{kind}-{uuid.uuid4().hex}"
    if channel == EMAIL:
        EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[recipient],
                     headers={"X-Onecua-Idempotency-Key": key}).send(fail_silently=False)
    else:
        from core.backends import sms_backend

        sms_backend().send(phone=recipient, text=body, idempotency_key=key)
    return True


@shared_task(name="accounts.send_account_notice", time_limit=90, soft_time_limit=60, ignore_result=True)
def send_account_notice(kind: str, user_id: int, channel: str) -> bool:
    """Send one message about an account to its e-mail address or phone (accounts/notices.py). Only ids travel
    through the broker. Not retried: a lost notice is a courtesy lost."""
    return deliver(kind=kind, user_id=user_id, channel=channel)
