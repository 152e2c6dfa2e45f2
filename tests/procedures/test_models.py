"""Catalog invariants: identifiers, deadlines, working windows."""

from datetime import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from procedures.models import Agency, DeadlineUnit
from tests.factories import AgencyFactory, ProcedureFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("identifier", ["H61", "H61.22.10", "A01.1.ABC", "Y99.0"])
def test_valid_agency_identifiers(identifier):
    Agency(name="X", identifier=identifier).full_clean()


@pytest.mark.parametrize("identifier", ["h61", "Z61", "H6", "H61..2", "H61-22", "H61." + "1" * 40, "61"])
def test_invalid_agency_identifier_gets_a_vietnamese_message(identifier):
    with pytest.raises(ValidationError) as exc:
        Agency(name="X", identifier=identifier).full_clean()
    assert "Mã định danh" in str(exc.value.message_dict["identifier"])


def test_agency_windows_must_be_ordered():
    agency = Agency(name="X", identifier="H61.9", morning_open=time(11), morning_close=time(7))
    with pytest.raises(ValidationError) as exc:
        agency.full_clean()
    assert "Giờ làm việc phải theo thứ tự" in str(exc.value)


def test_agency_cannot_be_its_own_ancestor():
    root = AgencyFactory(identifier="H61")
    child = AgencyFactory(identifier="H61.5", parent=root)
    root.parent = child
    with pytest.raises(ValidationError):
        root.full_clean()
    assert Agency.objects.get(pk=child.pk).province() == Agency.objects.get(pk=root.pk)


def test_same_day_deadline_must_have_zero_amount_in_the_database():
    procedure = ProcedureFactory.build(deadline_unit=DeadlineUnit.SAME_DAY, deadline_amount=Decimal("2"))
    with pytest.raises(ValidationError):
        procedure.full_clean(exclude=["field"])
    procedure.field.save()
    procedure.field_id = procedure.field.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        procedure.save()


def test_invalid_procedure_code_is_refused():
    procedure = ProcedureFactory.build(national_code="1.00119")
    with pytest.raises(ValidationError) as exc:
        procedure.full_clean(exclude=["field"])
    assert "Mã thủ tục" in str(exc.value)
