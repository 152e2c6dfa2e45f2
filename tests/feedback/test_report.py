"""The leaders' report: a PAKN answered late is counted late (time frozen with time-machine), overdue ones are
counted, per agency and period, within the reader's scope; the Excel file holds the same figures."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from feedback import services
from feedback.selectors import figures_by_agency
from tests.builders import at, vn
from tests.feedback.conftest import send

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(world):
    """At desk A: one answered on time, one answered late, one overdue, one pending; at the other desk: one late.
    Sent in March 2025 (due 10 working days later); the report is read on Tue 15 Apr 2025."""
    leader, other_leader = world.user("leader@desk"), world.user("leader@other_desk")

    def answered(agency, leader, sent_at, answered_at):
        f = send(world, at_time=sent_at, agency=agency)
        with at(answered_at):
            f = services.feedback_assign(feedback=f, actor=leader, officer=leader)
            return services.feedback_answer(feedback=f, actor=leader, answer="Đã xử lý.")

    on_time = answered(world.desk, leader, vn(2025, 3, 3, 9, 0), vn(2025, 3, 17, 9, 0))  # due 17/03 09:00 sharp
    late = answered(world.desk, leader, vn(2025, 3, 3, 9, 0), vn(2025, 3, 17, 9, 1))  # one minute late
    overdue = send(world, at_time=vn(2025, 3, 10, 9, 0))  # due 24/03: overdue on 15/04
    pending = send(world, at_time=vn(2025, 4, 14, 9, 0))  # due 28/04
    other = answered(world.other_desk, other_leader, vn(2025, 3, 5, 9, 0), vn(2025, 4, 1, 9, 0))
    return {"on_time": on_time, "late": late, "overdue": overdue, "pending": pending, "other": other}


def test_answered_late_is_counted_late(world, history):
    assert history["on_time"].timeliness == "on_time" and history["late"].timeliness == "late"
    rows = {r["agency_id"]: r for r in figures_by_agency(agency_ids={world.desk.pk, world.other_desk.pk},
                                                           start=vn(2025, 3, 1).date(), end=vn(2025, 4, 30).date(),
                                                           now=vn(2025, 4, 15, 9, 0))}
    desk = rows[world.desk.pk]
    assert (desk["received"], desk["answered_on_time"], desk["answered_late"], desk["overdue"], desk["pending"]) == (
        4, 1, 1, 1, 1)
    assert rows[world.other_desk.pk]["answered_late"] == 1


def test_the_period_counts_feedback_received_in_it(world, history):
    rows = figures_by_agency(agency_ids={world.desk.pk}, start=vn(2025, 4, 1).date(), end=vn(2025, 4, 30).date(),
                             now=vn(2025, 4, 15, 9, 0))
    assert [(r["received"], r["pending"]) for r in rows] == [(1, 1)]


def test_the_leaders_page_and_its_excel_file(world, history, client):
    leader = world.user("leader@desk")
    query = "?start=01/03/2025&end=30/04/2025"
    with at(vn(2025, 4, 15, 9, 0)):
        client.force_login(leader)
        page = client.get(reverse("reports:feedback") + query)
        xlsx = client.get(reverse("reports:feedback") + query + "&format=xlsx")
    html = page.content.decode()
    assert page.status_code == 200 and world.desk.name in html
    assert world.other_desk.name not in html  # a leader sees their own agency only
    assert f'<tr data-agency="{world.desk.pk}"><th scope="row">{world.desk.name}</th><td>4</td><td>1</td>' in html
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[5]] == [world.desk.name, 4, 1, 1, 1, 1]


def test_the_inspector_sees_every_desk_of_the_province(world, history, client):
    with at(vn(2025, 4, 15, 9, 0)):
        client.force_login(world.user("inspector@province"))
        html = client.get(reverse("reports:feedback") + "?start=01/03/2025&end=30/04/2025").content.decode()
    assert world.desk.name in html and world.other_desk.name in html
    assert '<tr id="feedback-total"><th scope="row">Tổng cộng</th><td>5</td><td>1</td><td>2</td><td>1</td>' in html


def test_citizens_and_officers_are_refused(world, client):
    client.force_login(world.user("officer@desk"))
    assert client.get(reverse("reports:feedback")).status_code == 403
    client.force_login(world.citizen)
    assert client.get(reverse("reports:feedback")).status_code == 404


def test_an_invalid_period_keeps_the_form(world, client):
    client.force_login(world.user("leader@desk"))
    r = client.get(reverse("reports:feedback") + "?start=31/02/2025&end=01/03/2025")
    assert r.status_code == 400 and "31/02/2025" in r.content.decode()
