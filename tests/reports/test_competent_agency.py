"""Report II.06a and Decision 766 count a dossier for the agency competent to decide (Circular 01/2018), with the
receiving desk as a filter: a dossier received at a commune desk and handed over to Sở Tài chính is on the
department's row, pending or decided; the public page keeps publishing per receiving desk."""

from datetime import date

import pytest
from django.core.management import call_command
from django.db.migrations.loader import MigrationLoader

from reports import drilldown, ii06a, indices, overview, processing, tally
from reports.models import Tally
from surveys.services import rating_submit
from tests.builders import at, vn

MARCH = (date(2025, 3, 1), date(2025, 3, 31))
QUERY = "start=01/03/2025&end=31/03/2025"


def _rows(report) -> dict:
    return {row.key: row.cells for row in report.rows}


def _ii06a(world, **kwargs):
    ids = {world.desk.pk, world.other_desk.pk, world.dept.pk, world.province.pk}
    return ii06a.report_ii06a(agency_ids=ids, start=MARCH[0], end=MARCH[1], **kwargs)


@pytest.fixture
def decided(script):
    """Received at the commune desk on Mon 3 Mar, handed over to Sở Tài chính, approved there on Wed 5 Mar (early:
    due Thu 6 Mar 09:00)."""
    d = script.received(vn(2025, 3, 3, 9))
    d = script.forward(d, vn(2025, 3, 3, 10))
    return script.resolve(d, vn(2025, 3, 5, 10))


def test_a_dossier_handed_over_and_approved_by_the_department_is_on_the_departments_row(script, decided):
    world = script.world
    assert decided.competent_agency_id == world.dept.pk and decided.receiving_agency_id == world.desk.pk
    rows = _rows(_ii06a(world))
    dept = rows[f"agency:{world.dept.pk}"]
    assert (dept["received_total"], dept["received_online"], dept["resolved_total"], dept["resolved_early"]) == (
        1, 1, 1, 1)
    assert f"agency:{world.desk.pk}" not in rows  # nothing left on the desk's row

    # Filtered by the desk that received it: still there, on the department's row; by another desk: gone.
    by_desk = _ii06a(world, desk_ids={world.desk.pk})
    assert _rows(by_desk)[f"agency:{world.dept.pk}"]["resolved_total"] == 1
    other = _ii06a(world, desk_ids={world.other_desk.pk})
    assert other.rows == [] and other.total.cells["received_total"] == 0

    # The drill-down list behind the department's cells holds it (and only it), with and without the desk filter.
    inspector = world.user("inspector@province")
    for column in ("received_total", "resolved_total", "resolved_early"):
        for desk_ids in (None, {world.desk.pk}):
            listed = drilldown.cell_dossiers(user=inspector, agency_ids=_scope(world), start=MARCH[0], end=MARCH[1],
                                             column=column, row_key=f"agency:{world.dept.pk}", desk_ids=desk_ids)
            assert list(listed) == [decided]
        assert not drilldown.cell_dossiers(user=inspector, agency_ids=_scope(world), start=MARCH[0], end=MARCH[1],
                                           column=column, row_key="all", desk_ids={world.other_desk.pk}).exists()

    # Decision 766: the department's on-time rate counts it.
    scores, total = indices.scores_766(agency_ids=_scope(world), start=MARCH[0], end=MARCH[1])
    assert [s.agency for s in scores] == [world.dept]
    on_time = scores[0]["on_time"]
    assert (on_time.key, on_time.numerator, on_time.denominator, on_time.rate) == ("on_time", 1, 1, 100)
    scores, _total = indices.scores_766(agency_ids=_scope(world), start=MARCH[0], end=MARCH[1],
                                        desk_ids={world.other_desk.pk})
    assert scores == []
    assert tally.differences() == []


def _scope(world) -> set[int]:
    return {world.desk.pk, world.other_desk.pk, world.dept.pk, world.province.pk}


def test_a_pending_dossier_moves_to_the_department_when_the_desk_hands_it_over(script):
    world = script.world
    d = script.received(vn(2025, 3, 3, 9))
    rows = _rows(_ii06a(world))
    assert rows[f"agency:{world.desk.pk}"]["pending_total"] == 1 and f"agency:{world.dept.pk}" not in rows
    script.forward(d, vn(2025, 3, 3, 10))
    rows = _rows(_ii06a(world))
    assert f"agency:{world.desk.pk}" not in rows
    dept = rows[f"agency:{world.dept.pk}"]
    assert (dept["received_total"], dept["pending_total"], dept["pending_overdue"]) == (1, 1, 1)  # due 6 Mar
    assert drilldown.cell_count(agency_ids={world.dept.pk}, start=MARCH[0], end=MARCH[1], column="pending_total",
                                row_key=f"agency:{world.dept.pk}", desk_ids={world.desk.pk}) == 1
    # The dashboard's "overdue now" follows the same rule.
    with at(vn(2025, 3, 20, 9)):
        assert drilldown.pending_overdue_now(agency_ids={world.dept.pk}) == 1
        assert drilldown.pending_overdue_now(agency_ids={world.desk.pk}) == 0
    assert tally.differences() == []


