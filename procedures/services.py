"""Writes to the catalog: importing procedures from catalog file rows, each row in its own savepoint."""

from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from itertools import islice

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import DatabaseError, models, transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from procedures import process_io
from procedures.catalog_io import COLUMNS, DOCUMENT_KEYS, EXTRA_CELLS_KEY, FEE_KEYS, REQUIRED_COLUMNS, Row
from procedures.formatting import DATE_INPUT_FORMATS
from procedures.models import DEADLINE_FIELDS, Agency, Field, Procedure, ProcedureFee, RequiredDocument
from procedures.signals import announce_deadline_rules_changed, bump_catalog_version

CHUNK_SIZE = 200
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S"]
TRUE_WORDS = {"1", "true", "có", "co", "x"}
FALSE_WORDS = {"0", "false", "không", "khong"}
# Changing these on an existing procedure moves the due times of its open dossiers (as in the admin).

PROCEDURE_FIELDS = [
    name
    for name in COLUMNS
    if name not in {"field_code", "field_name", "documents", "fees", "agencies", "process"}
]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    rejected: list[tuple[int, str]] = dataclass_field(default_factory=list)


def catalog_import(
    *, rows: Iterable[Row], progress: Callable[[int], object] | None = None, dry_run: bool = False
) -> ImportReport:
    """Import rows: a rejected row is reported with its reasons and the others are still written.

    Each row is its own savepoint; rows are committed CHUNK_SIZE at a time, because a commit per row is
    what makes a large file slow (SQLite syncs the disk on every commit), while one commit for the whole
    file would hold the write lock for minutes. ``progress`` is called with 1 after each row (a tqdm bar's
    ``update``). With ``dry_run`` every row is validated and written, then everything is rolled back.
    """
    report = ImportReport()
    seen_codes: set[str] = set()
    rows = iter(rows)
    with transaction.atomic() if dry_run else nullcontext():
        while chunk := list(islice(rows, CHUNK_SIZE)):
            with transaction.atomic():
                for line, data in chunk:
                    _import_one(line, data, report=report, seen_codes=seen_codes)
                    if progress is not None:
                        progress(1)
        if dry_run:
            transaction.set_rollback(True)
    if not dry_run:  # documents and fees are written in bulk, which sends no signal: the cached pages go stale
        bump_catalog_version()
    return report


def _import_one(line: int, data, *, report: ImportReport, seen_codes: set[str]) -> None:
    code = str(data.get("national_code") or "").strip() if isinstance(data, dict) else ""
    try:
        if code in seen_codes:
            raise ValidationError(
                _("mã thủ tục “%(code)s” lặp lại trong tệp: chỉ nhập lần xuất hiện đầu tiên.")
                % {"code": code}
            )
        _procedure, created = procedure_import_row(data=data)
    except ValidationError as e:
        report.rejected.append((line, _join(e.messages)))
    except DatabaseError as e:
        report.rejected.append((line, _("lỗi khi ghi vào cơ sở dữ liệu: %(error)s") % {"error": e}))
    else:
        if created:
            report.created += 1
        else:
            report.updated += 1
    if code:
        seen_codes.add(code)


