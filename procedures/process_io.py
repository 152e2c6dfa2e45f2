"""The `process` key of catalog files (procedures/process.py): reading, validating, writing and exporting steps.

JSON: a list of objects with PROCESS_KEYS. CSV: one step per line of the cell,
``order | name | role | agency_kind | agency | hours | may_skip`` (the agency is a named agency's identifier,
empty otherwise). Validated with the admin's rules: roles and kinds from their choices, a named agency exactly
when the kind is "named", distinct orders and hours adding up to the deadline (check_process).
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from procedures.models import Agency
from procedures.process import ProcessStep, check_process

KEY = "process"
PROCESS_KEYS = ("order", "name", "role", "agency_kind", "agency", "hours", "may_skip")
FORM_KEYS = ("order", "name", "role", "agency_kind", "hours", "may_skip")


class ProcessStepImportForm(forms.ModelForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.all(), to_field_name="identifier", required=False)

    class Meta:
        model = ProcessStep
        fields = [*FORM_KEYS, "agency"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].error_messages["invalid_choice"] = _(
            "không có cơ quan mang mã định danh “%(value)s”."
        )
        self.fields["order"].error_messages.update(
            invalid=_("phải là số nguyên (1, 2, 3…)."), min_value=_("phải từ 0 trở lên.")
        )
        for name in ("role", "agency_kind"):
            values = ", ".join(str(value) for value, _label in self.fields[name].choices if value != "")
            self.fields[name].error_messages["invalid_choice"] = _(
                "“%%(value)s” không hợp lệ; dùng một trong các giá trị: %(values)s."
            ) % {"values": values}


def process_from_line(line: str) -> dict:
    """A CSV cell line as a step dict: the order is split off the left, the rest from the right."""
    order, _sep, rest = line.partition("|")
    parts = [part.strip() for part in rest.rsplit("|", len(PROCESS_KEYS) - 2)] if rest else []
    return dict(zip(PROCESS_KEYS, [order.strip(), *parts], strict=False))


def process_csv_cell(steps: list[dict]) -> str:
    return "\n".join(
        f"{s['order']} | {s['name']} | {s['role']} | {s['agency_kind']} | {s['agency'] or ''} | {s['hours']} | "
        f"{int(s['may_skip'])}"
        for s in steps
    )


def process_steps_by_procedure(procedure_ids: list[int]) -> dict[int, list[ProcessStep]]:
    """The steps of these procedures, in order, with their agencies (one query; none when no ids)."""
    by_procedure: dict[int, list[ProcessStep]] = {}
    if procedure_ids:
        steps = ProcessStep.objects.filter(procedure_id__in=procedure_ids).select_related("agency")
        for step in steps.order_by("procedure_id", "order"):
            by_procedure.setdefault(step.procedure_id, []).append(step)
    return by_procedure


def process_export(steps: list[ProcessStep]) -> list[dict]:
    return [
        {
            "order": s.order,
            "name": s.name,
            "role": s.role,
            "agency_kind": s.agency_kind,
            "agency": s.agency.identifier if s.agency_id else None,
            "hours": format(s.hours.normalize(), "f"),
            "may_skip": s.may_skip,
        }
        for s in steps
    ]


def checked_objects(items: list, *, item_label: str, keys, errors: list[str]):
    """Yields the items of an imported list that are objects holding only `keys`, each with its label
    (`item_label` with its number: "… thứ 3"); the messages of the others go to `errors` as they come, so they
    stay in the list's order among the caller's own. Shared by the catalog import's documents, fees and steps."""
    for number, item in enumerate(items, start=1):
        prefix = item_label % {"number": number}
        if not isinstance(item, dict):
            errors.append(_("%(item)s: phải là một đối tượng ({…}).") % {"item": prefix})
            continue
        unknown = [str(k) for k in item if k not in keys]
        if unknown:
            errors.append(
                _("%(item)s: không có trường “%(keys)s”.") % {"item": prefix, "keys": "”, “".join(unknown)}
            )
            continue
        yield prefix, item


def process_from_row(data: dict, procedure, *, scalar, form_messages, check_total: bool):
    """(steps as unsaved ProcessStep list or None when the key is absent, error messages)."""
    if KEY not in data:
        return None, []
    label = _("quy trình nội bộ")
    items = data[KEY]
    if items is None or (isinstance(items, str) and not items.strip()):
        return [], []
    if not isinstance(items, list):
        return None, [f"{label}: " + _("phải là một danh sách.")]
    steps, errors = [], []
    for prefix, item in checked_objects(items, item_label=_("bước quy trình thứ %(number)s"), keys=PROCESS_KEYS,
                                        errors=errors):
        step, step_errors = _step(item, scalar=scalar, form_messages=form_messages)
        errors += [f"{prefix}, {message}" for message in step_errors]
        if step is not None:
            steps.append(step)
    orders = [s.order for s in steps]
    duplicates = sorted({o for o in orders if orders.count(o) > 1})
    if duplicates:
        errors.append(
            f"{label}: "
            + _("thứ tự bước lặp lại: %(orders)s.") % {"orders": ", ".join(str(o) for o in duplicates)}
        )
    if not errors and check_total:
        errors += _total_errors(procedure, steps, label)
    return (None if errors else sorted(steps, key=lambda s: s.order)), errors


def _total_errors(procedure, steps, label) -> list[str]:
    if procedure.deadline_amount is None:
        return []
    try:
        check_process(procedure, steps)
    except ValidationError as e:
        return [f"{label}: {m[0].lower() + m[1:]}" for m in e.messages]
    return []


def existing_process_errors(procedure) -> list[str]:
    """A deadline changed by the row while the row leaves the process alone: the kept steps must still fit."""
    if procedure.pk is None or procedure.deadline_amount is None:
        return []
    return _total_errors(procedure, list(ProcessStep.objects.filter(procedure=procedure)), _("quy trình nội bộ"))


def _step(item: dict, *, scalar, form_messages) -> tuple[ProcessStep | None, list[str]]:
    values, errors = {}, []
    for name in FORM_KEYS:
        try:
            values[name] = scalar(ProcessStep, name, item.get(name))
        except ValidationError as e:
            errors.append(f"{ProcessStep._meta.get_field(name).verbose_name}: {e.messages[0]}")
    values["agency"] = str(item.get("agency") or "").strip()
    form = ProcessStepImportForm(data=values)
    if not form.is_valid():  # the model's clean() runs too: a named agency exactly when the kind is "named"
        errors += form_messages(form)
    if errors:
        return None, list(dict.fromkeys(errors))
    return form.instance, []


def replace_process(procedure, steps: list[ProcessStep]) -> None:
    """Write the steps; an unchanged process writes nothing (the steps keep their ids)."""
    existing = list(ProcessStep.objects.filter(procedure=procedure).order_by("order"))
    if [_values(s) for s in existing] == [_values(s) for s in steps]:
        return
    ProcessStep.objects.filter(procedure=procedure).delete()
    for step in steps:
        step.procedure = procedure
    ProcessStep.objects.bulk_create(steps)


def _values(step: ProcessStep) -> tuple:
    return (step.order, step.name, step.role, step.agency_kind, step.agency_id, Decimal(step.hours), step.may_skip)
