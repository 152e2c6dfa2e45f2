"""Versions kept in the shared cache (Redis when several nodes run): a value cached with the version it was made at
is current while the version is; a change replaces the version, so every process and node computes afresh."""

import uuid

from django.core.cache import cache
from django.db import transaction


def current(key: str) -> str:
    """The version under `key`; the first reader (or after an eviction) creates one — add: concurrent readers agree."""
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)
        version = cache.get(key) or "uncached"
    return version


def renew(*keys: str) -> None:
    """New versions under `keys` now."""
    cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=None)


def replace(*keys: str) -> None:
    """New versions now and again once the transaction commits (a value computed in between from the rows before
    the commit is stored under the first one and never read again)."""
    renew(*keys)
    transaction.on_commit(lambda: renew(*keys))
