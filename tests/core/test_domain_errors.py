"""A domain error no view handled is answered with its own status and its message, never a 500."""

import pytest
from django.test import RequestFactory

from core.errors import ActionForbidden, ConcurrentChange, InvalidInput, TransitionRefused
from core.middleware import DomainErrorMiddleware


@pytest.mark.parametrize(("error", "status"), [
    (ActionForbidden("Bạn không có quyền phê duyệt hồ sơ này."), 403),
    (TransitionRefused("Không thể tiếp nhận: hồ sơ đang ở trạng thái “Đã trả kết quả”."), 409),
    (ConcurrentChange("Hồ sơ vừa được người khác cập nhật."), 409),
    (InvalidInput("Hãy ghi rõ lý do."), 400),
])
def test_an_unhandled_domain_error_becomes_a_page_with_its_status_and_message(db, error, status):
    request = RequestFactory().post("/can-bo/ho-so/1/thao-tac/approve/")
    middleware = DomainErrorMiddleware(lambda r: None)
    response = middleware.process_exception(request, error)
    assert response.status_code == status
    assert error.message in response.content.decode()
    assert "Không có gì thay đổi" in response.content.decode()


def test_other_errors_are_left_to_django(db):
    request = RequestFactory().get("/")
    assert DomainErrorMiddleware(lambda r: None).process_exception(request, ValueError("x")) is None
