"""Leaders' report of consultations (issue 23): an opinion answered late, one overdue and one answered on time
are counted per agency and period on both sides — for the asking agency's leader and the consulted agency's
leader — within each reader's scope (time frozen with time-machine)."""

import pytest
from django.urls import reverse

from consultations.services import consultation_answer
from reports.consultations_report import consultation_figures
from tests.builders import at, vn
from tests.consultations.conftest import ask, dossier, staff  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db
PERIOD = {"start": vn(2025, 3, 1).date(), "end": vn(2025, 3, 31).date()}
QUERY = "?start=01/03/2025&end=31/03/2025"


@pytest.fixture
def history(world, dossier):  # noqa: F811
    """Asked by the department on Tue 11/03 10:00 with 3 working days (due Fri 14/03 10:00): the other desk
    answers late, the desk answers on time; a second question to the other desk stays unanswered."""
    late, on_time = ask(world, dossier, agencies=[world.other_desk, world.desk])
    [overdue] = ask(world, dossier, agencies=[world.other_desk])
    with at(vn(2025, 3, 14, 9, 0)):
        consultation_answer(consultation=on_time, actor=staff(world, "leader@desk"), answer="Đồng ý.")
    with at(vn(2025, 3, 17, 9, 0)):
        consultation_answer(consultation=late, actor=staff(world, "leader@other_desk"), answer="Ý kiến muộn.")
    return {"late": late, "on_time": on_time, "overdue": overdue}


def _figures(rows):
    return {r["agency_id"]: (r["asked"], r["answered_on_time"], r["answered_late"], r["overdue"], r["pending"])
            for r in rows}


def test_a_late_answer_and_an_overdue_question_are_counted_on_both_sides(world, history):
    everyone = {world.dept.pk, world.desk.pk, world.other_desk.pk}
    figures = consultation_figures(agency_ids=everyone, now=vn(2025, 3, 20, 9, 0), **PERIOD)
    assert _figures(figures["asking"]) == {world.dept.pk: (3, 1, 1, 1, 0)}
    assert _figures(figures["consulted"]) == {world.other_desk.pk: (2, 0, 1, 1, 0), world.desk.pk: (1, 1, 0, 0, 0)}
    # Before the reply-by time the unanswered one is pending, not overdue.
    early = consultation_figures(agency_ids={world.other_desk.pk}, now=vn(2025, 3, 13, 9, 0), **PERIOD)
    assert _figures(early["consulted"]) == {world.other_desk.pk: (2, 0, 1, 0, 1)}
    # Asked outside the period: nothing.
    april = consultation_figures(agency_ids=everyone, start=vn(2025, 4, 1).date(), end=vn(2025, 4, 30).date())
    assert april == {"asking": [], "consulted": []}


def test_both_leaders_see_the_late_answer_each_within_their_scope(world, history, client):
    url = reverse("reports:consultations") + QUERY
    with at(vn(2025, 3, 20, 9, 0)):
        client.force_login(staff(world, "leader@other_desk"))
        other = client.get(url)
        client.force_login(staff(world, "leader@dept"))
        dept = client.get(url)
    assert other.status_code == 200 and dept.status_code == 200
    other_sides = {side: _figures(rows) for side, rows, _total in other.context["sides"]}
    assert other_sides == {"asking": {}, "consulted": {world.other_desk.pk: (2, 0, 1, 1, 0)}}
    dept_sides = {side: _figures(rows) for side, rows, _total in dept.context["sides"]}
    assert dept_sides["asking"] == {world.dept.pk: (3, 1, 1, 1, 0)}
    assert world.other_desk.pk not in dept_sides["consulted"]
    body = other.content.decode()
    row = body.split(f'<tr data-agency="{world.other_desk.pk}">')[1].split("</tr>")[0]
    assert '<td class="late-count">1</td>' in row and '<td class="overdue-count">1</td>' in row
    assert "Xin ý kiến giữa các cơ quan" in body


def test_a_period_ending_before_it_starts_is_refused_with_400(world, client):
    client.force_login(staff(world, "leader@dept"))
    bad = client.get(reverse("reports:consultations") + "?start=31/03/2025&end=01/03/2025")
    assert bad.status_code == 400
