"""Dossiers for a client with dossiers:read: the list (filters, cursor pages stable while dossiers arrive), one
dossier with its applicant, checklist, files and timeline, and its national status code."""

import logging
from datetime import timedelta

import pytest
from django.db.models import F
from rest_framework import serializers

from api.selectors import dossier_timeline
from api.serializers import DossierSummarySerializer, EventSerializer, dossier_values, events_of, summaries
from dossiers.models import Dossier, State
from tests.api.conftest import assert_problem, connect
from tests.builders import T_SUBMIT, vn

pytestmark = pytest.mark.django_db


def page(system, url="/api/v1/dossiers/", **params):
    response = system.api.get(url, params or None)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_list_summarises_each_dossier_newest_first(world):
    received = world.received()
    submitted = world.submitted()
    body = page(connect(world.desk))
    assert [row["code"] for row in body["results"]] == [submitted.code, received.code]
    row = body["results"][1]
    assert row["state"] == "received" and row["national_status_code"] == 2 and row["channel"] == 2
    assert row["receiving_agency"] == {"identifier": world.desk.identifier, "name": world.desk.name}
    assert row["procedure"]["national_code"] == world.procedure.national_code
    assert row["url"] == f"/api/v1/dossiers/{received.code}/"
    assert row["received_at"] and row["due_at"] and row["version"] == received.version
    assert "applicant" not in row  # personal data only in one dossier's detail


def test_filters_state_status_agency_procedure_and_period(world):
    submitted = world.submitted()
    received = world.received()
    returned = world.returned()
    late = world.submitted(at_time=T_SUBMIT + timedelta(days=3))
    system = connect(world.desk, world.dept)

    def codes(**params):
        return {row["code"] for row in page(system, **params)["results"]}

    assert codes(state="received") == {received.code}
    assert codes(status=10) == {returned.code}
    assert codes(status=1) == {submitted.code, late.code}
    assert codes(state="received", status=1) == set()
    assert codes(agency=world.dept.identifier) == set()  # handed over, then back at the desk after the decision
    assert codes(agency=world.desk.identifier) == {submitted.code, received.code, returned.code, late.code}
    assert codes(procedure=world.procedure.national_code) == {submitted.code, received.code, returned.code, late.code}
    day = T_SUBMIT.date()
    assert codes(submitted_from=day.isoformat(), submitted_to=day.isoformat()) == {
        submitted.code, received.code, returned.code}
    assert codes(submitted_from=(day + timedelta(days=1)).isoformat()) == {late.code}
    for bad in ({"state": "lost"}, {"status": 11}, {"submitted_from": "31/12/2025"},
                {"submitted_from": "2025-03-10", "submitted_to": "2025-03-01"}, {"submitted_to": "1900-01-01"}):
        body = assert_problem(system.api.get("/api/v1/dossiers/", bad), 400, "validation-error")
        assert body["errors"] and body["errors"][0]["field"] in bad


def test_following_next_lists_each_dossier_once_while_new_ones_arrive(world):
    first_ones = [world.submitted(at_time=T_SUBMIT + timedelta(minutes=i)) for i in range(7)]
    system = connect(world.desk)
    body = page(system, page_size=3)
    seen = [row["code"] for row in body["results"]]
    later = [world.submitted(at_time=T_SUBMIT + timedelta(hours=2, minutes=i)) for i in range(3)]
    while body["next"]:
        body = page(system, body["next"])
        seen += [row["code"] for row in body["results"]]
        world.submitted(at_time=T_SUBMIT + timedelta(hours=3))  # more arrive between pages
    assert seen == [d.code for d in reversed(first_ones)]
    assert not set(seen) & {d.code for d in later}
    # Going back from the last page gives the page before it, unchanged.
    assert len(page(system, body["previous"])["results"]) == 3
    assert_problem(system.api.get("/api/v1/dossiers/", {"cursor": "khong-hop-le"}), 400, "validation-error")


