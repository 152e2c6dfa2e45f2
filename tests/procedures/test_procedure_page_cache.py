"""The procedure page's whole content is kept per process and language under the versions of everything in it
(procedures.views.procedure_detail): a warm page reads no row, and a change to the catalog, the figures or the
published answers — or a new day — shows on the next request."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports import processing
from tests.builders import at, vn
from tests.factories import RequiredDocumentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]
DETAIL = reverse("procedures:detail", args=["1.001193"])




def page(client, **headers) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(DETAIL, headers=headers)
    assert response.status_code == 200
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""',
                  response.content.decode())
    return html, [q["sql"] for q in queries]


def test_a_warm_page_reads_no_row_and_shows_the_same(client, birth):
    first, queries = page(client)
    assert queries  # the procedure, its documents…, the figures, the published answers
    second, queries = page(client)
    assert queries == [] and second == first
    assert second.count('name="csrfmiddlewaretoken"') == 1  # the language switch's: nothing of a visitor is kept
    assert "<title>Đăng ký khai sinh – Một Cửa</title>" in second
    for text in ("Giấy chứng sinh", "Hộ tịch", "phường Long An", "Chưa có phản ánh, kiến nghị nào được công khai."):
        assert text in second


def test_a_catalog_change_shows_at_once_in_the_title_and_the_content(client, birth):
    page(client)
    birth.name = "Đăng ký khai sinh (mới)"
    birth.save()
    html, _ = page(client)
    assert "<title>Đăng ký khai sinh (mới) – Một Cửa</title>" in html and "<h1>Đăng ký khai sinh (mới)</h1>" in html
    RequiredDocumentFactory(procedure=birth, name="Tờ khai đăng ký khai sinh", position=2)
    assert "Tờ khai đăng ký khai sinh" in page(client)[0]


def test_new_figures_and_a_new_day_put_the_content_together_again(client, birth):
    with at(vn(2025, 4, 15, 10)):
        page(client)
        assert page(client)[1] == []
        processing.processing_changed([birth.pk])  # a dossier of this procedure resolved: its figures move
        assert page(client)[1]  # the summary read again
        assert page(client)[1] == []
    with at(vn(2025, 4, 16, 8)):  # the figures are the last 12 months': another day, another content
        assert page(client)[1]
        assert page(client)[1] == []


def test_each_language_has_its_own_content(client, birth):
    vietnamese, _ = page(client, **{"Accept-Language": "vi"})
    english, _ = page(client, **{"Accept-Language": "en"})
    assert "Mã thủ tục" in vietnamese and "Procedure code" not in vietnamese
    assert "Procedure code" in english and "Mã thủ tục" not in english
    assert page(client, **{"Accept-Language": "en"})[0] == english
    assert page(client, **{"Accept-Language": "vi"})[0] == vietnamese
