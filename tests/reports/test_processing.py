"""Usual processing time on a procedure's page comes from the summary (reports.processing), not from the dossier
table: checked against dossiers moved through the real services, against a computation from the base table with
the same definition, and for its cost in queries."""

from datetime import date
from math import ceil

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dossiers.models import Dossier, Timeliness
from procedures.worktime import to_local
from reports import processing, tally
from reports.models import DurationTally, Tally
from tests.builders import at, vn
from tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db

# Viewed on 15 Apr 2025: the window is May 2024 .. April 2025 (the current month and the 11 before it).
TODAY = date(2025, 4, 15)


@pytest.fixture
def resolved(script):
    """The procedure's deadline is 3 working days (received Mon 09:00 → due Thu 09:00). Calendar days from the
    local day of receipt to the local day of the result, and timeliness, in the comments."""
    s = script
    s.resolve(s.received(vn(2025, 3, 3, 9)), vn(2025, 3, 4, 14))                       # 1 day, early
    s.resolve(s.received(vn(2025, 3, 3, 9)), vn(2025, 3, 6, 8, 30))                   # 3 days, on time
    s.return_result(s.resolve(s.received(vn(2025, 3, 3, 9)), vn(2025, 3, 7, 10)),
                    vn(2025, 3, 7, 11))                                                 # 4 days, late
    s.resolve(s.received(vn(2025, 4, 9, 9)), vn(2025, 4, 10, 10))                      # 1 day, early (this month)
    s.resolve(s.received(vn(2024, 5, 6, 9)), vn(2024, 5, 20, 10))                      # 14 days, late (first month)
    s.resolve(s.received(vn(2025, 3, 28, 9), agency="other_desk"), vn(2025, 4, 1, 10))  # 4 days, early; other desk
    s.resolve(s.received(vn(2024, 4, 22, 9)), vn(2024, 4, 26, 10))                     # April 2024: outside
    s.forward(s.received(vn(2025, 4, 14, 9)), vn(2025, 4, 14, 10))                     # pending: not counted
    s.withdraw(s.received(vn(2025, 4, 1, 9)), vn(2025, 4, 2, 9))                        # withdrawn: not counted
    return s.world


def _from_dossiers(procedure, first: date, today: date):
    """The same definition computed from the base table: local days from receipt to result, nearest rank."""
    days, on_time = [], 0
    for d in Dossier.objects.filter(procedure=procedure, resolved_at__isnull=False):
        resolved_day = to_local(d.resolved_at).date()
        if first <= resolved_day <= today:
            days.append((resolved_day - to_local(d.received_at).date()).days)
            on_time += d.timeliness in (Timeliness.EARLY, Timeliness.ON_TIME)
    if not days:
        return None
    days.sort()
    return (len(days), days[ceil(0.5 * len(days)) - 1], days[ceil(0.9 * len(days)) - 1],
            int(100 * on_time / len(days) + 0.5))


def _shown(reality):
    return (reality.count, reality.median_days, reality.p90_days, reality.on_time_percent)


def test_the_figures_are_those_of_the_dossiers_resolved_in_the_last_12_months(resolved):
    world = resolved
    # Days 1, 1, 3, 4, 4, 14: the median is the 3rd of 6 (3 days), the 90th percentile the 6th (14 days);
    # 4 of 6 early or on time: 67 %.
    reality = processing.procedure_processing_reality(procedure=world.procedure, today=TODAY)
    assert _shown(reality) == (6, "3,0", "14,0", 67)
    assert _from_dossiers(world.procedure, date(2024, 5, 1), TODAY) == (6, 3, 14, 67)
    # A fortnight later May 2024 has left the window: days 1, 1, 3, 4, 4.
    later = processing.procedure_processing_reality(procedure=world.procedure, today=date(2025, 5, 2))
    assert _shown(later) == (5, "3,0", "4,0", 80)
    assert _from_dossiers(world.procedure, date(2024, 6, 1), date(2025, 5, 2)) == (5, 3, 4, 80)
    # Nothing resolved in the 12 months before, or for another procedure: no figures.
    assert processing.procedure_processing_reality(procedure=world.procedure, today=date(2026, 5, 1)) is None
    assert processing.procedure_processing_reality(procedure=ProcedureFactory(), today=TODAY) is None


def test_a_rebuilt_summary_gives_the_same_figures(resolved):
    before = processing.procedure_processing_reality(procedure=resolved.procedure, today=TODAY)
    tally.rebuild()
    assert processing.procedure_processing_reality(procedure=resolved.procedure, today=TODAY) == before
    assert tally.differences() == []


def test_the_public_page_uses_the_same_median(resolved):
    """The public figures' 12 whole months before May 2025 hold the same dossiers as the procedure page on
    15 April: the same usual time."""
    _desks, procedures, _period = processing.public_figures(months=12, today=date(2025, 5, 1))
    assert [(f.key, f.resolved, f.median_days) for f in procedures] == [(resolved.procedure, 6, 3)]


