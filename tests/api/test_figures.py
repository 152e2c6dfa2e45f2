"""/api/v1/figures/: the figures of the public transparency page /cong-khai/, the same numbers as the page shows,
public like the catalog and documented in the schema."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from dossiers import services
from reports.processing import public_figures
from tests.api.conftest import assert_problem, connect
from tests.builders import at, vn

pytestmark = pytest.mark.django_db
APRIL = vn(2025, 4, 15, 9)
ROW = re.compile(r'<tr><th scope="row">(?:<a [^>]*>)?([^<]+)(?:</a>)?</th><td class="num">(\d+)</td>'
                 r'<td class="num">([\d,.]+) %</td><td class="num">(\d+) ngày</td></tr>')


@pytest.fixture
def resolved_in_march(world):
    """Three dossiers resolved in March 2025 at the desk (the builders' timeline): two approved on time, one
    declined late."""
    for _ in range(2):
        world.returned()
    late = world.proposed(outcome="declined")
    with at(vn(2025, 3, 28, 10)):
        services.dossier_decline(dossier=late, actor=world.user("leader@dept"), reason="Không đủ điều kiện")
    return world


def page_rows(html: str, table: str) -> list[tuple[str, int, Decimal, int]]:
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return [(name.strip(), int(n), Decimal(rate.replace(",", ".")), int(days)) for name, n, rate, days
            in ROW.findall(body)]


def api_rows(items: list[dict]) -> list[tuple[str, int, Decimal, int]]:
    return [(item["name"], item["resolved"], Decimal(str(item["on_time_rate"])), item["median_days"])
            for item in items]


def test_the_figures_are_the_public_pages(resolved_in_march):
    world = resolved_in_march
    with at(APRIL):
        page = Client().get("/cong-khai/").content.decode()
        response = Client().get("/api/v1/figures/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    desks, procedures = page_rows(page, "public-agencies"), page_rows(page, "public-procedures")
    assert desks and procedures
    assert api_rows(body["agencies"]) == desks
    assert api_rows(body["procedures"]) == procedures
    # And the same as the function behind the page, field by field.
    agencies, by_procedure, (start, end) = public_figures(today=date(2025, 4, 15))
    assert (body["period_start"], body["period_end"]) == (start.isoformat(), end.isoformat()) == (
        "2024-04-01", "2025-03-31")
    [desk] = body["agencies"]
    assert desk == {"identifier": world.desk.identifier, "name": world.desk.name, "resolved": agencies[0].resolved,
                    "on_time": agencies[0].on_time, "on_time_rate": float(agencies[0].on_time_rate),
                    "median_days": agencies[0].median_days}
    assert (desk["resolved"], desk["on_time"]) == (3, 2)
    assert [p["national_code"] for p in body["procedures"]] == [f.key.national_code for f in by_procedure]
    assert "0912" not in response.content.decode()  # counts only


def test_no_figures_yet_is_an_empty_list(world):
    with at(APRIL):
        body = Client().get("/api/v1/figures/").json()
    assert body["agencies"] == [] and body["procedures"] == []


def test_public_but_a_token_must_carry_catalog_read(resolved_in_march):
    world = resolved_in_march
    with at(APRIL):
        assert connect(world.desk, scopes="catalog:read").api.get("/api/v1/figures/").status_code == 200
        assert_problem(connect(world.desk, scopes="dossiers:read").api.get("/api/v1/figures/"), 403,
                       "insufficient-scope")
        assert Client().post("/api/v1/figures/", {}).status_code == 405
    assert Client().get("/api/v1/").json()["links"]["figures"] == "/api/v1/figures/"


def test_the_schema_documents_the_figures(world):
    schema = Client().get("/api/v1/schema/").json()
    operation = schema["paths"]["/api/v1/figures/"]["get"]
    assert operation["operationId"] == "figures_retrieve"
    assert {"oauth2": ["catalog:read"]} in operation["security"] and {} in operation["security"]
    figures = schema["components"]["schemas"]["Figures"]
    assert set(figures["required"]) == {"period_start", "period_end", "agencies", "procedures"}
    item = schema["components"]["schemas"]["AgencyFigure"]["properties"]
    assert item["on_time_rate"]["type"] == "number" and item["median_days"]["nullable"] is True
