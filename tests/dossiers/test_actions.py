"""The action registry is complete and consistent: every name has one entry, and what an entry names exists."""

from pathlib import Path

from django.conf import settings

from dossiers import services
from dossiers.actions import _ENTRIES, ACTIONS, STAFF_ACTIONS, ActionName
from dossiers.form_numbers import FORM_TITLES
from dossiers.permissions import RULES
from workspace import forms


def test_every_action_name_has_exactly_one_entry():
    names = [entry.name for entry in _ENTRIES]
    assert sorted(names) == sorted(ActionName), "an action without an entry, or an entry twice"
    assert len(set(names)) == len(names)


def test_what_an_entry_names_exists():
    for name, action in ACTIONS.items():
        assert callable(getattr(services, action.service, None)), f"{name}: no service {action.service}"
        for transition in action.transitions:
            assert callable(getattr(services.Dossier, transition, None)), f"{name}: no transition {transition}"
        if action.prints:
            assert action.prints in FORM_TITLES, f"{name}: prints an unknown form {action.prints}"
        if action.message:
            template = Path(settings.BASE_DIR, "templates", "notifications", "messages", f"{action.message}.txt")
            assert template.exists(), f"{name}: no message template {template.name}"
        if action.button:
            form = getattr(forms, action.form, None)
            assert form is not None and issubclass(form, forms.ActionForm), f"{name}: no staff form {action.form}"
        assert action.records_only or action.transitions or action.rule is None, f"{name}: nothing to run"


def test_the_derived_tables_follow_the_registry():
    assert set(STAFF_ACTIONS) == {name for name, action in ACTIONS.items() if action.button}
    assert {name for name, action in ACTIONS.items() if action.rule is not None} <= set(RULES)
    assert "claim" not in STAFF_ACTIONS and "submit" not in STAFF_ACTIONS  # the applicant's own