def test_two_queries_whatever_the_number_of_dossiers(resolved, django_assert_num_queries):
    with django_assert_num_queries(2):
        processing.procedure_processing_reality(procedure=resolved.procedure, today=TODAY)
    with django_assert_num_queries(1):  # nothing resolved: the histogram is not read
        processing.procedure_processing_reality(procedure=resolved.procedure, today=date(2026, 5, 1))


def test_the_procedure_page_shows_the_figures_without_reading_dossiers(client, resolved):
    url = reverse("procedures:detail", args=[resolved.procedure.national_code])
    with at(vn(2025, 4, 15, 10)), CaptureQueriesContext(connection) as queries:
        body = client.get(url).content.decode()
    assert "Trên 6 hồ sơ" in body and "3,0" in body and "14,0" in body and "67%" in body
    assert not [q["sql"] for q in queries if Dossier._meta.db_table in q["sql"]]
    assert len(queries) <= 7  # the procedure and its documents, fees, desks; the two summary reads; published PAKN
    # Again: the catalog's fragments, the figures and the published answers all come from the cache.
    with at(vn(2025, 4, 15, 10, 5)), CaptureQueriesContext(connection) as queries:
        assert "Trên 6 hồ sơ" in client.get(url).content.decode()
    assert [q["sql"] for q in queries] == []
    with at(vn(2026, 5, 1, 10)):  # another day: computed for that day
        assert 'id="processing-reality"' not in client.get(url).content.decode()


def _summary_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if Tally._meta.db_table in q["sql"] or DurationTally._meta.db_table in q["sql"]]


def _page(client, procedure, moment=None):
    with at(moment or vn(2025, 4, 15, 10)), CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("procedures:detail", args=[procedure.national_code])).content.decode()
    return body, _summary_reads(queries)


@pytest.mark.parametrize("run_commit_callbacks", [True, False])
def test_a_resolved_dossier_moves_the_cached_figures_at_once(resolved, client, script,
                                                             django_capture_on_commit_callbacks, run_commit_callbacks):
    body, reads = _page(client, resolved.procedure)
    assert "Trên 6 hồ sơ" in body and len(reads) == 2
    body, reads = _page(client, resolved.procedure)
    assert "Trên 6 hồ sơ" in body and reads == []  # cached
    with django_capture_on_commit_callbacks(execute=run_commit_callbacks):
        script.resolve(script.received(vn(2025, 4, 14, 9)), vn(2025, 4, 15, 9))      # 1 day, early
    body, reads = _page(client, resolved.procedure)
    assert "Trên 7 hồ sơ" in body and "71%" in body and len(reads) == 2
    body, reads = _page(client, resolved.procedure)
    assert "Trên 7 hồ sơ" in body and reads == []


def test_a_dossier_received_only_keeps_the_page_cached(resolved, client, script,
                                                           django_capture_on_commit_callbacks):
    _page(client, resolved.procedure)
    with django_capture_on_commit_callbacks(execute=True):
        received = script.received(vn(2025, 4, 14, 9))  # received only: no resolved count or duration moves
    body, reads = _page(client, resolved.procedure)
    assert "Trên 6 hồ sơ" in body and reads == []
    with django_capture_on_commit_callbacks(execute=True):
        script.resolve(received, vn(2025, 4, 15, 9))
    body, reads = _page(client, resolved.procedure)
    assert "Trên 7 hồ sơ" in body and len(reads) == 2


def test_a_rebuilt_summary_is_read_afresh(resolved, client, django_capture_on_commit_callbacks):
    _page(client, resolved.procedure)
    DurationTally.objects.filter(procedure=resolved.procedure).delete()  # a damaged summary, shown as nothing
    Tally.objects.filter(procedure=resolved.procedure).delete()
    _body, reads = _page(client, resolved.procedure)
    assert reads == []  # the cache does not know: stale until the summary changes
    with django_capture_on_commit_callbacks(execute=True):
        tally.rebuild()
    body, reads = _page(client, resolved.procedure)
    assert "Trên 6 hồ sơ" in body and len(reads) == 2


@pytest.mark.parametrize(("histogram", "share", "expected"), [
    ({}, 0.5, None),
    ({3: 1}, 0.5, 3),
    ({1: 2, 5: 2}, 0.5, 1),        # even count: the lower middle value
    ({1: 2, 5: 3}, 0.5, 5),
    ({1: 99, 5: 11}, 0.9, 1),      # exactly 90 % took 1 day (0.9 × 110 is 99.00000000000001 in floating point)
    ({1: 98, 5: 12}, 0.9, 5),
    ({0: 0, 2: 4}, 0.5, 2),        # rows left at zero count for nothing
])
def test_percentile_is_the_nearest_rank(histogram, share, expected):
    assert processing.percentile(histogram, share) == expected
