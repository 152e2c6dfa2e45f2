"""Validators for national identifiers used in the catalog."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Decision 20/2020/QĐ-TTg: up to 35 characters of A–Z, 0–9 and '.', dot-separated groups from the top level
# down; the level-1 group is one letter A–Y followed by two digits (provinces look like H61).
AGENCY_IDENTIFIER_RE = re.compile(r"^[A-Y][0-9]{2}(\.[A-Z0-9]+)*$")
PROCEDURE_CODE_RE = re.compile(r"^[0-9]\.[0-9]{6}(\.[A-Z0-9]+)*$")


def validate_agency_identifier(value: str) -> None:
    if len(value) > 35 or not AGENCY_IDENTIFIER_RE.match(value):
        raise ValidationError(
            _(
                "Mã định danh “%(value)s” không hợp lệ: tối đa 35 ký tự A–Z, 0–9 và dấu chấm; nhóm đầu là "
                "một chữ cái A–Y và hai chữ số (ví dụ H61 hoặc H61.22.10)."
            ),
            code="invalid_agency_identifier",
            params={"value": value},
        )


def validate_procedure_code(value: str) -> None:
    if not PROCEDURE_CODE_RE.match(value):
        raise ValidationError(
            _("Mã thủ tục “%(value)s” không hợp lệ: dạng d.dddddd, có thể thêm hậu tố (ví dụ 1.001193)."),
            code="invalid_procedure_code",
            params={"value": value},
        )
