"""The date fields every period filter is built on: dd/mm/yyyy, within a sane range, end not before start."""

from datetime import date

import pytest
from django import forms
from django.utils import translation

from procedures.forms import DateRangeForm, VNDateField


@pytest.mark.parametrize("end", ["31/12/9999", "9999-12-31", "01/01/2101"])
def test_a_period_ending_beyond_2100_is_refused_with_a_message(end):
    form = DateRangeForm({"start": "01/01/2025", "end": end})
    assert not form.is_valid()
    assert form.errors["end"] == ["Hãy nhập một ngày từ 01/01/2000 đến 31/12/2100."]


@pytest.mark.parametrize("start", ["01/01/0001", "0001-01-01", "31/12/1999"])
def test_a_period_starting_before_2000_is_refused(start):
    form = DateRangeForm({"start": start, "end": "31/12/2025"})
    assert not form.is_valid() and "start" in form.errors


def test_the_bounds_themselves_are_accepted():
    form = DateRangeForm({"start": "01/01/2000", "end": "31/12/2100"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"start": date(2000, 1, 1), "end": date(2100, 12, 31)}


def test_a_field_may_set_its_own_bounds():
    field = VNDateField(min_date=date(2025, 1, 1), max_date=date(2025, 12, 31))
    assert field.clean("15/06/2025") == date(2025, 6, 15)
    with pytest.raises(forms.ValidationError, match="01/01/2025 đến 31/12/2025"):
        field.clean("01/01/2026")


def test_the_message_is_translated():
    with translation.override("en"):
        form = DateRangeForm({"start": "01/01/2025", "end": "31/12/9999"})
        assert not form.is_valid()
        assert form.errors["end"] == ["Enter a date from 01/01/2000 to 31/12/2100."]
