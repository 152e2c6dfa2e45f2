"""The public catalog: procedures (the site's diacritic-free search and filters, with documents, fees, deadline and
desks), agencies, the processing time the procedure page publishes."""

from datetime import date, time
from decimal import Decimal

import pytest
from django.test import Client

from procedures.models import Agency, OnlineLevel, ProcedureFee, ProcedureLevel
from tests.api.conftest import assert_problem, connect
from tests.builders import T_ACT, at
from tests.factories import FieldFactory, ProcedureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(world):
    ProcedureFee.objects.create(procedure=world.procedure, description="Lệ phí cấp bản sao", amount=Decimal(8000))
    world.procedure.cutoff_time = time(15, 0)
    world.procedure.save()
    land = FieldFactory(code="DAT-DAI", name="Đất đai")
    return {
        "land": ProcedureFactory(name="Đăng ký biến động đất đai", field=land, level=ProcedureLevel.PROVINCE,
                                 online_level=OnlineLevel.PARTIAL),
        "offline": ProcedureFactory(name="Chứng thực chữ ký", online_level=OnlineLevel.NONE),
        "retired": ProcedureFactory(name="Cấp bản sao đã bãi bỏ", is_active=False),
    }


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def test_a_procedure_comes_with_documents_fees_deadline_and_desks(world, catalog):
    body = Client().get("/api/v1/procedures/", {"q": "cap ban sao"}).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["national_code"] == world.procedure.national_code and row["name"] == "Cấp bản sao trích lục hộ tịch"
    assert [(d["position"], d["name"], d["mandatory"]) for d in row["documents"]] == [
        (1, "Tờ khai cấp bản sao", True), (2, "Văn bản ủy quyền", False)]
    assert row["documents"][0]["id"] == world.form.pk
    assert row["fees"] == [{"description": "Lệ phí cấp bản sao", "amount": 8000}]
    assert row["deadline"]["amount"] == 3 and row["deadline"]["unit"] == "working_days"
    assert row["deadline"]["cutoff_time"] == "15:00:00" and "15 giờ" in row["deadline"]["text"]
    assert {a["identifier"] for a in row["agencies"]} == {world.desk.identifier, world.other_desk.identifier}


def test_search_ignores_diacritics_and_case_like_the_site(world, catalog):
    for query in ("dang ky bien dong", "ĐĂNG KÝ BIẾN ĐỘNG", "đăng ký biến động đất đai"):
        assert names(Client().get("/api/v1/procedures/", {"q": query})) == ["Đăng ký biến động đất đai"]
    assert names(Client().get("/api/v1/procedures/", {"q": "bai bo"})) == []  # inactive procedures are not listed


def test_filters_by_field_level_and_online_level(world, catalog):
    assert names(Client().get("/api/v1/procedures/", {"field": "DAT-DAI"})) == ["Đăng ký biến động đất đai"]
    assert names(Client().get("/api/v1/procedures/", {"field": "KHONG-CO"})) == []
    assert names(Client().get("/api/v1/procedures/", {"level": "province"})) == ["Đăng ký biến động đất đai"]
    assert names(Client().get("/api/v1/procedures/", {"online": "none"})) == ["Chứng thực chữ ký"]
    assert_problem(Client().get("/api/v1/procedures/", {"level": "galaxy"}), 400, "validation-error")


def test_without_a_query_the_list_is_in_vietnamese_alphabetical_order(world, catalog):
    listed = names(Client().get("/api/v1/procedures/"))
    assert listed == ["Cấp bản sao trích lục hộ tịch", "Chứng thực chữ ký", "Đăng ký biến động đất đai"]


def test_pages_of_the_catalog(world, catalog):
    first = Client().get("/api/v1/procedures/", {"page_size": 2}).json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"]
    second = Client().get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert_problem(Client().get("/api/v1/procedures/", {"page": 99}), 404, "not-found")


def test_one_procedure_and_its_real_processing_time(world, catalog):
    url = f"/api/v1/procedures/{world.procedure.national_code}/"
    with at(T_ACT):
        body = Client().get(url).json()
    assert body["name"] == "Cấp bản sao trích lục hộ tịch" and body["processing_time"] is None
    assert "description" in body and "legal_basis" in body
    world.resolved()
    with at(T_ACT):
        body = Client().get(url).json()
    assert body["processing_time"] == {"resolved": 1, "median_days": 0.0, "p90_days": 0.0, "on_time_percent": 100}
    assert_problem(Client().get(f"/api/v1/procedures/{catalog['retired'].national_code}/"), 404, "not-found")
    assert_problem(Client().get("/api/v1/procedures/9.999999/"), 404, "not-found")


def test_agencies_with_their_parent_and_filters(world):
    Agency.objects.filter(pk=world.other_desk.pk).update(valid_to=date(2025, 6, 30))
    rows = {a["identifier"]: a for a in Client().get("/api/v1/agencies/", {"page_size": 100}).json()["results"]}
    assert rows[world.desk.identifier]["parent"] == "H61" and rows["H61"]["parent"] is None
    assert rows[world.desk.identifier]["working_hours"]["morning_open"] == "07:00:00"
    children = Client().get("/api/v1/agencies/", {"parent": "H61", "one_stop_desk": "true", "active": "true"})
    assert [a["identifier"] for a in children.json()["results"]] == [world.desk.identifier]
    one = Client().get(f"/api/v1/agencies/{world.dept.identifier}/").json()
    assert one["name"] == "Sở Tài chính" and one["is_one_stop_desk"] is False
    assert_problem(Client().get("/api/v1/agencies/H99.99/"), 404, "not-found")


def test_a_client_token_on_the_catalog_needs_catalog_read(world, catalog):
    reader = connect(world.desk, scopes="catalog:read")
    assert reader.api.get("/api/v1/procedures/").status_code == 200
    writer = connect(world.desk, scopes="dossiers:read")
    assert_problem(writer.api.get("/api/v1/procedures/"), 403, "insufficient-scope")


def test_the_index_links_every_part(world):
    links = Client().get("/api/v1/").json()["links"]
    assert links["schema"] == "/api/v1/schema/" and links["token"] == "/o/token/"
    assert {"procedures", "agencies", "dossiers", "events", "docs"} <= set(links)