def test_passed_on_by_the_department_the_dossier_moves_to_the_agency_whose_leader_decides(script):
    world = script.world
    d = script.forward(script.received(vn(2025, 3, 3, 9)), vn(2025, 3, 3, 10))
    d = script.forward(d, vn(2025, 3, 4, 9), to="province")  # passed on: the department stays competent …
    assert _rows(_ii06a(world))[f"agency:{world.dept.pk}"]["pending_total"] == 1
    script.resolve(d, vn(2025, 3, 5, 10))  # … until the province's leader decides
    rows = _rows(_ii06a(world))
    assert list(rows) == [f"agency:{world.province.pk}"]
    assert rows[f"agency:{world.province.pk}"]["resolved_total"] == 1
    assert tally.differences() == []


def test_the_pages_filter_by_receiving_desk_and_a_department_leader_sees_its_dossiers(script, decided, client):
    world = script.world
    client.force_login(world.user("inspector@province"))
    page = client.get(f"/can-bo/bao-cao/?{QUERY}")
    form = page.context["form"]
    assert set(form.fields["desk"].queryset) == {world.desk, world.other_desk}  # one-stop desks only
    assert [r.key for r in page.context["report"].rows] == [f"agency:{world.dept.pk}"]
    for desk, count in ((world.desk, 1), (world.other_desk, 0)):
        response = client.get(f"/can-bo/bao-cao/?{QUERY}&desk={desk.pk}")
        assert response.context["report"].total.cells["resolved_total"] == count
        assert desk.name in response.context["scope_label"]
        listed = client.get(f"/can-bo/bao-cao/ho-so/?{QUERY}&desk={desk.pk}&row=agency:{world.dept.pk}"
                            "&col=resolved_total")
        assert listed.context["page"].paginator.count == count
        if count:
            assert "Sở Tài chính" in listed.content.decode()  # the competent agency column
            assert f"desk={desk.pk}" in response.content.decode()  # cells link to lists with the same filter
        board = client.get(f"/can-bo/bao-cao/tong-quan/?{QUERY}&desk={desk.pk}").context["board"]
        assert (board.received, board.resolved) == (count, count)
        scores = client.get(f"/can-bo/bao-cao/chi-so-766/?{QUERY}&desk={desk.pk}").context["rows"]
        assert [s.agency for s in scores] == ([world.dept] if count else [])
    xlsx = client.get(f"/can-bo/bao-cao/?{QUERY}&desk={world.desk.pk}&format=xlsx")
    assert xlsx.status_code == 200
    # A desk outside the user's scope is refused, not silently ignored.
    assert client.get(f"/can-bo/bao-cao/?{QUERY}&desk={world.other_province.pk}").status_code == 400

    # The department's leader sees the dossier it decided; the desk's leader no longer has it on a row.
    client.force_login(world.user("leader@dept"))
    report = client.get(f"/can-bo/bao-cao/?{QUERY}").context["report"]
    assert [(r.key, r.cells["resolved_total"]) for r in report.rows] == [(f"agency:{world.dept.pk}", 1)]
    listed = client.get(f"/can-bo/bao-cao/ho-so/?{QUERY}&row=agency:{world.dept.pk}&col=resolved_total")
    assert [d.pk for d in listed.context["page"]] == [decided.pk]
    client.force_login(world.user("leader@desk"))
    assert client.get(f"/can-bo/bao-cao/?{QUERY}").context["report"].rows == []


def test_ratings_go_to_the_competent_agency_and_the_public_page_stays_per_receiving_desk(script, decided):
    world = script.world
    returned = script.return_result(decided, vn(2025, 3, 5, 15))
    with at(vn(2025, 3, 5, 16)):
        rating_submit(dossier=returned, overall=0, convenience=1, via="kiosk")
    board = overview.dashboard(agency_ids={world.dept.pk}, start=MARCH[0], end=MARCH[1],
                               desk_ids={world.desk.pk})
    assert (board.ratings, board.satisfied) == (1, 0)
    assert overview.dashboard(agency_ids={world.desk.pk}, start=MARCH[0], end=MARCH[1]).ratings == 0
    agencies, procedures, _period = processing.public_figures(months=1, today=date(2025, 4, 15))
    assert [(f.key, f.resolved, f.on_time) for f in agencies] == [(world.desk, 1, 1)]
    assert [(f.key, f.resolved) for f in procedures] == [(world.procedure, 1)]
    assert tally.differences() == []


def test_the_migration_rebuilds_the_summary_with_the_historical_models(script, decided):
    """reports 0003's RunPython replaces whatever the summary holds by a recount of the dossiers."""
    Tally.objects.all().delete()
    assert tally.differences() != []
    loader = MigrationLoader(None, ignore_no_migrations=True)
    node = ("reports", "0003_tally_by_competent_agency")
    apps = loader.project_state(node).apps
    loader.get_migration(*node).operations[-1].code(apps, None)
    assert tally.differences() == []
    call_command("rebuild_figures", "--check")  # no SystemExit: the summary equals a recount
