"""Personal identifiers shared by every form that takes them: Vietnamese mobile numbers and ID numbers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# 12-digit personal identification number, or a 10-digit (optionally -NNN branch) organisation tax code.
ID_NUMBER_RE = re.compile(r"^(\d{12}|\d{10}(-\d{3})?)$")
PHONE_RE = re.compile(r"^(0|\+84)(3|5|7|8|9)\d{8}$")


def clean_phone(value: str) -> str:
    """'0903 123 456' or '+84903123456' → '0903123456'; anything else raises a Vietnamese message."""
    phone = re.sub(r"[\s.\-]", "", value or "")
    if not PHONE_RE.match(phone):
        raise ValidationError(_("Số điện thoại không hợp lệ: 10 chữ số bắt đầu bằng 03, 05, 07, 08 hoặc 09."))
    return "0" + phone[3:] if phone.startswith("+84") else phone
