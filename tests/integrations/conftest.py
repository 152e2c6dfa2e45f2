"""The national-portal simulator served over real HTTP on a loopback port (one server for the session, emptied
before each test), and DVCQG settings pointing at it."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache

from integrations.dvcqg.simulator import Simulator, start
from integrations.outbox import forget_mapping
from tests.builders import at


@pytest.fixture(autouse=True)
def _fresh_status_mapping():
    """Each test reads the mapping its own database holds (a rolled-back test leaves no signal behind)."""
    forget_mapping()
    yield
    forget_mapping()


@pytest.fixture(scope="session")
def _portal_server():
    running = start(Simulator())
    yield running
    running.stop()


@pytest.fixture
def portal(_portal_server):
    """The simulator (its memory emptied, failures off); .url is where it listens."""
    _portal_server.simulator.reset()
    _portal_server.simulator.catalog = {}
    _portal_server.simulator.session_ttl = _portal_server.simulator.token_ttl = 3600
    return _portal_server.simulator


@pytest.fixture
def portal_url(_portal_server):
    return _portal_server.url


DSTCODE = "000.00.00.H61"


@pytest.fixture
def dvcqg(settings, portal, portal_url, db):
    """Sync on, over the session transport, to the simulator, with the default status mapping (seeded by a data
    migration; a transactional test before this one may have emptied the table)."""
    seed_migration = importlib.import_module("integrations.migrations.0002_default_status_mapping")
    seed_migration.seed(django_apps, None)
    forget_mapping()
    settings.DVCQG = {
        "ENABLED": True, "TRANSPORT": "session", "URL": portal_url, "USERNAME": "motcua", "PASSWORD": "motcua",
        "MADONVI": "H61", "DSTCODE": DSTCODE, "TIMEOUT_SECONDS": 5, "RETRY_BASE_SECONDS": 30,
        "RETRY_MAX_SECONDS": 1800, "REQUEUE_GRACE_SECONDS": 60, "INBOUND_TOKEN": "bi-mat-cua-cong",
    }
    cache.clear()  # no session kept from another test
    yield portal
    cache.clear()


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run an action at a frozen instant, with its after-commit callbacks (the eager send tasks) executed."""

    def _run(moment, fn, **kwargs):
        with at(moment), django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return _run