def test_one_dossier_with_applicant_checklist_files_and_timeline(world):
    dossier = world.processing()
    body = page(connect(world.desk), f"/api/v1/dossiers/{dossier.code}/")
    assert body["code"] == dossier.code and body["state"] == "processing" and body["national_status_code"] == 4
    assert body["applicant"]["name"] == "Trần Văn Nộp"
    assert body["applicant"]["id_number"] == "079203001234" and body["applicant"]["phone"] == "0912000111"
    assert body["handling_agency"]["identifier"] == world.dept.identifier
    assert [line["name"] for line in body["documents"]] == ["Tờ khai cấp bản sao", "Văn bản ủy quyền"]
    assert [(e["action"], e["from_state"], e["to_state"], e["national_status_code"]) for e in body["events"]] == [
        ("submit", "", "submitted", 1), ("receive", "submitted", "received", 2),
        ("forward", "received", "processing", 4)]
    forward = body["events"][-1]
    assert forward["from_agency"] == world.desk.identifier and forward["to_agency"] == world.dept.identifier
    assert forward["action_label"] and forward["dossier"] == dossier.code
    assert body["pending_supplement"] is None and body["attachments"] == []


def test_a_pending_supplement_request_is_shown_with_what_to_bring(world):
    dossier = world.desk_supplement()
    body = page(connect(world.desk), f"/api/v1/dossiers/{dossier.code}/")
    assert body["state"] == "supplement_requested" and body["national_status_code"] == 5
    assert body["pending_supplement"]["items"] == ["Bản sao giấy khai sinh"]
    assert body["pending_supplement"]["before_reception"] is True


def test_every_state_has_its_national_status_code(world):
    system = connect(world.desk, world.dept)
    for setup, code in (("submitted", 1), ("received", 2), ("refused", 3), ("processing", 4),
                        ("authority_supplement", 5), ("awaiting_payment", 6), ("resolved", 9), ("returned", 10)):
        dossier = getattr(world, setup)()
        assert page(system, f"/api/v1/dossiers/{dossier.code}/")["national_status_code"] == code, setup


def test_personal_data_never_reaches_the_logs(world, caplog):
    dossier = world.submitted()
    system = connect(world.desk)
    with caplog.at_level(logging.DEBUG):
        system.api.get(f"/api/v1/dossiers/{dossier.code}/")
        system.api.get("/api/v1/dossiers/", {"state": "lost"})
        system.api.get("/api/v1/dossiers/NOT-THERE/")
        system.api.get("/api/v1/events/")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for value in ("079203001234", "0912000111", "Trần Văn Nộp"):
        assert value not in logged


def test_dossiers_outside_the_period_bounds_use_vietnam_days(world):
    # 23:30 on 9 March in Vietnam is 16:30 UTC: it belongs to 9 March, not 10 March.
    evening = world.submitted(at_time=vn(2025, 3, 9, 23, 30))
    system = connect(world.desk)
    assert [r["code"] for r in page(system, submitted_from="2025-03-09", submitted_to="2025-03-09")["results"]] == [
        evening.code]
    assert page(system, submitted_from="2025-03-10")["results"] == []
    assert Dossier.objects.filter(state=State.SUBMITTED).count() == 1


def test_the_fast_lists_write_what_the_serializers_describe(world):
    """Lists are written from rows of values (api.serializers.summaries, events_of); DRF's own walk over the
    serializers' fields (what the schema describes) gives the same."""
    dossier = Dossier.objects.get(pk=world.resolved().pk)
    walked = serializers.Serializer.to_representation(DossierSummarySerializer(), dossier)
    assert summaries([dossier_values(dossier)]) == [dict(walked)]
    rows = list(dossier_timeline(dossier))
    instances = dossier.events.order_by("at", "id").annotate(
        dossier_code=F("dossier__code"), from_agency_identifier=F("from_agency__identifier"),
        to_agency_identifier=F("to_agency__identifier"))
    walked_events = [dict(serializers.Serializer.to_representation(EventSerializer(), e)) for e in instances]
    assert events_of(rows) == walked_events != []
