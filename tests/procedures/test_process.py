"""A procedure's internal process (procedures/process.py): the admin inline's validation — the steps share exactly
the legal deadline in working hours (1 working day = 8 h), each step's agency is coherent with its kind."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory

from procedures.admin import ProcessStepFormSet, ProcessStepInline
from procedures.models import DeadlineUnit, Procedure
from procedures.process import ProcessStep, StepAgency, check_process, deadline_hours
from tests.factories import AgencyFactory, ProcedureFactory

pytestmark = pytest.mark.django_db
FormSet = inlineformset_factory(Procedure, ProcessStep, formset=ProcessStepFormSet, fields=ProcessStepInline.fields,
                                extra=0)


def post(steps: list[tuple]) -> dict:
    data = {"process_steps-TOTAL_FORMS": str(len(steps)), "process_steps-INITIAL_FORMS": "0"}
    for i, (order, name, role, kind, hours) in enumerate(steps):
        data.update({f"process_steps-{i}-order": str(order), f"process_steps-{i}-name": name,
                     f"process_steps-{i}-role": role, f"process_steps-{i}-agency_kind": kind,
                     f"process_steps-{i}-hours": hours})
    return data


FOUR = [(1, "Tiếp nhận", "clerk", "receiving", "4"), (2, "Thẩm định", "officer", "competent", "12"),
        (3, "Ký duyệt", "leader", "competent", "4"), (4, "Trả kết quả", "clerk", "receiving", "4")]


def test_working_days_convert_at_eight_hours_a_day():
    assert deadline_hours(Procedure(deadline_amount=Decimal("3"), deadline_unit=DeadlineUnit.WORKING_DAYS)) == 24
    assert deadline_hours(Procedure(deadline_amount=Decimal("6"), deadline_unit=DeadlineUnit.WORKING_HOURS)) == 6
    assert deadline_hours(Procedure(deadline_amount=Decimal("15"), deadline_unit=DeadlineUnit.CALENDAR_DAYS)) is None


def test_steps_sharing_the_deadline_exactly_are_saved():
    procedure = ProcedureFactory()  # 3 working days
    formset = FormSet(post(FOUR), instance=procedure)
    assert formset.is_valid(), formset.non_form_errors()
    formset.save()
    assert list(procedure.process_steps.values_list("order", "hours")) == [(1, 4), (2, 12), (3, 4), (4, 4)]


def test_steps_not_adding_up_to_the_deadline_are_refused_with_both_figures_and_nothing_is_saved():
    procedure = ProcedureFactory()
    formset = FormSet(post([*FOUR[:3], (4, "Trả kết quả", "clerk", "receiving", "3")]), instance=procedure)
    assert not formset.is_valid()
    message = " ".join(formset.non_form_errors())
    assert "23 giờ" in message and "24 giờ" in message and "1 ngày làm việc = 8 giờ" in message
    assert not ProcessStep.objects.exists()


def test_two_steps_with_one_number_are_refused():
    procedure = ProcedureFactory()
    formset = FormSet(post([FOUR[0], (1, "Thẩm định", "officer", "competent", "20")]), instance=procedure)
    assert not formset.is_valid() and "trùng lặp" in " ".join(formset.non_form_errors())
    assert not ProcessStep.objects.exists()


def test_a_calendar_days_deadline_takes_no_process():
    procedure = ProcedureFactory(deadline_unit=DeadlineUnit.CALENDAR_DAYS, deadline_amount=Decimal("3"))
    with pytest.raises(ValidationError, match="giờ hoặc ngày làm việc"):
        check_process(procedure, [ProcessStep(hours=Decimal("24"))])


def test_a_named_agency_step_needs_its_agency_and_only_it_may_have_one():
    agency = AgencyFactory()
    with pytest.raises(ValidationError) as missing:
        ProcessStep(agency_kind=StepAgency.NAMED, agency=None).clean()
    assert "agency" in missing.value.message_dict
    with pytest.raises(ValidationError):
        ProcessStep(agency_kind=StepAgency.COMPETENT, agency=agency).clean()
    ProcessStep(agency_kind=StepAgency.NAMED, agency=agency).clean()


def test_the_procedure_admin_page_edits_the_process(admin_client):
    from django.urls import reverse

    procedure = ProcedureFactory()  # 3 working days
    url = reverse("admin:procedures_procedure_change", args=[procedure.pk])
    assert 'name="process_steps-TOTAL_FORMS"' in admin_client.get(url).content.decode()
    data = {"national_code": procedure.national_code, "name": procedure.name, "field": procedure.field_id, "level": procedure.level,
            "online_level": procedure.online_level, "deadline_amount": "3", "deadline_unit": "working_days",
            "result_type": "paper", "is_active": "on", "documents-TOTAL_FORMS": "0", "documents-INITIAL_FORMS": "0",
            "fees-TOTAL_FORMS": "0", "fees-INITIAL_FORMS": "0"}
    short = admin_client.post(url, {**data, **post([*FOUR[:3], (4, "Trả kết quả", "clerk", "receiving", "3")])})
    assert short.status_code == 200 and "23 giờ" in short.content.decode()  # refused, the form shown again
    assert not ProcessStep.objects.exists()
    saved = admin_client.post(url, {**data, **post(FOUR)})
    assert saved.status_code == 302
    assert list(procedure.process_steps.values_list("order", flat=True)) == [1, 2, 3, 4]
