"""Celery tasks of the accounts app (Celery finds them here; each is defined next to what it runs)."""

from accounts.notices import send_account_notice

__all__ = ["send_account_notice"]
