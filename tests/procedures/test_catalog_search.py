"""The catalog's order: relevance to the query first, then Vietnamese alphabetical order (a ă â b c d đ e ê …,
tones ngang < huyền < hỏi < ngã < sắc < nặng), kept up to date whichever way a name is written."""

import importlib
import io
import json
import random
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Concat
from django.urls import reverse

from procedures.catalog_io import read_catalog_file
from procedures.models import Procedure
from procedures.selectors import catalog_fields, catalog_search
from procedures.services import catalog_import
from tests.factories import FieldFactory, ProcedureFactory

pytestmark = pytest.mark.django_db

DEMO_ORDER = [
    "Cấp bản sao từ sổ gốc",
    "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
    "Cấp Giấy xác nhận tình trạng hôn nhân",
    "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền của Việt Nam cấp hoặc chứng nhận",
    "Đăng ký kết hôn",
    "Đăng ký khai sinh",
    "Đăng ký khai tử",
    "Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên",
    "Đăng ký thành lập hộ kinh doanh",
    "Đăng ký thường trú",
    "Liên thông các thủ tục hành chính về đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em "
    "dưới 6 tuổi",
]


def names(queryset) -> list[str]:
    return [p.name for p in queryset]


def create(*names_in_any_order: str, **kwargs) -> list[Procedure]:
    shuffled = list(names_in_any_order)
    random.Random(7).shuffle(shuffled)
    return [ProcedureFactory(name=name, **kwargs) for name in shuffled]


@pytest.fixture
def demo_catalog():
    call_command("load_demo", stdout=io.StringIO())


# The demo catalog


@pytest.mark.parametrize("query", ["khai sinh", "dang ky khai sinh", "ĐĂNG KÝ KHAI SINH", "Đăng ký khai sinh"])
def test_birth_registration_comes_first_in_the_demo_catalog(demo_catalog, query):
    results = names(catalog_search(query=query))
    assert results[0] == "Đăng ký khai sinh"
    assert results[1].startswith("Liên thông")


def test_the_demo_catalog_without_a_query_is_in_vietnamese_order(demo_catalog, client):
    assert names(catalog_search()) == DEMO_ORDER
    page = client.get(reverse("procedures:list")).context["page"]
    assert names(page.object_list) == DEMO_ORDER[:20]


def test_the_page_lists_birth_registration_first(demo_catalog, client):
    response = client.get(reverse("procedures:list"), {"q": "khai sinh"})
    assert names(response.context["page"].object_list)[0] == "Đăng ký khai sinh"


# Vietnamese alphabetical order


def test_letters_follow_the_vietnamese_alphabet():
    words = ["An", "Ăn", "Ấn", "Ba", "Ca", "Da", "Đa", "En", "Ên", "Ga", "Ha", "In", "Ka", "La", "Ma", "Na", "On",
             "Ôn", "Ơn", "Pa", "Qua", "Ra", "Sa", "Ta", "Un", "Ưa", "Va", "Xa", "Yên"]
    create(*words)
    assert names(catalog_search()) == words


def test_tones_come_after_the_base_letters_in_dictionary_order():
    create("Ca", "Cà", "Cả", "Cã", "Cá", "Cạ", "Cai", "Các")
    assert names(catalog_search()) == ["Ca", "Cà", "Cả", "Cã", "Cá", "Cạ", "Các", "Cai"]


def test_words_are_compared_one_after_another():
    # Every "Cấp …" before "Cập nhật …"; a shorter word before a longer one; case does not count.
    create("Cập nhật thông tin", "cấp lại giấy phép", "Cấp xã", "Cấp bản sao", "Ca sĩ", "Cai nghiện", "Cà phê")
    assert names(catalog_search()) == [
        "Ca sĩ", "Cà phê", "Cai nghiện", "Cấp bản sao", "cấp lại giấy phép", "Cấp xã", "Cập nhật thông tin",
    ]


def test_c_ch_d_dd_l_order_without_a_query():
    create("Liên thông khai sinh", "Đăng ký kết hôn", "Chứng thực chữ ký", "Cấp bản sao", "Dân số", "Cư trú")
    assert names(catalog_search()) == [
        "Cấp bản sao", "Chứng thực chữ ký", "Cư trú", "Dân số", "Đăng ký kết hôn", "Liên thông khai sinh",
    ]


