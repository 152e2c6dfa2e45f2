"""The public catalog: diacritic-insensitive search, filters, pagination, detail page."""

import pytest
from django.urls import reverse

from procedures.models import OnlineLevel, Procedure, ProcedureLevel
from procedures.text import fold
from tests.factories import AgencyFactory, FieldFactory, ProcedureFactory, RequiredDocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def birth_registration():
    hotich = FieldFactory(code="HOTICH", name="Hộ tịch")
    procedure = ProcedureFactory(national_code="1.001193", name="Đăng ký khai sinh", field=hotich)
    ProcedureFactory(national_code="1.000894", name="Đăng ký kết hôn", field=hotich)
    ProcedureFactory(national_code="1.004222", name="Đăng ký thường trú", level=ProcedureLevel.PROVINCE)
    return procedure


def test_fold_removes_diacritics_case_and_extra_spaces():
    assert fold("  ĐĂNG KÝ   Khai Sinh ") == "dang ky khai sinh"
    assert fold("Chứng thực bản sao") == "chung thuc ban sao"


@pytest.mark.parametrize(
    "query", ["dang ky khai sinh", "ĐĂNG KÝ KHAI SINH", "khai sinh", "Khai  sinh", "1.001193"]
)
def test_search_finds_birth_registration_with_or_without_diacritics(client, birth_registration, query):
    response = client.get(reverse("procedures:list"), {"q": query})
    assert response.status_code == 200
    page = response.context["page"]
    assert [p.national_code for p in page.object_list] == ["1.001193"]
    assert "Đăng ký khai sinh" in response.content.decode()


def test_search_with_no_match_says_so(client, birth_registration):
    response = client.get(reverse("procedures:list"), {"q": "xyz không có"})
    assert response.context["page"].paginator.count == 0
    assert "Không tìm thấy thủ tục phù hợp" in response.content.decode()


def test_filters_by_field_level_and_online_level(client, birth_registration):
    ProcedureFactory(
        name="Đăng ký một phần", online_level=OnlineLevel.PARTIAL, field=birth_registration.field
    )
    url = reverse("procedures:list")
    by_field = client.get(url, {"field": birth_registration.field_id}).context["page"].object_list
    assert {p.field_id for p in by_field} == {birth_registration.field_id} and len(by_field) == 3
    by_level = client.get(url, {"level": "province"}).context["page"].object_list
    assert [p.national_code for p in by_level] == ["1.004222"]
    partial = client.get(url, {"online_level": "partial"}).context["page"].object_list
    assert [p.name for p in partial] == ["Đăng ký một phần"]


def test_bad_filter_values_do_not_break_the_page(client, birth_registration):
    response = client.get(reverse("procedures:list"), {"field": "abc", "level": "nope", "page": "999"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_list_paginates_with_a_bounded_number_of_queries(client, django_assert_max_num_queries, settings):
    settings.ONECUA = {**settings.ONECUA, "CATALOG_PAGE_SIZE": 10}
    field = FieldFactory()
    for i in range(25):
        ProcedureFactory(name=f"Thủ tục {i:02d}", field=field)
    with django_assert_max_num_queries(5):
        first = client.get(reverse("procedures:list"))
    assert len(first.context["page"].object_list) == 10
    third = client.get(reverse("procedures:list"), {"page": 3})
    assert len(third.context["page"].object_list) == 5
    assert "Trang 3/3" in third.content.decode()


def test_htmx_search_returns_only_the_results_fragment(client, birth_registration):
    response = client.get(reverse("procedures:list"), {"q": "khai sinh"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and "Đăng ký khai sinh" in body


def test_detail_page_shows_requirements_fees_deadline_and_where_to_submit(client, birth_registration):
    birth_registration.cutoff_time = None
    birth_registration.save()
    RequiredDocumentFactory(procedure=birth_registration, name="Giấy chứng sinh", position=1)
    birth_registration.fees.create(description="Lệ phí đăng ký khai sinh đúng hạn", amount=0)
    desk = AgencyFactory(name="Trung tâm Phục vụ hành chính công phường Long An", identifier="H61.22.10")
    birth_registration.agencies.add(desk)
    response = client.get(reverse("procedures:detail", args=["1.001193"]))
    body = response.content.decode()
    assert response.status_code == 200
    for text in ("Giấy chứng sinh", "Lệ phí đăng ký khai sinh đúng hạn", "3 ngày làm việc", "phường Long An"):
        assert text in body


def test_detail_page_costs_a_bounded_number_of_queries(client, birth_registration, django_assert_max_num_queries):
    """The procedure, its documents, fees and desks, and the usual processing time read from the statistics
    summary (reports.processing; tests/reports/test_processing.py has the figures), never from the dossiers."""
    RequiredDocumentFactory(procedure=birth_registration, name="Giấy chứng sinh", position=1)
    birth_registration.agencies.add(AgencyFactory())
    with django_assert_max_num_queries(6):
        body = client.get(reverse("procedures:detail", args=["1.001193"])).content.decode()
    assert "Giấy chứng sinh" in body
    assert 'id="processing-reality"' not in body  # nothing resolved yet


def test_unknown_or_inactive_procedure_is_404(client, birth_registration):
    assert client.get(reverse("procedures:detail", args=["9.999999"])).status_code == 404
    Procedure.objects.filter(pk=birth_registration.pk).update(is_active=False)
    assert client.get(reverse("procedures:detail", args=["1.001193"])).status_code == 404
