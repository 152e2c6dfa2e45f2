"""Report II.06a on a hand-made month: every cell written out, every cell equal to its drill-down list."""

from datetime import date

import pytest

from reports import drilldown, ii06a, tally
from tests.reports.scenario import EXPECTED, EXPECTED_BY_DESK, MARCH, scope


def _table(report):
    rows = {row.code: [row.cells[k] for k in ii06a.COLUMN_KEYS] for row in report.rows}
    rows["total"] = [report.total.cells[k] for k in ii06a.COLUMN_KEYS]
    return rows


def test_the_march_table_is_exactly_as_counted_by_hand(march):
    report = ii06a.report_ii06a(agency_ids=scope(march), start=MARCH[0], end=MARCH[1])
    assert _table(report) == EXPECTED


def test_filtered_by_receiving_desk_the_totals_are_what_each_desk_received(march):
    for desk in (march.desk, march.other_desk):
        report = ii06a.report_ii06a(agency_ids=scope(march), start=MARCH[0], end=MARCH[1], desk_ids={desk.pk})
        assert _table(report)["total"] == EXPECTED_BY_DESK[desk.identifier]
        for row in [*report.rows, report.total]:
            for column in ii06a.COLUMN_KEYS:
                assert drilldown.cell_count(agency_ids=scope(march), start=MARCH[0], end=MARCH[1], column=column,
                                            row_key=row.key, desk_ids={desk.pk}) == row.cells[column]


def test_every_cell_equals_the_length_of_its_list(march):
    ids = scope(march)
    for grouping in ("agency", "field", "procedure"):
        report = ii06a.report_ii06a(agency_ids=ids, start=MARCH[0], end=MARCH[1], grouping=grouping)
        for row in [*report.rows, report.total]:
            for column in ii06a.COLUMN_KEYS:
                listed = drilldown.cell_count(agency_ids=ids, start=MARCH[0], end=MARCH[1], column=column,
                                              row_key=row.key)
                assert (grouping, row.key, column, listed) == (grouping, row.key, column, row.cells[column])


def test_the_summary_equals_a_recount_and_a_rebuild_changes_nothing(march):
    assert tally.differences() == []
    before = _table(ii06a.report_ii06a(agency_ids=scope(march), start=MARCH[0], end=MARCH[1]))
    tally.rebuild()
    assert tally.differences() == []
    after = _table(ii06a.report_ii06a(agency_ids=scope(march), start=MARCH[0], end=MARCH[1]))
    assert after == before == EXPECTED


def test_a_single_day_and_the_next_month(march):
    ids = {march.dept.pk}  # all of these were handed over to the department later: its row
    day = ii06a.report_ii06a(agency_ids=ids, start=date(2025, 3, 3), end=date(2025, 3, 3)).total.cells
    # On Mon 3 Mar: D4, D5, D6 received; D1, D2, D14 carried over; nothing resolved; D2 (due 3 Mar 09:00) and
    # D1 (due 27 Feb) and D14 (due 28 Feb) overdue at the end of the day.
    assert (day["received_total"], day["received_online"], day["received_offline"], day["carried_over"]) == (
        6, 2, 1, 3)
    assert (day["pending_total"], day["pending_overdue"], day["pending_within"]) == (6, 3, 3)
    april = ii06a.report_ii06a(agency_ids=ids, start=date(2025, 4, 1), end=date(2025, 4, 30)).total.cells
    # Carried over into April = pending at the end of March.
    assert april["carried_over"] == EXPECTED["H61.03"][8]
    assert april["resolved_late"] == 1  # D14


def test_a_summary_changed_behind_the_applications_back_is_found_and_repaired(march):
    from django.core.management import call_command
    from django.db.models import F

    from reports.models import Level, Tally

    Tally.objects.filter(level=Level.YEAR).update(received_online=F("received_online") + 5)
    assert len(tally.differences()) == Tally.objects.filter(level=Level.YEAR).count()
    with pytest.raises(SystemExit):
        call_command("rebuild_figures", "--check")
    call_command("rebuild_figures")
    assert tally.differences() == []
    report = ii06a.report_ii06a(agency_ids=scope(march), start=MARCH[0], end=MARCH[1])
    assert _table(report) == EXPECTED
