"""Results: the selector's numbers on a small known set, and the inspectors' page with its chart."""

import json
import re
from datetime import date

import pytest
from django.urls import reverse

from surveys import services
from surveys.models import EvaluationIndices, Level, Via
from surveys.selectors import satisfaction_results
from tests.builders import at, vn
from tests.factories import ProcedureFactory
from tests.surveys.conftest import returned_at_other_desk

pytestmark = pytest.mark.django_db

START, END = date(2025, 3, 17), date(2025, 3, 21)


def rate(dossier, moment, overall, convenience, comment=""):
    with at(moment):
        return services.rating_submit(dossier=dossier, overall=overall, convenience=convenience, comment=comment,
                                      via=Via.LINK)


@pytest.fixture
def known(world, committed):
    """Five ratings: four inside 17–21 Mar 2025 (one at 23:59 on the last day), one at 00:00 the day after;
    one at another desk, one for another procedure."""
    other_procedure = ProcedureFactory(name="Đăng ký khai sinh")
    other_procedure.agencies.add(world.desk)
    with committed():
        a, b, c = world.returned(), world.returned(), world.returned()
        other_desk = returned_at_other_desk(world)
        other_proc = world.returned(procedure=other_procedure, provided=False)
        late = world.returned()
    rate(a, vn(2025, 3, 17, 0, 0), Level.VERY_SATISFIED, Level.SATISFIED, "Rất nhanh, gọi 0912 345 678 khi cần")
    rate(b, vn(2025, 3, 18, 10, 0), Level.SATISFIED, Level.SATISFIED)
    rate(c, vn(2025, 3, 21, 23, 59), Level.NOT_SATISFIED, Level.NOT_SATISFIED, "Chờ lâu")
    rate(other_desk, vn(2025, 3, 19, 9, 0), Level.VERY_SATISFIED, Level.VERY_SATISFIED)
    rate(other_proc, vn(2025, 3, 20, 9, 0), Level.SATISFIED, Level.NOT_SATISFIED)
    rate(late, vn(2025, 3, 22, 0, 0), Level.NOT_SATISFIED, Level.NOT_SATISFIED, "Ngoài kỳ")
    return {"a": a, "b": b, "c": c, "other_desk": other_desk, "other_proc": other_proc,
            "other_procedure": other_procedure}


def test_the_selector_counts_a_known_set(world, known):
    r = satisfaction_results(start=START, end=END)
    assert r.total == 5
    assert r.overall == {2: 2, 1: 2, 0: 1}
    assert r.convenience == {2: 1, 1: 2, 0: 2}
    assert r.satisfaction_rate == pytest.approx(4 / 5)
    assert r.satisfaction_percent == 80.0
    assert [c.text for c in r.comments] == ["Chờ lâu", "Rất nhanh, gọi ************ khi cần"]
    assert r.comments[0].agency_name == world.desk.name and r.comments[0].overall_label == "Không hài lòng"


def test_filters_by_agency_and_procedure(world, known):
    desk = satisfaction_results(agency_ids={world.desk.pk}, start=START, end=END)
    assert (desk.total, desk.overall) == (4, {2: 1, 1: 2, 0: 1})
    one = satisfaction_results(agency_ids={world.desk.pk}, procedure_id=world.procedure.pk, start=START, end=END)
    assert (one.total, one.overall, one.satisfaction_rate) == (3, {2: 1, 1: 1, 0: 1}, pytest.approx(2 / 3))
    day = satisfaction_results(start=date(2025, 3, 22), end=date(2025, 3, 22))
    assert (day.total, day.overall[0]) == (1, 1)


def test_no_rating_means_no_rate():
    r = satisfaction_results(start=START, end=END)
    assert (r.total, r.satisfaction_rate, r.overall, r.comments) == (0, None, {2: 0, 1: 0, 0: 0}, [])
    assert all(i.average is None for i in r.indices) and len(r.indices) == 9