def test_numbers_compare_by_value_and_old_and_new_tone_placement_are_equal():
    create("Hạng A2", "Hạng A10", "Hạng A1", "Hạng B")
    assert names(catalog_search()) == ["Hạng A1", "Hạng A2", "Hạng A10", "Hạng B"]
    from procedures.text import sort_key

    assert sort_key("Thủy lợi") == sort_key("Thuỷ lợi") == sort_key("THỦY LỢI")
    assert sort_key("Đăng   ký, (khai sinh)") == sort_key("đăng ký khai sinh")
    key = sort_key("Đăng ký khai sinh có yếu tố nước ngoài 2026 – Ф ß")
    assert key.isdigit() and key.isascii()
    assert len(sort_key("Ấp " * 500)) <= Procedure._meta.get_field("sort_key").max_length


def test_the_fields_list_is_in_vietnamese_order(client):
    for code, name in [("XD", "Xây dựng"), ("HT", "Hộ tịch"), ("DD", "Đất đai"), ("CT", "Chứng thực"),
                       ("CU", "Cư trú"), ("DK", "Đăng ký biện pháp bảo đảm"), ("AN", "An toàn thực phẩm")]:
        ProcedureFactory(field=FieldFactory(code=code, name=name))
    ProcedureFactory(field=FieldFactory(code="OLD", name="Ấn định cũ"), is_active=False)
    expected = ["An toàn thực phẩm", "Chứng thực", "Cư trú", "Đăng ký biện pháp bảo đảm", "Đất đai", "Hộ tịch",
                "Xây dựng"]
    assert [f.name for f in catalog_fields()] == expected
    body = client.get(reverse("home")).content.decode()
    assert [body.index(f">{name}<") for name in expected] == sorted(body.index(f">{name}<") for name in expected)


# Relevance


def test_relevance_comes_before_the_alphabet():
    create(
        "Xác nhận khai sinh",  # the phrase
        "Khai sinh",  # the name itself
        "Khai sinh cho trẻ em",  # starts with it
        "Cấp bản sao trích lục khai sinh",  # the phrase
        "Sinh hoạt khai báo",  # both words, not as a phrase
        "Ấp khai thác sinh vật",  # both words, not as a phrase
        "Đăng ký kết hôn",  # no match
    )
    assert names(catalog_search(query="KHAI SINH")) == [
        "Khai sinh",
        "Khai sinh cho trẻ em",
        "Cấp bản sao trích lục khai sinh",
        "Xác nhận khai sinh",
        "Ấp khai thác sinh vật",
        "Sinh hoạt khai báo",
    ]


def test_the_code_searched_for_comes_first():
    ProcedureFactory(national_code="1.000002", name="Cấp bản sao theo mã 1.000001")
    ProcedureFactory(national_code="1.000001", name="Đăng ký khai sinh")
    assert [p.national_code for p in catalog_search(query="1.000001")] == ["1.000001", "1.000002"]


def test_filters_keep_the_order():
    field = FieldFactory()
    create("Đăng ký khai sinh lưu động", "Cấp trích lục khai sinh", "Khai sinh", field=field)
    ProcedureFactory(name="Khai sinh ở lĩnh vực khác")
    assert names(catalog_search(query="khai sinh", field_id=field.pk)) == [
        "Khai sinh", "Cấp trích lục khai sinh", "Đăng ký khai sinh lưu động",
    ]


def test_the_list_page_searches_in_order_with_a_bounded_number_of_queries(
    client, django_assert_max_num_queries, settings
):
    settings.ONECUA = {**settings.ONECUA, "CATALOG_PAGE_SIZE": 10}
    field = FieldFactory()
    for i in range(30):
        ProcedureFactory(name=f"Liên thông khai sinh số {i}", field=field)
    ProcedureFactory(name="Đăng ký khai sinh", field=field)
    ProcedureFactory(name="Cấp bản sao trích lục", field=field)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("procedures:list"), {"q": "dang ky khai sinh"})
    assert names(response.context["page"].object_list) == ["Đăng ký khai sinh"]
    with django_assert_max_num_queries(5):
        response = client.get(reverse("procedures:list"), {"q": "khai sinh", "page": 1})
    listed = names(response.context["page"].object_list)
    assert listed[:3] == ["Đăng ký khai sinh", "Liên thông khai sinh số 0", "Liên thông khai sinh số 1"]
    assert listed[3] == "Liên thông khai sinh số 2"  # 2 < 10 < 11
    with django_assert_max_num_queries(5):
        response = client.get(reverse("procedures:list"), {"q": "khai sinh", "page": 4})
    assert names(response.context["page"].object_list) == ["Liên thông khai sinh số 29"]


