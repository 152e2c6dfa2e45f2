"""Cached catalog pages (issue 22): the home page, the search list and the procedure page keep their catalog parts
in the cache under the catalog's version (procedures.signals), which any change to the catalog replaces — so a
change shows on the next request, and a page served from the cache skips the catalog's queries."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from procedures.models import Procedure, ProcedureFee
from procedures.signals import CATALOG_VERSION_KEY, catalog_version
from tests.factories import AgencyFactory, FieldFactory, ProcedureFactory, RequiredDocumentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]




DETAIL = reverse("procedures:detail", args=["1.001193"])
LIST = reverse("procedures:list")


def page(client, url: str, params=None) -> str:
    response = client.get(url, params or {})
    assert response.status_code == 200
    return response.content.decode()


def test_a_second_request_is_served_from_the_cache_without_the_catalog_queries(
        client, birth, django_assert_num_queries, django_assert_max_num_queries):
    first = page(client, DETAIL)
    # A hit: only the figures and the published answers around the cached parts (the row's id and name are kept).
    with django_assert_max_num_queries(2):
        second = page(client, DETAIL)
    for text in ("Giấy chứng sinh", "Hộ tịch", "phường Long An"):
        assert text in first and text in second
    page(client, LIST, {"q": "khai sinh"})
    with django_assert_num_queries(0):  # the form, its field list, the count and the page: all cached
        assert "Đăng ký khai sinh" in page(client, LIST, {"q": "khai sinh"})
    page(client, "/")
    with django_assert_num_queries(0):
        assert "Hộ tịch" in page(client, "/")


def test_renaming_a_procedure_shows_on_every_catalog_page_at_once(client, birth):
    for url, params in ((DETAIL, None), (LIST, {"q": "khai sinh"}), (LIST, None)):
        assert "Đăng ký khai sinh" in page(client, url, params)
    birth.name = "Đăng ký khai sinh (mới)"
    birth.save()
    assert "Đăng ký khai sinh (mới)" in page(client, DETAIL)
    assert "Đăng ký khai sinh (mới)" in page(client, LIST, {"q": "khai sinh"})
    assert "Đăng ký khai sinh (mới)" in page(client, LIST)


def test_documents_fees_and_desks_changes_show_on_the_procedure_page(client, birth):
    body = page(client, DETAIL)
    assert "Tờ khai đăng ký khai sinh" not in body and "Không thu phí, lệ phí." in body
    RequiredDocumentFactory(procedure=birth, name="Tờ khai đăng ký khai sinh", position=2)
    assert "Tờ khai đăng ký khai sinh" in page(client, DETAIL)
    fee = ProcedureFee.objects.create(procedure=birth, description="Lệ phí đăng ký khai sinh quá hạn", amount=5000)
    assert "Lệ phí đăng ký khai sinh quá hạn" in page(client, DETAIL)
    fee.delete()
    assert "Lệ phí đăng ký khai sinh quá hạn" not in page(client, DETAIL)
    desk = birth.agencies.get()
    desk.address = "Số 9 đường Hùng Vương"
    desk.save()
    assert "Số 9 đường Hùng Vương" in page(client, DETAIL)
    birth.agencies.add(AgencyFactory(name="Trung tâm Phục vụ hành chính công xã Cần Giuộc"))
    assert "xã Cần Giuộc" in page(client, DETAIL)


def test_a_new_field_shows_on_the_home_page_and_a_withdrawn_procedure_leaves(client, birth):
    assert "Đất đai" not in page(client, "/")
    ProcedureFactory(national_code="1.000001", name="Đăng ký đất đai lần đầu",
                     field=FieldFactory(code="DATDAI", name="Đất đai"))
    assert "Đất đai" in page(client, "/")
    Procedure.objects.get(national_code="1.001193").delete()
    assert client.get(DETAIL).status_code == 404
    assert client.get(reverse("procedures:detail", args=["9.999999"])).status_code == 404
    assert "Đăng ký khai sinh" not in page(client, LIST)


def test_the_version_changes_with_the_catalog_and_survives_an_emptied_cache(client, birth):
    before = catalog_version()
    assert catalog_version() == before  # stable while nothing changes
    birth.name = "Đăng ký khai sinh lần hai"
    birth.save()
    assert catalog_version() != before
    page(client, DETAIL)
    cache.delete(CATALOG_VERSION_KEY)  # evicted, or Redis restarted: a new version, so nothing old is served
    Procedure.objects.filter(pk=birth.pk).update(name="Đổi thẳng trong cơ sở dữ liệu")
    assert "Đổi thẳng trong cơ sở dữ liệu" in page(client, DETAIL)


def test_each_query_and_page_is_cached_apart(client, settings):
    settings.ONECUA = {**settings.ONECUA, "CATALOG_PAGE_SIZE": 2}
    field = FieldFactory(code="HOTICH", name="Hộ tịch")
    for i in range(5):
        ProcedureFactory(national_code=f"1.00000{i}", name=f"Đăng ký thủ tục số {i}", field=field)
    first, second = page(client, LIST, {"page": 1}), page(client, LIST, {"page": 2})
    assert "thủ tục số 0" in first and "thủ tục số 0" not in second and "thủ tục số 2" in second
    only = page(client, LIST, {"q": "số 4"})
    assert "thủ tục số 4" in only and "thủ tục số 3" not in only
    htmx = client.get(LIST, {"q": "số 3"}, headers={"HX-Request": "true"}).content.decode()
    assert "thủ tục số 3" in htmx and "<html" not in htmx


def test_an_import_that_changes_only_documents_and_fees_shows_at_once(client):
    """The import writes documents and fees in bulk (no signal): it replaces the catalog version itself."""
    from procedures.services import catalog_import
    from tests.procedures.test_catalog_io import row

    catalog_import(rows=[(2, row(documents=[{"name": "Tờ khai"}], fees=[{"description": "Lệ phí"}]))])
    url = reverse("procedures:detail", args=["1.000100"])
    assert "Bản sao giấy tờ tùy thân" not in page(client, url)  # now cached
    report = catalog_import(rows=[(2, row(documents=[{"name": "Tờ khai"}, {"name": "Bản sao giấy tờ tùy thân"}],
                                          fees=[{"description": "Lệ phí"}]))])
    assert report.rejected == []
    assert "Bản sao giấy tờ tùy thân" in page(client, url)
