"""Shared by the catalog cache tests: an emptied cache around each test, and the birth-registration procedure."""

import pytest
from django.core.cache import cache

from tests.factories import AgencyFactory, FieldFactory, ProcedureFactory, RequiredDocumentFactory


@pytest.fixture
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def birth():
    procedure = ProcedureFactory(national_code="1.001193", name="Đăng ký khai sinh",
                                 field=FieldFactory(code="HOTICH", name="Hộ tịch"))
    RequiredDocumentFactory(procedure=procedure, name="Giấy chứng sinh", position=1)
    procedure.agencies.add(AgencyFactory(name="Trung tâm Phục vụ hành chính công phường Long An"))
    return procedure
