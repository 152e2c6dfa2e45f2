"""The cut-off time as a citizen reads it agrees with the rule that computes due times.

Rule (procedures.worktime.clock_start): received on a working day BEFORE the cut-off, the clock starts that day;
AT or after it (11:30:00 sharp included), at the next working day's opening. So the page says "tiếp nhận trước
11 giờ 30", never "đến 11 giờ 30" or "sau 11:30", which leave 11:30 itself open to both readings.
"""

import re
from datetime import datetime, time
from decimal import Decimal
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation

from procedures.deadlines import DeadlineRule, compute_due
from procedures.models import DeadlineUnit
from tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
AMBIGUOUS = ("đến 11 giờ 30", "đến 11:30", "sau 11 giờ 30", "sau 11:30", "tiếp nhận sau", "trước 11:30",
             "đến 15 giờ", "sau 15 giờ", "sau 15:00")


def _vn(*args) -> datetime:
    return datetime(*args, tzinfo=VN)


def visible_text(response) -> str:
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def deadline_text(client, procedure) -> str:
    text = visible_text(client.get(reverse("procedures:detail", args=[procedure.national_code])))
    return text[text.index("Thời hạn giải quyết"):text.index("Dịch vụ công trực tuyến")]


def test_same_day_procedure_page_says_received_before_11_30(client):
    procedure = ProcedureFactory(deadline_amount=Decimal("0"), deadline_unit=DeadlineUnit.SAME_DAY,
                                 cutoff_time=time(11, 30))
    text = deadline_text(client, procedure)
    assert ("Trong ngày (hồ sơ tiếp nhận trước 11 giờ 30 được giải quyết trong ngày; "
            "tiếp nhận từ 11 giờ 30 trở đi được tính từ ngày làm việc tiếp theo)") in text
    for phrase in AMBIGUOUS:
        assert phrase not in text, phrase

    # What the page says is what the rule does (Monday 2 March 2026).
    rule = DeadlineRule.of(procedure)
    before = compute_due(rule=rule, received_at=_vn(2026, 3, 2, 11, 29, 59))
    at_cutoff = compute_due(rule=rule, received_at=_vn(2026, 3, 2, 11, 30))
    assert before.due_at.date() == before.received_at.date()
    assert at_cutoff.clock_start == _vn(2026, 3, 3, 7) and at_cutoff.due_at.date() == at_cutoff.clock_start.date()


def test_working_days_procedure_page_says_received_before_15_and_from_15_on(client):
    procedure = ProcedureFactory(deadline_amount=Decimal("3"), deadline_unit=DeadlineUnit.WORKING_DAYS,
                                 cutoff_time=time(15, 0))
    text = deadline_text(client, procedure)
    assert ("3 ngày làm việc (hồ sơ tiếp nhận trước 15 giờ được tính từ lúc tiếp nhận; "
            "tiếp nhận từ 15 giờ trở đi được tính từ ngày làm việc tiếp theo)") in text
    for phrase in AMBIGUOUS:
        assert phrase not in text, phrase


def test_the_search_results_use_the_same_wording(client):
    ProcedureFactory(name="Chứng thực bản sao", deadline_amount=Decimal("0"), deadline_unit=DeadlineUnit.SAME_DAY,
                     cutoff_time=time(11, 30))
    text = visible_text(client.get(reverse("procedures:list"), {"q": "chung thuc"}))
    assert "tiếp nhận trước 11 giờ 30 được giải quyết trong ngày" in text
    assert "tiếp nhận sau" not in text


def test_without_a_cut_off_nothing_is_said_about_one(client):
    procedure = ProcedureFactory(cutoff_time=None)
    text = deadline_text(client, procedure)
    assert "3 ngày làm việc" in text and "tiếp nhận trước" not in text


def test_english_wording_says_before_and_from_on():
    procedure = ProcedureFactory.build(deadline_amount=Decimal("0"), deadline_unit=DeadlineUnit.SAME_DAY,
                                       cutoff_time=time(11, 30))
    with translation.override("en"):
        text = procedure.deadline_display
    assert "received before 11:30" in text and "from 11:30 on" in text, text
