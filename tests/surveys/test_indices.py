"""The nine evaluation indices: scored automatically when the result is returned, the rest entered by staff."""

import pytest
from django.urls import reverse

from dossiers.models import Channel
from surveys import indices
from surveys.models import EvaluationIndices
from tests.builders import at, vn
from tests.surveys.conftest import returned_late_after_two_supplements

pytestmark = pytest.mark.django_db


def test_a_dossier_returned_early_with_no_supplement_scores_2(world, committed):
    with committed():
        dossier = world.returned()
    assert dossier.timeliness == "early"
    row = EvaluationIndices.objects.get(dossier=dossier)
    assert row.total_time == 2
    assert row.comebacks == 2
    assert row.step_time == 2
    assert row.one_stop_desk == 2
    assert row.online_service == 2  # submitted online
    assert [row.agencies_contacted, row.publicity, row.staff_attitude, row.complaints] == [None] * 4


def test_a_dossier_returned_late_after_two_supplement_requests_scores_0_on_time_and_comebacks(world, committed):
    dossier = returned_late_after_two_supplements(world, committed)
    assert (dossier.timeliness, dossier.supplement_count) == ("late", 2)
    row = EvaluationIndices.objects.get(dossier=dossier)
    assert row.total_time == 0
    assert row.comebacks == 0
    assert row.step_time == 1  # one late step: the approval after the due time


def test_nothing_is_scored_before_the_result_is_returned(world, committed):
    with committed():
        dossier = world.resolved()
    assert not EvaluationIndices.objects.filter(dossier=dossier).exists()


@pytest.mark.parametrize(("count", "score"), [(0, 2), (1, 1), (2, 0), (5, 0)])
def test_counted_indices(count, score):
    assert indices.step_time_score(count) == score
    assert indices.comebacks_score(supplement_count=count, desk_supplement_count=0) == score
    assert indices.comebacks_score(supplement_count=0, desk_supplement_count=count) == score


def test_time_and_channel_rules():
    assert [indices.total_time_score(t) for t in ("early", "on_time", "late", "")] == [2, 1, 0, None]
    # (5) from the real submission channel; (9) from the procedure's online level (surveys/indices.py).
    assert indices.one_stop_desk_score(channel=Channel.ONLINE, is_one_stop_desk=True) == 2
    assert indices.one_stop_desk_score(channel=Channel.IN_PERSON, is_one_stop_desk=True) == 1
    assert indices.one_stop_desk_score(channel=Channel.POST, is_one_stop_desk=True) == 1
    assert indices.one_stop_desk_score(channel=Channel.ONLINE, is_one_stop_desk=False) == 0
    assert [indices.online_service_score(online_level=level) for level in ("full", "partial", "none")] == [2, 1, 0]


def test_the_desk_clerk_enters_the_other_four_and_the_automatic_ones_are_kept(world, committed, client):
    with committed():
        dossier = world.returned()
    client.force_login(world.user("clerk@desk"))
    url = reverse("surveys_staff:indices", args=[dossier.pk])
    response = client.post(url, {"agencies_contacted": "2", "publicity": "1", "staff_attitude": "2",
                                 "complaints": ""})
    assert response.status_code == 302
    row = EvaluationIndices.objects.get(dossier=dossier)
    assert (row.agencies_contacted, row.publicity, row.staff_attitude, row.complaints) == (2, 1, 2, None)
    assert row.total_time == 2 and row.entered_by == world.user("clerk@desk")
    page = client.get(url).content.decode()
    assert 'id="score-publicity">1<' in page


def test_an_inspector_of_the_province_may_enter_them_an_officer_may_not(world, committed, client):
    with committed():
        dossier = world.returned()
    url = reverse("surveys_staff:indices", args=[dossier.pk])
    client.force_login(world.user("officer@dept"))  # sees the dossier (handed to the department) but may not score
    response = client.post(url, {"publicity": "0"})
    assert response.status_code == 403
    assert "Chỉ cán bộ một cửa của nơi tiếp nhận hoặc thanh tra" in response.content.decode()
    assert EvaluationIndices.objects.get(dossier=dossier).publicity is None
    client.force_login(world.user("inspector@province"))
    assert client.post(url, {"publicity": "0"}).status_code == 302
    assert EvaluationIndices.objects.get(dossier=dossier).publicity == 0


def test_a_clerk_of_another_desk_does_not_see_the_page(world, committed, client):
    with committed():
        dossier = world.returned()
    client.force_login(world.user("clerk@other_desk"))
    assert client.get(reverse("surveys_staff:indices", args=[dossier.pk])).status_code == 404


def test_entering_scores_the_automatic_indices_of_a_dossier_returned_before_scoring_existed(world, client):
    dossier = world.returned()  # after-commit callbacks not run: no automatic scoring happened
    assert not EvaluationIndices.objects.filter(dossier=dossier).exists()
    client.force_login(world.user("clerk@desk"))
    with at(vn(2025, 3, 12, 9, 0)):
        client.post(reverse("surveys_staff:indices", args=[dossier.pk]), {"publicity": "2"})
    row = EvaluationIndices.objects.get(dossier=dossier)
    assert (row.total_time, row.comebacks, row.publicity) == (2, 2, 2)
