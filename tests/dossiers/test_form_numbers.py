"""Forms 02, 03 and 04 carry their own numbers (N/PBS, N/PTC, N/PXL), counted per desk and per year, assigned once
when the document is issued and printed unchanged ever after."""

import io

import pytest
from django.db import connection, transaction
from pypdf import PdfReader

from dossiers import form_numbers, services
from dossiers.models import Apology, Dossier, FormNumber, FormNumberCounter, FormNumberKind, SupplementRequest
from printing.documents import render_dossier_form
from tests.builders import T_ACT, at, race, values, vn


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages).split())


def printed(number: str, dossier: Dossier) -> str:
    return text_of(render_dossier_form(number, Dossier.objects.get(pk=dossier.pk)).pdf)


def desk_request(world, *, when, agency=None) -> SupplementRequest:
    dossier = world.submitted(at_time=when, agency=agency)
    clerk = world.user("clerk@desk" if agency in (None, world.desk) else "clerk@other_desk")
    with at(when):
        services.dossier_request_supplement(dossier=dossier, actor=clerk, items=["Ảnh 4x6"])
    return dossier.supplement_requests.get()


def refusal(world, *, when) -> Dossier:
    dossier = world.submitted(at_time=when)
    with at(when):
        return services.dossier_refuse(dossier=dossier, actor=world.user("clerk@desk"), reason="Sai thủ tục")


def apology(world) -> Apology:
    dossier = world.processing()
    with at(T_ACT):
        services.dossier_apologise(dossier=dossier, actor=world.user("leader@dept"), reason="Chờ xác minh",
                                   new_appointment_at=vn(2025, 3, 20, 9, 0))
    return Apology.objects.get(dossier=dossier)


@pytest.mark.django_db
def test_each_kind_counts_per_desk_and_per_year(world):
    march = vn(2025, 3, 10, 9, 0)
    first, second = desk_request(world, when=march), desk_request(world, when=march)
    other_desk = desk_request(world, when=march, agency=world.other_desk)
    refused = refusal(world, when=march)
    apologised = apology(world)
    next_year = desk_request(world, when=vn(2026, 1, 5, 9, 0))

    issued = [form_numbers.issue_form_number(record)
              for record in (first, second, other_desk, refused, apologised, next_year)]
    assert [str(n) for n in issued] == ["1/PBS", "2/PBS", "1/PBS", "1/PTC", "1/PXL", "1/PBS"]
    assert [(n.agency_id, n.year) for n in issued] == [
        (world.desk.pk, 2025), (world.desk.pk, 2025), (world.other_desk.pk, 2025), (world.desk.pk, 2025),
        (world.desk.pk, 2025), (world.desk.pk, 2026)]
    assert FormNumberCounter.objects.get(agency=world.desk, year=2025, kind=FormNumberKind.SUPPLEMENT).last == 2


@pytest.mark.django_db
def test_a_number_is_assigned_once_and_reprinted_unchanged(world):
    request = desk_request(world, when=vn(2025, 3, 10, 9, 0))
    number = form_numbers.issue_form_number(request)
    again = form_numbers.issue_form_number(SupplementRequest.objects.get(pk=request.pk))
    assert again.pk == number.pk and str(again) == "1/PBS"
    assert FormNumber.objects.count() == 1
    assert FormNumberCounter.objects.get().last == 1
    for _ in range(2):
        assert "Số: 1/PBS" in printed("02", request.dossier)


@pytest.mark.django_db
def test_forms_02_03_04_print_their_own_numbers_not_database_ids(world):
    desk_request(world, when=vn(2025, 3, 10, 9, 0))  # 1/PBS, not printed below
    request = desk_request(world, when=vn(2025, 3, 10, 10, 0))
    refused = refusal(world, when=vn(2025, 3, 10, 11, 0))
    apologised = apology(world)
    for record in (*SupplementRequest.objects.order_by("requested_at", "pk"), refused, apologised):
        form_numbers.issue_form_number(record)

    assert "Số: 2/PBS" in printed("02", request.dossier)
    assert "Số: 1/PTC" in printed("03", refused)
    text = printed("04", apologised.dossier)
    assert "Số: 1/PXL" in text and f"Số: {apologised.dossier_id}/PXL" not in text.replace("Số: 1/PXL", "")


@pytest.mark.django_db
def test_a_form_issued_before_numbering_prints_a_blank_to_fill_in(world):
    request = desk_request(world, when=vn(2025, 3, 10, 9, 0))
    FormNumber.objects.all().delete()  # as if issued before numbers existed
    assert "Số: ......./PBS" in printed("02", request.dossier)


@pytest.mark.django_db
def test_a_failed_action_gives_its_number_back(world):
    request = desk_request(world, when=vn(2025, 3, 10, 9, 0))
    with pytest.raises(RuntimeError), transaction.atomic():
        form_numbers.issue_form_number(request)
        raise RuntimeError("the action failed after numbering")
    assert str(form_numbers.issue_form_number(request)) == "1/PBS"


@pytest.mark.django_db
def test_the_services_number_forms_when_they_are_issued(world):
    request = desk_request(world, when=vn(2025, 3, 10, 9, 0))
    refused = refusal(world, when=vn(2025, 3, 10, 10, 0))
    apologised = apology(world)
    assert [str(form_numbers.form_number_of(r)) for r in (request, refused, apologised)] == [
        "1/PBS", "1/PTC", "1/PXL"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_eight_concurrent_issues_get_one_to_eight_without_gaps_or_duplicates(world):
    requests = [desk_request(world, when=vn(2025, 3, 10, 9, 0)) for _ in range(8)]

    def issue(i, request):
        with transaction.atomic():
            return form_numbers.issue_form_number(request).number

    # No counter row yet: the eight race to create it.
    numbers = values(race(8, issue, prepare=lambda i: SupplementRequest.objects.get(pk=requests[i].pk)))
    assert sorted(numbers) == list(range(1, 9))
    assert FormNumberCounter.objects.get(agency=world.desk, year=2025, kind=FormNumberKind.SUPPLEMENT).last == 8
    assert sorted(FormNumber.objects.values_list("number", flat=True)) == list(range(1, 9))
