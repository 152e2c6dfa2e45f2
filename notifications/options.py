"""The outbox's settings (ONECUA[...]) with their defaults."""

from datetime import timedelta

from django.conf import settings


def option(name: str, default):
    return settings.ONECUA.get(name, default)


def lease_seconds() -> int:
    return int(option("NOTIFICATION_LEASE_SECONDS", 600))


def max_attempts() -> int:
    return int(option("NOTIFICATION_MAX_ATTEMPTS", 6))


def backoff(attempt: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at 30 min (well under the broker's visibility timeout)."""
    base = int(option("NOTIFICATION_RETRY_BASE_SECONDS", 30))
    return timedelta(seconds=min(base * 2 ** max(attempt - 1, 0), 30 * 60))
