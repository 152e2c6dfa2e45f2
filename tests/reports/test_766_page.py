"""The Decision 766 page: every indicator with its numerator, denominator, formula and source; the sub-indicator
the data does not allow yet shown as not available; the inspector's input (scoped, refused to anyone else, bad
input explained and nothing saved), scored only once entered."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from core.errors import ActionForbidden
from reports import indices
from reports.inspection import InspectorEntry, inspector_entry_save
from tests.builders import at, vn
from tests.reports.scenario import MARCH

pytestmark = pytest.mark.django_db
URL = "/can-bo/bao-cao/chi-so-766/?start=01/03/2025&end=31/03/2025"


def _client(world, spec) -> Client:
    client = Client()
    client.force_login(world.user(spec))
    return client


def _entry(world, **extra) -> dict:
    return {"agency": world.dept.pk, "start": "01/03/2025", "end": "31/03/2025", "indicator": "data_reuse",
            "numerator": "3", "denominator": "4", "note": "Biên bản kiểm tra số 12", **extra}


def _row(body: str, key: str, section: str = "tfoot") -> str:
    part = body.split(f"<{section}>")[1].split(f"</{section}>")[0]
    return re.search(rf'<tr data-indicator="{key}"[^>]*>(.*?)</tr>', part, re.S).group(1)


def test_the_page_shows_numerator_denominator_formula_and_source_of_every_indicator(march, world):
    with at(vn(2025, 4, 15, 10)):
        response = _client(world, "inspector@province").get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    total = response.context["total"]
    assert [i.key for i in total.indicators] == list(indices.DEFINITIONS)
    groups = {i.group for i in total.indicators}
    assert groups == {"publicity", "progress", "online", "digitisation", "satisfaction"}
    definitions = body.split('id="indicator-definitions"')[1]
    for i in total.indicators:
        row = _row(body, i.key)
        if i.status == indices.COMPUTED and not i.detail:
            cells = re.findall(r'<td class="num">([^<]*)</td>', row)
            assert cells[:2] == [str(i.numerator), str(i.denominator)], (i.key, cells)
        formula = re.search(rf'<tr data-indicator="{i.key}"><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td>',
                            definitions)
        assert formula, i.key
        assert formula.group(1) and "Quyết định 766/QĐ-TTg, nhóm" in formula.group(2), i.key
    # On-time: received in March (8 online + 4 in person or by post), as report II.06a counts them.
    assert total["on_time"].denominator == 12
    # No procedure has an internal process here: the step indicator is computed, over no finished step.
    assert total["step_on_time"].status == indices.COMPUTED and total["step_on_time"].denominator == 0
    assert "không tính điểm" not in _row(body, "step_on_time")
    assert "chờ thanh tra nhập" in _row(body, "data_reuse")
    assert "Thủ tục công khai đầy đủ" in body and "căn cứ pháp lý" in body
    assert total.max_points == sum(i.max_points for i in total.indicators if i.scored)
    assert total["data_reuse"].max_points not in (None, 0) and not total["data_reuse"].scored
    with at(vn(2025, 4, 15, 10)):
        pdf = _client(world, "inspector@province").get(URL + "&format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_not_satisfied_divides_by_the_dossiers_resolved_in_the_period(march, world):
    returned = world.returned()  # resolved and returned on 10 Mar 2025
    from surveys.services import rating_submit

    with at(vn(2025, 3, 10, 15)):
        rating_submit(dossier=returned, overall=0, convenience=1, via="kiosk")
    with at(vn(2025, 4, 15, 10)):
        _rows, total = indices.scores_766(agency_ids={world.desk.pk, world.other_desk.pk, world.dept.pk},
                                          start=MARCH[0], end=MARCH[1])
    on_time = total["on_time"]
    late, received = on_time.denominator - on_time.numerator, on_time.denominator
    resolved = 6 + 1  # the month's six and the returned one (scenario.py)
    expected = max(Decimal(0), 1 - Decimal(late) / received - Decimal(1) / resolved)
    assert total["satisfaction"].numerator == int((expected * 10000).to_integral_value())
    assert f"không hài lòng 1/{resolved}" in total["satisfaction"].detail
    assert (total["ratings"].numerator, total["ratings"].denominator) == (0, 1)


def test_the_inspector_enters_a_value_which_is_then_scored(march, world):
    inspector = _client(world, "inspector@province")
    with at(vn(2025, 4, 15, 10)):
        response = inspector.post(URL, _entry(world))
    assert response.status_code == 302
    entry = InspectorEntry.objects.get()
    assert (entry.agency, entry.start, entry.end, entry.numerator, entry.denominator) == (
        world.dept, date(2025, 3, 1), date(2025, 3, 31), 3, 4)
    assert entry.entered_by == world.user("inspector@province")
    with at(vn(2025, 4, 15, 10)):
        page = inspector.get(URL)
    dept = next(s for s in page.context["rows"] if s.agency == world.dept)
    reuse = dept["data_reuse"]
    assert (reuse.status, reuse.numerator, reuse.denominator, reuse.rate) == (indices.INSPECTOR, 3, 4, 75)
    assert reuse.points == (Decimal(75) * reuse.max_points / reuse.threshold).quantize(Decimal("0.01"))
    assert "15/04/2025" in reuse.note
    assert dept.max_points == sum(i.max_points for i in dept.indicators if i.scored)
    # Entering it again replaces the value (one per agency × period × indicator).
    with at(vn(2025, 4, 16, 10)):
        assert inspector.post(URL, _entry(world, numerator="4")).status_code == 302
    assert InspectorEntry.objects.get().numerator == 4


def test_only_inspectors_of_the_agency_may_enter_and_bad_input_saves_nothing(march, world):
    for spec in ("leader@dept", "clerk@desk", "officer@dept"):
        response = _client(world, spec).post(URL, _entry(world))
        assert response.status_code == 403, spec
    assert Client().post(URL, _entry(world)).status_code in (302, 404)
    # Another province's inspector: the department is not among the form's agencies.
    outsider = _client(world, "inspector@other_province")
    response = outsider.post(URL, _entry(world))
    assert response.status_code == 400
    with pytest.raises(ActionForbidden):
        inspector_entry_save(user=world.user("inspector@other_province"), agency=world.dept, start=MARCH[0],
                             end=MARCH[1], indicator="data_reuse", numerator=1, denominator=2)
    inspector = _client(world, "inspector@province")
    response = inspector.post(URL, _entry(world, numerator="5"))
    assert response.status_code == 400
    assert "Tử số không được lớn hơn mẫu số." in response.content.decode()
    assert 'value="5"' in response.content.decode()  # what was typed is kept
    response = inspector.post(URL, _entry(world, end="28/02/2025"))
    assert response.status_code == 400 and "“Đến ngày” phải sau hoặc trùng “Từ ngày”." in response.content.decode()
    assert not InspectorEntry.objects.exists()
    # The form is shown to inspectors only.
    assert 'id="inspector-entry"' in inspector.get(URL).content.decode()
    assert 'id="inspector-entry"' not in _client(world, "leader@dept").get(URL).content.decode()
