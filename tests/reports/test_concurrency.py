"""Real races on PostgreSQL: many desks and officers acting at once update the same summary rows; no deadlock,
no lost increment — the summary still equals a recount."""

import pytest
from django.db import connection

from reports import ii06a, tally
from tests.builders import at, race, values, vn

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"),
]


def test_concurrent_receipts_and_results_keep_the_summary_exact(script):
    world = script.world
    for spec in ("clerk@desk", "clerk@other_desk", "officer@dept", "leader@dept"):
        world.user(spec)  # staff exist before the race (the fixture creates them on first use)
    submitted = [script.submit(vn(2025, 3, 10, 8), agency="desk" if i % 2 else "other_desk") for i in range(24)]
    with at(vn(2025, 3, 10, 9)):
        received = values(race(24, lambda i, d: script.receive(d, vn(2025, 3, 10, 9)),
                               prepare=lambda i: submitted[i]))
    forwarded = [script.forward(d, vn(2025, 3, 10, 10)) for d in received[:16]]
    # Sixteen results and eight withdrawals at once: every one touches the same day, month and year rows.
    with at(vn(2025, 3, 11, 10)):
        values(race(24, lambda i, d: (script.resolve(d, vn(2025, 3, 11, 10)) if i < 16
                                      else script.withdraw(d, vn(2025, 3, 11, 10))),
                    prepare=lambda i: forwarded[i] if i < 16 else received[i]))
    assert tally.differences() == []
    cells = ii06a.report_ii06a(agency_ids={world.desk.pk, world.other_desk.pk, world.dept.pk},
                               start=vn(2025, 3, 1).date(), end=vn(2025, 3, 31).date()).total.cells
    assert (cells["received_total"], cells["resolved_total"], cells["withdrawn"], cells["pending_total"]) == (
        24, 16, 8, 0)
