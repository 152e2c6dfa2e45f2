"""Staff: the payments list per desk (scoping, filters, totals per day, a bounded number of queries), its Excel
export, and the payments on the dossier's page."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from pypdf import PdfReader

from payments.models import Payment, PaymentStatus
from payments.providers.base import GatewayResult
from payments.services import payment_apply_result
from tests.builders import at, vn
from tests.payments.helpers import with_fees

LIST = "/can-bo/thanh-toan/"
PERIOD = {"start": "10/03/2025", "end": "31/03/2025"}


def pay(payment, *, when, number):
    with at(when):
        payment_apply_result(GatewayResult(reference=payment.reference, amount=payment.amount, paid=True,
                                           transaction_id=number, response_code="00", transaction_status="00",
                                           bank_code="NCB", paid_at=when), source="ipn")
    return Payment.objects.get(pk=payment.pk)


@pytest.fixture
def dues(world):
    """Fees of 150.000 đ at reception: two dossiers at the desk (one paid the next day), one at the other desk."""
    with_fees(world.procedure, 50_000, 100_000)
    desk_a = world.received()
    desk_b = world.received()
    other = world.received(agency=world.other_desk)
    paid = pay(Payment.objects.get(dossier=desk_b), when=vn(2025, 3, 11, 9, 30), number="14000001")
    return {"desk": [Payment.objects.get(dossier=desk_a), paid], "other": [Payment.objects.get(dossier=other)]}


def references(response) -> set[str]:
    return {ref for ref in (p.reference for p in Payment.objects.all()) if ref in response.content.decode()}


@pytest.mark.django_db
def test_each_desk_sees_its_own_payments_and_an_inspector_the_subtree(world, dues, client):
    desk = {p.reference for p in dues["desk"]}
    other = {p.reference for p in dues["other"]}
    for spec, expected in (("clerk@desk", desk), ("leader@desk", desk), ("clerk@other_desk", other),
                           ("inspector@province", desk | other), ("admin@province", desk | other)):
        client.force_login(world.user(spec))
        response = client.get(LIST, PERIOD)
        assert response.status_code == 200, spec
        assert references(response) == expected, spec
    for spec in ("officer@dept",):
        client.force_login(world.user(spec))
        assert client.get(LIST).status_code == 404
        assert client.get(LIST + "xuat-excel/").status_code == 404
    client.force_login(world.citizen)
    assert client.get(LIST).status_code == 404
    client.logout()
    assert client.get(LIST).status_code == 302  # to the sign-in page


@pytest.mark.django_db
def test_filters_and_totals_per_day(world, dues, client):
    client.force_login(world.user("inspector@province"))
    page = client.get(LIST, {**PERIOD, "status": "paid"}).content.decode()
    assert dues["desk"][1].reference in page and dues["desk"][0].reference not in page
    page = client.get(LIST, {**PERIOD, "desk": world.other_desk.pk}).content.decode()
    assert dues["other"][0].reference in page and dues["desk"][0].reference not in page
    # Filed under the day paid (11/03) or, unpaid, the day due (10/03).
    response = client.get(LIST, PERIOD)
    totals = {(t["day"].strftime("%d/%m/%Y"), t["count"], t["amount"], t["paid"]) for t in response.context["totals"]}
    assert totals == {("10/03/2025", 2, 300_000, 0), ("11/03/2025", 1, 150_000, 150_000)}
    html = response.content.decode()
    assert "450.000 đ" in html and "150.000 đ" in html
    only_11 = client.get(LIST, {"start": "11/03/2025", "end": "11/03/2025"}).content.decode()
    assert dues["desk"][1].reference in only_11 and dues["desk"][0].reference not in only_11
    bad = client.get(LIST, {"start": "31/02/2025", "end": "01/03/2025"})
    assert bad.status_code == 200 and "dd/mm/yyyy" in bad.content.decode()


@pytest.mark.django_db
def test_the_list_costs_a_bounded_number_of_queries(world, dues, client):
    client.force_login(world.user("inspector@province"))
    client.get(LIST, PERIOD)  # warm: the session, the user's memberships
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST, PERIOD).status_code == 200
    for _ in range(6):
        world.received()
        world.received(agency=world.other_desk)
    assert Payment.objects.count() == 15
    with CaptureQueriesContext(connection) as many:
        assert client.get(LIST, PERIOD).status_code == 200
    assert len(many) == len(few) <= 10, [q["sql"][:120] for q in many.captured_queries]


@pytest.mark.django_db
def test_the_excel_export_is_scoped_and_keeps_text_as_text(world, dues, client):
    Payment.objects.filter(pk=dues["desk"][0].pk).update(description="=HYPERLINK(\"http://x\",\"bấm\")")
    client.force_login(world.user("clerk@desk"))
    response = client.get(LIST + "xuat-excel/", PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=5) if row[2].value]
    by_ref = {row[2]: row for row in rows}
    assert set(by_ref) == {p.reference for p in dues["desk"]}
    paid = by_ref[dues["desk"][1].reference]
    assert paid[7] == 150_000 and paid[8] == "Đã thanh toán" and paid[9] == "14000001"
    formula_cell = next(c for row in ws.iter_rows(min_row=5) for c in row if c.value == dues["desk"][0].reference)
    description = ws.cell(formula_cell.row, 7)
    assert description.data_type == "s" and description.value.startswith("=HYPERLINK")
    total = [row for row in ws.iter_rows(min_row=5, values_only=True) if row[6] == "Tổng số tiền đã thanh toán"]
    assert total and total[0][7] == 150_000


@pytest.mark.django_db
def test_the_dossier_page_lists_its_payments_and_the_receipt(world, dues, client):
    paid = dues["desk"][1]
    client.force_login(world.user("clerk@desk"))
    page = client.get(f"/can-bo/ho-so/{paid.dossier_id}/").content.decode()
    assert 'id="payment-list"' in page and paid.reference in page and "150.000 đ" in page and "NCB" in page
    receipt = client.get("/can-bo/thanh-toan/bien-lai/", {"tt": paid.reference})
    assert receipt.status_code == 200
    text = "".join(PdfReader(io.BytesIO(receipt.content)).pages[0].extract_text().split())
    assert paid.reference in text and "150.000đồng" in text
    client.force_login(world.user("clerk@other_desk"))
    assert client.get("/can-bo/thanh-toan/bien-lai/", {"tt": paid.reference}).status_code == 404
    client.force_login(world.user("clerk@desk"))
    unpaid = dues["desk"][0]
    assert client.get("/can-bo/thanh-toan/bien-lai/", {"tt": unpaid.reference}).status_code == 404


@pytest.mark.django_db
def test_a_paid_fee_is_recorded_on_a_dossier_not_waiting_for_payment(world, dues):
    from dossiers.models import DossierEvent

    paid = dues["desk"][1]
    event = DossierEvent.objects.get(dossier_id=paid.dossier_id, action="payment_received")
    assert paid.reference in event.note and event.at == vn(2025, 3, 11, 9, 30)
    assert paid.status == PaymentStatus.PAID and paid.dossier.state == "received"