def test_index_averages_over_the_dossiers_returned_in_the_period(world, known):
    # All six were returned on Mon 10 Mar 2025 (early, no supplement): 2 on the automatic indices.
    r = satisfaction_results(start=date(2025, 3, 10), end=date(2025, 3, 10))
    by_field = {i.field: i.average for i in r.indices}
    assert r.indices_count == 6
    assert by_field["total_time"] == 2.0 and by_field["comebacks"] == 2.0 and by_field["publicity"] is None
    EvaluationIndices.objects.filter(dossier=known["a"]).update(publicity=1)
    EvaluationIndices.objects.filter(dossier=known["b"]).update(publicity=0)
    r = satisfaction_results(agency_ids={world.desk.pk}, start=date(2025, 3, 10), end=date(2025, 3, 10))
    assert {i.field: i.average for i in r.indices}["publicity"] == 0.5
    assert satisfaction_results(start=START, end=END).indices_count == 0


def test_the_selector_runs_three_queries(world, known, django_assert_num_queries):
    with django_assert_num_queries(3):
        satisfaction_results(agency_ids={world.desk.pk}, start=START, end=END)


def test_the_inspectors_page_shows_the_chart_and_the_numbers(world, known, client, django_assert_max_num_queries):
    client.force_login(world.user("inspector@province"))
    url = reverse("surveys_staff:results")
    client.get(url)  # warm the session
    with django_assert_max_num_queries(12):
        response = client.get(url, {"start": "17/03/2025", "end": "21/03/2025", "agency": world.desk.pk})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-chart="satisfaction-chart"' in body and 'id="satisfaction-chart"' in body
    assert 'js/charts.js' in body and "<script>" not in body  # no inline script (CSP)
    assert 'id="total">4<' in body and 'id="overall-2">1<' in body and 'id="satisfaction-rate">75' in body
    chart = response.context["chart"]
    assert chart["data"]["datasets"][0]["data"] == [1, 2, 1]
    json.dumps(chart)  # serialisable for json_script
    assert "Không hài lòng" in body and "Chờ lâu" in body


def test_the_page_is_for_inspectors_leaders_and_admins_only(world, client):
    client.force_login(world.user("clerk@desk"))
    assert client.get(reverse("surveys_staff:results")).status_code == 404
    client.force_login(world.user("leader@desk"))
    response = client.get(reverse("surveys_staff:results"))
    assert response.status_code == 200
    assert list(response.context["form"].fields["agency"].queryset) == [world.desk]


def test_a_leader_cannot_read_another_agency_by_choosing_it(world, known, client):
    client.force_login(world.user("leader@desk"))
    response = client.get(reverse("surveys_staff:results"),
                          {"start": "17/03/2025", "end": "21/03/2025", "agency": world.other_desk.pk})
    assert response.status_code == 400 and response.context["results"] is None


def test_bad_dates_keep_the_input_and_say_why(world, client):
    client.force_login(world.user("inspector@province"))
    response = client.get(reverse("surveys_staff:results"), {"start": "32/13/2025", "end": "01/03/2025"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Nhập ngày theo dạng dd/mm/yyyy." in body and 'value="32/13/2025"' in body


def test_long_names_in_the_filter_are_cut_with_the_whole_name_in_a_tooltip(world, client):
    long_name = ("Cấp giấy chứng nhận đủ điều kiện kinh doanh dịch vụ lữ hành nội địa và quốc tế đối với doanh "
                 "nghiệp có vốn đầu tư nước ngoài")
    procedure = ProcedureFactory(national_code="1.009999", name=long_name)
    procedure.agencies.add(world.desk)
    client.force_login(world.user("inspector@province"))
    body = client.get(reverse("surveys_staff:results"), {"procedure": procedure.pk}).content.decode()
    select = re.search(r'<select name="procedure".*?</select>', body, re.S).group(0)
    option = re.search(rf'<option value="{procedure.pk}"[^>]*>([^<]*)</option>', select)
    assert option and f'title="1.009999 – {long_name}"' in option.group(0) and " selected" in option.group(0)
    assert option.group(1).endswith("…") and len(option.group(1)) <= 60
    assert "---------" not in body
