"""The applicant's answer to a supplement request through the API: the portal's service (actor APPLICANT), with
the files it brings checked first."""

import pytest

from dossiers.models import Attachment, State
from tests.api.conftest import assert_problem, connect
from tests.builders import EXE_BYTES, PDF_BYTES, PNG_BYTES, T_ACT, at, fresh, snapshot, upload

pytestmark = pytest.mark.django_db


def answer(system, dossier, **data):
    return system.api.post(f"/api/v1/dossiers/{dossier.code}/supplement/", data)


def test_an_answer_before_reception_goes_back_to_the_desk_with_its_files(world):
    dossier = world.desk_supplement()
    system = connect(world.desk)
    with at(T_ACT):
        response = answer(system, dossier, note="Đã bổ sung bản sao giấy khai sinh",
                          files=[upload("khai-sinh.pdf", PDF_BYTES), upload("anh.png", PNG_BYTES)])
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "submitted" and body["national_status_code"] == 1 and body["pending_supplement"] is None
    last = body["events"][-1]
    assert (last["action"], last["from_state"], last["to_state"]) == (
        "answer_supplement", "supplement_requested", "submitted")
    assert last["note"] == "Đã bổ sung bản sao giấy khai sinh"
    files = Attachment.objects.filter(dossier=dossier, purpose="supplement")
    assert files.count() == 2 and all(f.event_id == last["id"] for f in files)
    request = dossier.supplement_requests.get()
    assert request.answered_at is not None and request.answer_note == "Đã bổ sung bản sao giấy khai sinh"


def test_an_answer_after_reception_resumes_processing_at_the_authority(world):
    dossier = world.authority_supplement()
    due_before = dossier.due_at
    system = connect(world.desk)
    with at(T_ACT):
        response = answer(system, dossier, files=[upload("xac-nhan.pdf", PDF_BYTES)], version=dossier.version)
    assert response.status_code == 200, response.content
    dossier = fresh(dossier)
    assert dossier.state == State.PROCESSING and dossier.due_at > due_before  # the paused time is added back


def test_answers_that_change_nothing(world):
    dossier = world.desk_supplement()
    system = connect(world.desk)
    before = snapshot(dossier)
    body = assert_problem(answer(system, dossier, note="Không kèm tệp"), 400, "validation-error")
    assert "ít nhất một tệp" in body["detail"]
    body = assert_problem(answer(system, dossier, files=[upload("giay-to.pdf", EXE_BYTES)]), 400, "invalid-input")
    assert "giay-to.pdf" in body["detail"]
    body = assert_problem(answer(system, dossier, files=[upload("a.pdf", PDF_BYTES)], version=dossier.version - 1),
                          409, "concurrent-change")
    assert "cập nhật" in body["detail"]
    assert snapshot(dossier) == before and not Attachment.objects.filter(dossier=dossier).exists()


def test_a_dossier_with_no_pending_request_is_a_409_problem(world):
    dossier = world.received()
    before = snapshot(dossier)
    body = assert_problem(answer(connect(world.desk), dossier, files=[upload("a.pdf", PDF_BYTES)]), 409,
                          "transition-refused")
    assert "không có yêu cầu bổ sung" in body["detail"]
    assert snapshot(dossier) == before


def test_too_many_files_in_one_answer_are_refused_with_the_limit(world, settings):
    settings.ONECUA = {**settings.ONECUA, "MAX_FILES_PER_SUPPLEMENT": 1}
    dossier = world.desk_supplement()
    body = assert_problem(answer(connect(world.desk), dossier, files=[upload("a.pdf", PDF_BYTES),
                                                                       upload("b.pdf", PDF_BYTES)]),
                          400, "invalid-input")
    assert "tối đa 1" in body["detail"]
    assert fresh(dossier).state == State.SUPPLEMENT_REQUESTED
