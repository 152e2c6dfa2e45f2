"""Counting attempts in the cache, for the login throttle and the public tracking lookups."""

from django.core.cache import cache


def count_hit(key: str, *, window_seconds: int) -> int:
    """Add one attempt under `key` and return the attempts in the current window."""
    cache.add(key, 0, timeout=window_seconds)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        return 1


def hits(key: str) -> int:
    return cache.get(key, 0)