@transaction.atomic
def procedure_import_row(*, data: dict) -> tuple[Procedure, bool]:
    """Create or update one procedure (by national code) from a catalog row; True when created.

    Optional keys absent from the row leave the existing values alone; an empty value means the default.
    Documents, fees and agencies, when present, replace the procedure's. Raises ValidationError with every
    reason found, in Vietnamese; the row's own transaction (a savepoint inside another) is then rolled back.
    """
    if not isinstance(data, dict):
        raise ValidationError(_("không phải một đối tượng JSON ({…})."))
    errors = _unknown_key_messages(data)
    code = _text(data.get("national_code"))
    procedure = Procedure.objects.select_for_update().filter(national_code=code).first() if code else None
    created = procedure is None
    form, form_errors = _procedure_form(procedure or Procedure(), data)
    field, field_is_dirty, field_errors = _field_for(data)
    documents, document_errors = _documents(data)
    fees, fee_errors = _fees(data)
    agencies, agency_errors = _agencies(data)
    errors += form_errors + field_errors + document_errors + fee_errors + agency_errors
    errors += _process(data, form, check_total=not form_errors)
    if errors:
        raise ValidationError(errors)

    if field_is_dirty:
        field.save()
    procedure = form.save(commit=False)
    # An unchanged row writes nothing, so updated_at keeps saying when the procedure last changed.
    if created or form.has_changed() or procedure.field_id != field.pk:
        procedure.field = field
        procedure.save()
    if not created and DEADLINE_FIELDS & set(form.changed_data):
        announce_deadline_rules_changed(procedure_id=procedure.pk, reason="procedure_deadline")
    if documents is not None:
        _replace_documents(procedure, documents)
    if fees is not None:
        _replace_fees(procedure, fees)
    if agencies is not None:
        procedure.agencies.set(agencies)
    if form.process_steps is not None:
        process_io.replace_process(procedure, form.process_steps)
    return procedure, created


def _process(data: dict, form: "ProcedureImportForm", *, check_total: bool) -> list[str]:
    """The row's process (procedures/process_io.py), kept on the form; or the kept steps against a new deadline."""
    form.process_steps, errors = process_io.process_from_row(
        data, form.instance, scalar=_scalar, form_messages=_form_messages, check_total=check_total
    )
    if form.process_steps is None and not errors and check_total and DEADLINE_FIELDS & set(form.changed_data):
        errors = process_io.existing_process_errors(form.instance)
    return errors


class ProcedureImportForm(forms.ModelForm):
    effective_from = forms.DateField(required=False, input_formats=DATE_INPUT_FORMATS)
    effective_to = forms.DateField(required=False, input_formats=DATE_INPUT_FORMATS)
    cutoff_time = forms.TimeField(required=False, input_formats=TIME_INPUT_FORMATS)

    class Meta:
        model = Procedure
        fields = PROCEDURE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("effective_from", "effective_to"):
            self.fields[name].error_messages["invalid"] = _(
                "ngày không hợp lệ; viết dạng dd/mm/yyyy hoặc yyyy-mm-dd."
            )
        self.fields["cutoff_time"].error_messages["invalid"] = _(
            "giờ không hợp lệ; viết dạng HH:MM (ví dụ 15:00)."
        )
        _list_choices_in_errors(self)


