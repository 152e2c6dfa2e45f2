"""Catalog files (CSV and JSON): reading them into rows for the import service, and exporting the catalog.

A row is ``(line, data)``: ``line`` is the CSV record's first physical line (header = 1) or the JSON object's
1-based position in the list; ``data`` maps column names to raw values, validated later by the service.
"""

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

from django.db.models import Exists, OuterRef, Prefetch
from django.utils.translation import gettext as _

from procedures.models import Agency, Procedure, ProcedureFee, RequiredDocument
from procedures.process import ProcessStep
from procedures.process_io import (
    process_csv_cell,
    process_export,
    process_from_line,
    process_steps_by_procedure,
)

CSV = "csv"
JSON = "json"
FORMATS = (CSV, JSON)

# The file format: these keys, in this order, for both CSV columns and JSON objects.
COLUMNS = (
    "national_code",
    "name",
    "field_code",
    "field_name",
    "level",
    "online_level",
    "deadline_amount",
    "deadline_unit",
    "cutoff_time",
    "deadline_note",
    "competent_authority",
    "result_type",
    "result_description",
    "legal_basis",
    "requirements",
    "description",
    "effective_from",
    "effective_to",
    "is_active",
    "documents",
    "fees",
    "agencies",
    "process",
)
REQUIRED_COLUMNS = ("national_code", "name", "field_code", "level", "deadline_unit")
DOCUMENT_KEYS = ("name", "copy_kind", "count", "mandatory")
FEE_KEYS = ("description", "amount")

# Where a CSV record has more cells than the header, the surplus goes under this key (csv.DictReader's
# ``restkey`` convention), so the service rejects that row with a reason instead of guessing.
EXTRA_CELLS_KEY = None

Row = tuple[int, dict]


class CatalogFileError(Exception):
    """The file as a whole cannot be read: nothing is imported. The message is for the user."""


def catalog_format(*, path: str | Path | None, fmt: str | None) -> str:
    """The format asked for, else the one the file name's extension says."""
    if fmt:
        fmt = fmt.strip().lower()
        if fmt not in FORMATS:
            raise CatalogFileError(
                _("Định dạng “%(fmt)s” không được hỗ trợ: chỉ dùng csv hoặc json.") % {"fmt": fmt}
            )
        return fmt
    suffix = Path(path).suffix.lower().lstrip(".") if path else ""
    if suffix not in FORMATS:
        raise CatalogFileError(
            _(
                "Không nhận ra định dạng của tệp “%(path)s”: hãy dùng tệp có đuôi .csv hoặc .json, "
                "hoặc ghi rõ --format csv|json."
            )
            % {"path": path}
        )
    return suffix


def read_catalog_file(path: str | Path, *, fmt: str | None = None) -> list[Row]:
    """The file's rows; the format is the extension's unless given. Raises CatalogFileError."""
    fmt = catalog_format(path=path, fmt=fmt)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError as e:
        raise CatalogFileError(_("Không tìm thấy tệp “%(path)s”.") % {"path": path}) from e
    except IsADirectoryError as e:
        raise CatalogFileError(_("“%(path)s” là một thư mục, không phải tệp.") % {"path": path}) from e
    except PermissionError as e:
        raise CatalogFileError(_("Không có quyền đọc tệp “%(path)s”.") % {"path": path}) from e
    except OSError as e:
        raise CatalogFileError(
            _("Không đọc được tệp “%(path)s”: %(reason)s") % {"path": path, "reason": e.strerror or e}
        ) from e
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CatalogFileError(
            _(
                "Tệp “%(path)s” không phải văn bản UTF-8 (byte lỗi ở vị trí %(position)s): "
                "hãy lưu lại tệp với bảng mã UTF-8."
            )
            % {"path": path, "position": e.start}
        ) from e
    return catalog_parse_csv(text) if fmt == CSV else catalog_parse_json(text)


def catalog_parse_json(text: str) -> list[Row]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as e:
        raise CatalogFileError(
            _("Tệp JSON sai cú pháp ở dòng %(line)s, cột %(column)s (%(reason)s).")
            % {"line": e.lineno, "column": e.colno, "reason": e.msg}
        ) from e
    if not isinstance(items, list):
        raise CatalogFileError(_("Tệp JSON phải là một danh sách ([…]) các thủ tục."))
    # Objects are passed on as they are: a non-object item is rejected by the service with its position.
    return list(enumerate(items, start=1))


def catalog_parse_csv(text: str) -> list[Row]:
    # newline="" keeps newlines inside quoted cells as they are, and csv counts physical lines itself.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise CatalogFileError(_("Tệp CSV trống: thiếu dòng tiêu đề."))
        header = [name.strip() for name in header]
        _check_csv_header(header)
        rows = []
        last_line = reader.line_num
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            rows.append((line, _csv_record(header, cells)))
    except csv.Error as e:
        raise CatalogFileError(
            _("Tệp CSV sai cấu trúc ở dòng %(line)s (%(reason)s).") % {"line": reader.line_num, "reason": e}
        ) from e
    return rows


