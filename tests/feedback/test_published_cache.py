"""The published answers on a procedure's page are kept in the shared cache (feedback.selectors.published_answers)
under a version per procedure: a page served from it reads no feedback row, and a publication — or a renamed
agency (the catalog's version) — shows on the next page at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feedback import services
from feedback.models import Feedback
from tests.builders import at, vn
from tests.factories import ProcedureFactory
from tests.feedback.conftest import send

pytestmark = pytest.mark.django_db

T_PAGE = vn(2025, 3, 20, 10, 0)


def _feedback_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if Feedback._meta.db_table in q["sql"]]


def _page(client, procedure) -> tuple[str, list[str]]:
    with at(T_PAGE), CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("procedures:detail", args=[procedure.national_code])).content.decode()
    return body, _feedback_reads(queries)


def _publish(world, *, content: str, answer: str, procedure=None):
    feedback = send(world, content=content)
    if procedure is not None:
        Feedback.objects.filter(pk=feedback.pk).update(procedure=procedure)
        feedback.refresh_from_db()
    leader = world.user("leader@desk")
    feedback = services.feedback_assign(feedback=feedback, actor=leader, officer=leader)
    with at(vn(2025, 3, 19, 9, 0)):
        feedback = services.feedback_answer(feedback=feedback, actor=leader, answer=answer)
        return services.feedback_publish(feedback=feedback, actor=leader, public_content=content,
                                         public_answer=answer)


def test_a_cached_page_reads_no_feedback_and_a_publication_shows_at_once(world, client, committed):
    body, reads = _page(client, world.procedure)
    assert "Chưa có phản ánh, kiến nghị nào được công khai." in body and len(reads) == 1
    body, reads = _page(client, world.procedure)
    assert "Chưa có phản ánh, kiến nghị nào được công khai." in body and reads == []  # from the cache

    with committed():
        _publish(world, content="Chờ quá lâu ở bộ phận một cửa.", answer="Đã bố trí thêm cán bộ tiếp nhận.")
    body, reads = _page(client, world.procedure)
    assert "Chờ quá lâu ở bộ phận một cửa." in body and "Đã bố trí thêm cán bộ tiếp nhận." in body
    assert len(reads) == 1
    body, reads = _page(client, world.procedure)
    assert "Đã bố trí thêm cán bộ tiếp nhận." in body and reads == []


def test_a_publication_shows_even_before_the_commit_callbacks_run(world, client):
    """Without the on-commit callbacks (the test's transaction never commits): the version set at once suffices."""
    _page(client, world.procedure)
    _publish(world, content="Giấy hẹn ghi sai ngày trả.", answer="Đã sửa mẫu giấy hẹn.")
    body, reads = _page(client, world.procedure)
    assert "Đã sửa mẫu giấy hẹn." in body and len(reads) == 1


def test_another_procedures_publication_keeps_this_page_cached(world, client, committed):
    other = ProcedureFactory()
    other.agencies.add(world.desk)
    _page(client, world.procedure)
    with committed():
        _publish(world, content="Thủ tục khác: chờ lâu.", answer="Đã khắc phục.", procedure=other)
    body, reads = _page(client, world.procedure)
    assert "Thủ tục khác: chờ lâu." not in body and reads == []
    body, reads = _page(client, other)
    assert "Thủ tục khác: chờ lâu." in body and len(reads) == 1


def test_a_renamed_agency_shows_at_once(world, client, committed):
    with committed():
        _publish(world, content="Thiếu ghế chờ.", answer="Đã bổ sung ghế.")
    body, _reads = _page(client, world.procedure)
    assert world.desk.name in body
    with committed():
        world.desk.name = "Bộ phận Một cửa đổi tên"
        world.desk.save()
    body, reads = _page(client, world.procedure)
    assert "Trả lời của Bộ phận Một cửa đổi tên" in body and len(reads) == 1