class RequiredDocumentImportForm(forms.ModelForm):
    class Meta:
        model = RequiredDocument
        fields = list(DOCUMENT_KEYS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["count"].error_messages.update(
            invalid=_("phải là số nguyên."),
            min_value=_("phải từ 1 trở lên."),
            required=_("phải là số nguyên."),
        )
        _list_choices_in_errors(self)


class ProcedureFeeImportForm(forms.ModelForm):
    class Meta:
        model = ProcedureFee
        fields = list(FEE_KEYS)


def _list_choices_in_errors(form: forms.BaseForm) -> None:
    # Someone writing a file needs the accepted values, not "select a valid choice".
    for form_field in form.fields.values():
        if isinstance(form_field, forms.ChoiceField):
            values = ", ".join(str(value) for value, _label in form_field.choices if value != "")
            form_field.error_messages["invalid_choice"] = _(
                "“%%(value)s” không hợp lệ; dùng một trong các giá trị: %(values)s."
            ) % {"values": values}


def _unknown_key_messages(data: dict) -> list[str]:
    messages = []
    if EXTRA_CELLS_KEY in data:
        messages.append(
            _("dòng có nhiều ô hơn dòng tiêu đề (thừa “%(cells)s”); ô có dấu phẩy phải đặt trong ngoặc kép.")
            % {"cells": "”, “".join(data[EXTRA_CELLS_KEY])}
        )
    unknown = [str(key) for key in data if key is not EXTRA_CELLS_KEY and key not in COLUMNS]
    if unknown:
        messages.append(_("không có trường “%(keys)s” trong mẫu nhập.") % {"keys": "”, “".join(unknown)})
    return messages


def _procedure_form(instance: Procedure, data: dict) -> tuple[ProcedureImportForm, list[str]]:
    errors, reported = [], set()
    # Start from the procedure's current values (a new one's defaults), so absent keys change nothing.
    values = model_to_dict(instance, fields=PROCEDURE_FIELDS)
    for name in PROCEDURE_FIELDS:
        if name not in data and name in REQUIRED_COLUMNS:
            values[name] = ""
        elif name in data:
            try:
                values[name] = _scalar(Procedure, name, data[name])
            except ValidationError as e:
                errors.append(_label(name, e.messages[0]))
                reported.add(name)
                values[name] = None
    form = ProcedureImportForm(data=values, instance=instance)
    if not form.is_valid():
        errors += _form_messages(form, skip=reported)
    return form, errors


def _scalar(model: type[models.Model], name: str, value):
    """A raw value from the file, ready for the form: blank means the field's default."""
    if isinstance(value, dict | list):
        raise ValidationError(_("phải là chuỗi hoặc số."))
    if _is_blank(value):
        return model._meta.get_field(name).get_default()
    if isinstance(model._meta.get_field(name), models.BooleanField):
        return _to_bool(value)
    return value


def _field_for(data: dict) -> tuple[Field | None, bool, list[str]]:
    """The field (lĩnh vực) named by field_code, created or renamed when field_name says so (not saved yet)."""
    code, name = _text(data.get("field_code")), _text(data.get("field_name"))
    if not code:
        return None, False, [_label("code", _("Trường này là bắt buộc."), model=Field)]
    field = Field.objects.filter(code=code).first()
    if field is None and not name:
        return (
            None,
            False,
            [_("lĩnh vực “%(code)s” chưa có; hãy điền field_name để tạo mới.") % {"code": code}],
        )
    if field is None:
        field = Field(code=code, name=name)
    elif not name or name == field.name:
        return field, False, []
    else:
        field.name = name
    try:
        field.full_clean()
    except ValidationError as e:
        return None, False, [_label(key, m, model=Field) for key, ms in e.message_dict.items() for m in ms]
    return field, True, []


def _documents(data: dict) -> tuple[list[dict] | None, list[str]]:
    return _children(
        data,
        "documents",
        RequiredDocumentImportForm,
        _("thành phần hồ sơ"),
        _("thành phần hồ sơ thứ %(number)s"),
    )


def _fees(data: dict) -> tuple[list[dict] | None, list[str]]:
    return _children(data, "fees", ProcedureFeeImportForm, _("phí, lệ phí"), _("phí, lệ phí thứ %(number)s"))


def _children(
    data: dict, key: str, form_class: type[forms.ModelForm], label: str, item_label: str
) -> tuple[list[dict] | None, list[str]]:
    """Each document's or fee's validated values; None when the row has no such key (leave them alone)."""
    if key not in data:
        return None, []
    items = data[key]
    if _is_blank(items):
        return [], []
    if not isinstance(items, list):
        return None, [f"{label}: " + _("phải là một danh sách.")]
    model, keys = form_class._meta.model, form_class._meta.fields
    cleaned, errors = [], []
    for prefix, item in process_io.checked_objects(items, item_label=item_label, keys=keys, errors=errors):
        values, item_errors = {}, []
        for name in keys:
            try:
                values[name] = _scalar(model, name, item.get(name))
            except ValidationError as e:
                item_errors.append(_label(name, e.messages[0], model=model))
        form = form_class(data=values)
        if not form.is_valid():
            item_errors += _form_messages(form)
        if item_errors:
            errors += [f"{prefix}, {message}" for message in item_errors]
        else:
            cleaned.append(form.cleaned_data)
    return cleaned, errors


def _agencies(data: dict) -> tuple[list[Agency] | None, list[str]]:
    if "agencies" not in data:
        return None, []
    identifiers = data["agencies"]
    if _is_blank(identifiers):
        return [], []
    if isinstance(identifiers, str):
        identifiers = identifiers.replace(";", " ").split()
    if not isinstance(identifiers, list) or not all(isinstance(i, str) for i in identifiers):
        return None, [_label("agencies", _("phải là một danh sách mã định danh."))]
    identifiers = list(dict.fromkeys(i.strip() for i in identifiers if i.strip()))
    agencies = list(Agency.objects.filter(identifier__in=identifiers))
    unknown = sorted(set(identifiers) - {a.identifier for a in agencies})
    if unknown:
        return None, [
            _("nơi tiếp nhận: không có cơ quan mang mã định danh “%(identifiers)s”.")
            % {"identifiers": "”, “".join(unknown)}
        ]
    return agencies, []


def _replace_documents(procedure: Procedure, documents: list[dict]) -> None:
    # Matched by position and only changed rows written, so a document keeps its id for whatever points at it.
    existing = {d.position: d for d in procedure.documents.all()}
    positions = range(1, len(documents) + 1)
    stale = [d.pk for position, d in existing.items() if position not in positions]
    if stale:
        RequiredDocument.objects.filter(pk__in=stale).delete()
    new = []
    for position, values in zip(positions, documents, strict=True):
        document = existing.get(position)
        if document is None:
            new.append(RequiredDocument(procedure=procedure, position=position, **values))
        elif _assign(document, values):
            document.save(update_fields=list(values))
    RequiredDocument.objects.bulk_create(new)


def _replace_fees(procedure: Procedure, fees: list[dict]) -> None:
    # Fees have no position: matched in order of creation.
    existing = list(procedure.fees.order_by("id"))
    for fee, values in zip(existing, fees, strict=False):
        if _assign(fee, values):
            fee.save(update_fields=list(values))
    ProcedureFee.objects.bulk_create(
        ProcedureFee(procedure=procedure, **values) for values in fees[len(existing) :]
    )
    if len(existing) > len(fees):
        ProcedureFee.objects.filter(pk__in=[fee.pk for fee in existing[len(fees) :]]).delete()


def _assign(instance: models.Model, values: dict) -> bool:
    """Set the values on the instance; True when one of them changed."""
    changed = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def _form_messages(form: forms.BaseForm, *, skip: set[str] = frozenset()) -> list[str]:
    """One message per field: the first, since a value that failed to parse also fails the model's clean()."""
    model = form._meta.model
    messages = []
    for name, errors in form.errors.as_data().items():
        if name in skip:
            continue
        if name == NON_FIELD_ERRORS:
            messages += [_lower_first(m) for error in errors for m in error.messages]
        else:
            messages.append(_label(name, errors[0].messages[0], model=model))
    return list(dict.fromkeys(messages))


def _label(name: str, message: str, *, model: type[models.Model] | None = Procedure) -> str:
    """'mã thủ tục: trường này là bắt buộc.'; a message that already names its field is kept alone."""
    try:
        label = str(model._meta.get_field(name).verbose_name) if model else name
    except FieldDoesNotExist:
        label = name
    message = str(message)
    if message.lower().startswith(label.lower()):
        return _lower_first(message)
    return f"{label}: {_lower_first(message)}"


def _join(messages: list[str]) -> str:
    """'a.', 'b.' → 'a; b.'"""
    return "; ".join(str(m).rstrip(". ") for m in messages) + "."


def _lower_first(text: str) -> str:
    text = str(text)
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _to_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError(
        _("“%(value)s” không phải giá trị có/không (dùng 1/0, true/false hoặc có/không).") % {"value": value}
    )
