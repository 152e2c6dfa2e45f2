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
