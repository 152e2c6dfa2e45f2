import logging

import pytest


@pytest.fixture(autouse=True)
def _vietnamese_by_default(settings):
    settings.LANGUAGE_CODE = "vi"


@pytest.fixture
def locmem_sms(settings):
    """SMS kept in memory (LocmemSMSBackend.outbox, emptied before and after the test)."""
    from core.backends import LocmemSMSBackend

    settings.ONECUA_SMS_BACKEND = "core.backends.LocmemSMSBackend"
    LocmemSMSBackend.outbox = []
    yield LocmemSMSBackend.outbox
    LocmemSMSBackend.outbox = []


@pytest.fixture
def world(db):
    """A small province with staff by role (tests/builders.py: World); dossiers are brought to any state
    through the services."""
    from tests.builders import World

    return World()


@pytest.fixture(autouse=True)
def _root_log_level_kept():
    """An in-process Celery worker sets the root logger's level (to ERROR) when it starts: restore it, so that a
    later test's caplog still sees warnings."""
    root = logging.getLogger()
    level = root.level
    yield
    root.setLevel(level)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the catalog's cached pages, rate limits, one-shot notices are kept
    there), so no test sees what another left."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
