"""Real races against PostgreSQL (threads, each with its own connection): several workers delivering the same
dossiers' rows at once never send a row twice nor a later row before an earlier one."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections

from integrations import delivery
from integrations.models import SyncRow, SyncStatus
from integrations.tasks import requeue_sync_rows
from tests.builders import at
from tests.integrations.walk import EXPECTED, T, walk

LATER = T["return"] + timedelta(days=1)  # every back-off of the outage is over
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"),
]


def test_concurrent_workers_deliver_each_row_once_and_in_order(world, dvcqg, settings):
    settings.DVCQG = {**settings.DVCQG, "CLAIM_SIZE": 3}

    def run(moment, fn, **kwargs):  # committed for real here: the after-commit send runs (portal down: it waits)
        with at(moment):
            return fn(**kwargs)

    dvcqg.down = True
    dossiers = [walk(world, run) for _ in range(6)]
    dvcqg.down = False
    ids = list(SyncRow.objects.order_by("id").values_list("id", flat=True))
    barrier = threading.Barrier(6)
    errors = []

    def worker(n):
        try:
            barrier.wait()
            with at(LATER):
                # Each worker gets every row, in a different order: all of them race for every dossier.
                delivery.deliver_batch(ids[n:] + ids[:n])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with at(LATER):
        requeue_sync_rows()  # a head skipped while another worker held it is picked up here
    for dossier in dossiers:
        assert dvcqg.history(dossier.code) == EXPECTED
    assert SyncRow.objects.exclude(status=SyncStatus.SENT).count() == 0
    assert SyncRow.objects.filter(deliveries__gt=1).count() == 0