# The sort key follows the name, whichever way it is written


def test_renaming_in_the_admin_moves_the_procedure(admin_client):
    create("Đăng ký kết hôn", "Liên thông khai sinh")
    procedure = ProcedureFactory(name="Zô lô")
    data = {
        "national_code": procedure.national_code,
        "name": "Cấp bản sao trích lục",
        "field": procedure.field_id,
        "level": procedure.level,
        "online_level": procedure.online_level,
        "deadline_amount": "3",
        "deadline_unit": "working_days",
        "result_type": "paper",
        "is_active": "on",
        "documents-TOTAL_FORMS": "0",
        "documents-INITIAL_FORMS": "0",
        "fees-TOTAL_FORMS": "0",
        "fees-INITIAL_FORMS": "0",
        "process_steps-TOTAL_FORMS": "0",
        "process_steps-INITIAL_FORMS": "0",
    }
    response = admin_client.post(reverse("admin:procedures_procedure_change", args=[procedure.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert names(catalog_search()) == ["Cấp bản sao trích lục", "Đăng ký kết hôn", "Liên thông khai sinh"]


def test_renaming_by_import_moves_the_procedure(tmp_path):
    create("Đăng ký kết hôn", "Liên thông khai sinh")
    procedure = ProcedureFactory(name="Zô lô")
    row = {"national_code": procedure.national_code, "name": "Cấp bản sao trích lục",
           "field_code": procedure.field.code, "level": "commune", "deadline_unit": "working_days",
           "deadline_amount": "3"}
    new = {**row, "national_code": "2.000001", "name": "Ấp chiến lược"}
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps([row, new], ensure_ascii=False), encoding="utf-8")
    report = catalog_import(rows=read_catalog_file(path))
    assert (report.created, report.updated, report.rejected) == (1, 1, [])
    assert names(catalog_search()) == [
        "Ấp chiến lược", "Cấp bản sao trích lục", "Đăng ký kết hôn", "Liên thông khai sinh",
    ]


def test_bulk_writes_keep_the_sort_key():
    create("Đăng ký kết hôn", "Liên thông khai sinh")
    first, second, third = ProcedureFactory(name="Zô 1"), ProcedureFactory(name="Zô 2"), ProcedureFactory(name="Zô 3")

    Procedure.objects.filter(pk=first.pk).update(name="Ấp một")
    second.name = "Cấp hai"
    second.save(update_fields=["name"])
    third.name = "Dân ba"
    Procedure.objects.bulk_update([third], ["name"])
    Procedure.objects.bulk_create([Procedure(national_code="3.000001", name="Bản mới", field=first.field,
                                             level="commune", deadline_unit="working_days", deadline_amount=1)])
    assert names(catalog_search()) == [
        "Ấp một", "Bản mới", "Cấp hai", "Dân ba", "Đăng ký kết hôn", "Liên thông khai sinh",
    ]
    assert names(catalog_search(query="cap hai")) == ["Cấp hai"]

    Procedure.objects.filter(pk__in=[first.pk, second.pk]).update(name=Concat(Value("Yên "), "name"))
    assert names(catalog_search())[-2:] == ["Yên Ấp một", "Yên Cấp hai"]
    assert names(catalog_search(query="yen ap mot")) == ["Yên Ấp một"]


def test_the_migration_fills_the_sort_key_of_existing_procedures():
    create("Liên thông khai sinh", "Đăng ký kết hôn", "Cấp bản sao")
    Procedure.objects.update(sort_key="", search_text="")
    migration = importlib.import_module("procedures.migrations.0003_catalog_search_order")
    migration.fill_search_columns(apps, SimpleNamespace(connection=connection))
    assert names(catalog_search()) == ["Cấp bản sao", "Đăng ký kết hôn", "Liên thông khai sinh"]
    assert names(catalog_search(query="dang ky")) == ["Đăng ký kết hôn"]
