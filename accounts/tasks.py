"""Celery tasks of the accounts app."""

from celery import shared_task


@shared_task(name="accounts.send_account_notice", time_limit=90, soft_time_limit=60, ignore_result=True)
def send_account_notice(kind: str, user_id: int, channel: str) -> bool:
    """Send one message about an account to its e-mail address or phone (accounts/notices.py). Only ids travel
    through the broker. Not retried: a lost notice is a courtesy lost."""
    from .notices import deliver

    return deliver(kind=kind, user_id=user_id, channel=channel)
