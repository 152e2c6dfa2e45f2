"""A client sees and writes only the dossiers of its agencies — on every endpoint — by the rule of staff scoping;
never another agency's, never another province's."""

import pytest
from django.test import Client

from api.selectors import dossiers_visible_to_client
from dossiers import services
from dossiers.models import Attachment, Dossier, DossierEvent
from dossiers.selectors import dossiers_visible_to
from tests.api.conftest import assert_problem, connect
from tests.builders import PDF_BYTES, T_RECEIVE, at, snapshot, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(world, far_desk):
    """Dossiers at the desk, at the other desk (one waiting for a supplement), in another province, one handed
    over to the department and one handed over and decided (back at the desk)."""
    other_waiting = world.submitted(agency=world.other_desk)
    with at(T_RECEIVE):
        other_waiting = services.dossier_request_supplement(
            dossier=other_waiting, actor=world.user("clerk@other_desk"), items=["Bản sao giấy khai sinh"])
    return {
        "mine": world.submitted(),
        "mine_waiting": world.desk_supplement(),
        "handed": world.processing(),
        "decided": world.resolved(),
        "other": world.submitted(agency=world.other_desk),
        "other_waiting": other_waiting,
        "far": world.submitted(agency=far_desk),
    }


def listed(system, **params) -> list[str]:
    codes, url = [], "/api/v1/dossiers/"
    while url:
        response = system.api.get(url, params if url == "/api/v1/dossiers/" else None)
        assert response.status_code == 200, response.content
        codes += [row["code"] for row in response.json()["results"]]
        url = response.json()["next"]
    return codes


def feed(system) -> list[dict]:
    events, url = [], "/api/v1/events/"
    for _ in range(50):
        body = system.api.get(url).json()
        events += body["results"]
        if body["caught_up"]:
            return events
        url = body["next"]
    raise AssertionError("the feed never ends")


def test_lists_hold_the_clients_dossiers_only(world, cast):
    desk, other, dept = connect(world.desk), connect(world.other_desk), connect(world.dept)
    code = {key: d.code for key, d in cast.items()}
    assert set(listed(desk)) == {code["mine"], code["mine_waiting"], code["handed"], code["decided"]}
    assert set(listed(other)) == {code["other"], code["other_waiting"]}
    assert set(listed(dept)) == {code["handed"], code["decided"]}
    # Filtering by another agency finds nothing of it.
    assert listed(desk, agency=world.other_desk.identifier) == []
    assert listed(desk, agency=world.other_province.identifier) == []


def test_one_dossier_of_another_agency_is_404_exactly_like_a_missing_one(world, cast):
    desk = connect(world.desk)
    assert desk.api.get(f"/api/v1/dossiers/{cast['mine'].code}/").status_code == 200
    missing = assert_problem(desk.api.get("/api/v1/dossiers/H61.22.10-250310-9999/"), 404, "not-found")
    for key in ("other", "far"):
        refused = assert_problem(desk.api.get(f"/api/v1/dossiers/{cast[key].code}/"), 404, "not-found")
        assert {k: v for k, v in refused.items() if k != "instance"} == {
            k: v for k, v in missing.items() if k != "instance"}
        assert cast[key].applicant_name not in str(refused)


def test_a_supplement_answer_to_another_agencys_dossier_is_404_and_changes_nothing(world, cast):
    desk = connect(world.desk)
    target = cast["other_waiting"]
    before = snapshot(target)
    files = Attachment.objects.count()
    response = desk.api.post(f"/api/v1/dossiers/{target.code}/supplement/",
                             {"note": "Bổ sung", "files": [upload("bo-sung.pdf", PDF_BYTES)]})
    assert_problem(response, 404, "not-found")
    assert snapshot(target) == before and Attachment.objects.count() == files
    # The client of that agency may answer it.
    other = connect(world.other_desk)
    assert other.api.post(f"/api/v1/dossiers/{target.code}/supplement/",
                          {"files": [upload("bo-sung.pdf", PDF_BYTES)]}).status_code == 200


def test_a_submission_to_a_desk_of_another_agency_or_province_is_403_and_creates_nothing(world, cast, far_desk):
    desk = connect(world.desk)
    count = Dossier.objects.count()
    for agency in (world.other_desk, far_desk):
        response = desk.api.post("/api/v1/dossiers/", {
            "procedure": world.procedure.national_code, "agency": agency.identifier,
            "applicant_name": "Lê Văn Ngoài", "applicant_id_number": "079203009999",
            "applicant_phone": "0912345678", "applicant_address": "Xã Xa", "document_ids": [world.form.pk],
            "files": [upload("to-khai.pdf", PDF_BYTES)]})
        body = assert_problem(response, 403, "forbidden")
        assert agency.name in body["detail"]
    assert Dossier.objects.count() == count


def test_the_event_feed_carries_the_clients_events_only(world, cast):
    desk, other, dept = connect(world.desk), connect(world.other_desk), connect(world.dept)
    code = {key: d.code for key, d in cast.items()}
    mine = {code["mine"], code["mine_waiting"], code["handed"], code["decided"]}
    assert {e["dossier"] for e in feed(desk)} == mine
    assert len(feed(desk)) == DossierEvent.objects.filter(dossier__code__in=mine).count()
    assert {e["dossier"] for e in feed(other)} == {code["other"], code["other_waiting"]}
    # The department's feed starts at each hand-over to it: not the submission or reception at the desk.
    dept_events = feed(dept)
    assert {e["dossier"] for e in dept_events} == {code["handed"], code["decided"]}
    assert {e["action"] for e in dept_events} >= {"forward", "propose", "approve"}
    assert not {"submit", "receive"} & {e["action"] for e in dept_events}


def test_a_client_sees_what_a_staff_member_of_the_same_agencies_sees(world, cast):
    """The client's scope is the staff scoping rule (dossiers.selectors.dossiers_visible_to)."""
    pairs = [
        (connect(world.desk), world.user("clerk@desk")),
        (connect(world.dept), world.user("officer@dept")),
        (connect(world.other_desk), world.user("clerk@other_desk")),
        (connect(world.province, include_subtree=True), world.user("inspector@province")),
    ]
    for system, staff in pairs:
        staff_codes = set(dossiers_visible_to(user=staff).values_list("code", flat=True))
        assert set(dossiers_visible_to_client(system.api_client).values_list("code", flat=True)) == staff_codes
        assert set(listed(system)) == staff_codes
    province = pairs[-1][0]
    assert cast["far"].code not in listed(province) and cast["other"].code in listed(province)


def test_a_province_client_without_its_subtree_sees_no_desks_dossiers(world, cast):
    assert listed(connect(world.province)) == []


def test_anonymous_callers_reach_no_dossier_anywhere(world, cast):
    for url in ("/api/v1/dossiers/", f"/api/v1/dossiers/{cast['mine'].code}/", "/api/v1/events/"):
        assert_problem(Client().get(url), 401, "not-authenticated")
    assert_problem(Client().post(f"/api/v1/dossiers/{cast['mine_waiting'].code}/supplement/",
                                 {"files": [upload("bo-sung.pdf", PDF_BYTES)]}), 401, "not-authenticated")