def _check_csv_header(header: list[str]) -> None:
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        hint = ""
        if any(";" in name for name in unknown):
            hint = " " + _("Các cột phải phân cách bằng dấu phẩy.")
        raise CatalogFileError(
            _("Dòng tiêu đề có cột không thuộc mẫu: %(columns)s.") % {"columns": ", ".join(unknown)} + hint
        )
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise CatalogFileError(
            _("Dòng tiêu đề có cột lặp lại: %(columns)s.") % {"columns": ", ".join(duplicates)}
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise CatalogFileError(
            _("Dòng tiêu đề thiếu cột bắt buộc: %(columns)s.") % {"columns": ", ".join(missing)}
        )


def _csv_record(header: list[str], cells: list[str]) -> dict:
    data: dict = {}
    for position, name in enumerate(header):
        cell = cells[position] if position < len(cells) else ""
        if name == "documents":
            data[name] = [_document_from_line(line) for line in _cell_lines(cell)]
        elif name == "fees":
            data[name] = [_fee_from_line(line) for line in _cell_lines(cell)]
        elif name == "agencies":
            data[name] = cell.replace(";", " ").split()
        elif name == "process":
            data[name] = [process_from_line(line) for line in _cell_lines(cell)]
        else:
            data[name] = cell.strip()
    extra = [cell for cell in cells[len(header) :] if cell.strip()]
    if extra:
        data[EXTRA_CELLS_KEY] = extra
    return data


def _cell_lines(cell: str) -> list[str]:
    return [line for line in cell.splitlines() if line.strip()]


def _document_from_line(line: str) -> dict:
    # Split from the right, so a name may itself contain "|" when the other parts are written out.
    parts = [part.strip() for part in line.rsplit("|", len(DOCUMENT_KEYS) - 1)]
    return dict(zip(DOCUMENT_KEYS, parts, strict=False))


def _fee_from_line(line: str) -> dict:
    parts = [part.strip() for part in line.rsplit("|", 1)]
    return dict(zip(FEE_KEYS, parts, strict=False))


def row_label(fmt: str) -> str:
    """How a rejected row is named in messages: CSV rows by line, JSON objects by position."""
    return _("Dòng") if fmt == CSV else _("Mục")


# Export


def catalog_export_rows() -> list[dict]:
    """Every procedure (active or not) as a row of the file format, ordered by national code."""
    procedures = (
        Procedure.objects.select_related("field")
        .prefetch_related(
            Prefetch("documents", queryset=RequiredDocument.objects.order_by("position", "id")),
            Prefetch("fees", queryset=ProcedureFee.objects.order_by("id")),
            Prefetch("agencies", queryset=Agency.objects.order_by("identifier")),
        )
        .annotate(has_process=Exists(ProcessStep.objects.filter(procedure=OuterRef("pk"))))
        .order_by("national_code")
    )
    # Steps are read in one more query, and only when some procedure has a process.
    steps = process_steps_by_procedure([p.pk for p in procedures if p.has_process])
    return [_procedure_row(procedure, steps.get(procedure.pk)) for procedure in procedures]


def _procedure_row(p: Procedure, steps: list | None) -> dict:
    row = {
        "national_code": p.national_code,
        "name": p.name,
        "field_code": p.field.code,
        "field_name": p.field.name,
        "level": p.level,
        "online_level": p.online_level,
        "deadline_amount": _decimal_text(p.deadline_amount),
        "deadline_unit": p.deadline_unit,
        "cutoff_time": _time_text(p.cutoff_time),
        "deadline_note": p.deadline_note,
        "competent_authority": p.competent_authority,
        "result_type": p.result_type,
        "result_description": p.result_description,
        "legal_basis": p.legal_basis,
        "requirements": p.requirements,
        "description": p.description,
        "effective_from": p.effective_from.isoformat() if p.effective_from else None,
        "effective_to": p.effective_to.isoformat() if p.effective_to else None,
        "is_active": p.is_active,
        "documents": [
            {"name": d.name, "copy_kind": d.copy_kind, "count": d.count, "mandatory": d.mandatory}
            for d in p.documents.all()
        ],
        "fees": [
            {"description": f.description, "amount": None if f.amount is None else int(f.amount)}
            for f in p.fees.all()
        ],
        "agencies": [a.identifier for a in p.agencies.all()],
    }
    if steps:  # only procedures with a process carry the key, so files without processes stay as they were
        row["process"] = process_export(steps)
    return row


def _decimal_text(value: Decimal) -> str:
    # "3", "1.5", "100": never "3.00" or "1E+2".
    return format(value.normalize(), "f")


def _time_text(value) -> str | None:
    if value is None:
        return None
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


def catalog_render(*, rows: list[dict], fmt: str) -> str:
    if fmt == JSON:
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(name, row.get(name)) for name in COLUMNS])
    return out.getvalue()


def catalog_export(*, fmt: str) -> str:
    return catalog_render(rows=catalog_export_rows(), fmt=fmt)


def _csv_cell(name: str, value) -> str:
    if name == "documents":
        return "\n".join(
            f"{d['name']} | {d['copy_kind']} | {d['count']} | {int(d['mandatory'])}" for d in value
        )
    if name == "fees":
        return "\n".join(f"{f['description']} | {'' if f['amount'] is None else f['amount']}" for f in value)
    if name == "agencies":
        return "; ".join(value)
    if name == "process":
        return process_csv_cell(value or [])
    if isinstance(value, bool):
        return "1" if value else "0"
    return "" if value is None else str(value)
