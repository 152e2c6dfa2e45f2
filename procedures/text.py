"""Folding Vietnamese text for search: lower case, no diacritics, đ → d, single spaces."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def strip_diacritics(text: str) -> str:
    """'Đăng ký' → 'Dang ky' (case kept): for search folding and for SMS in one GSM-7 segment."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")


def fold(text: str) -> str:
    """'Đăng  ký KHAI SINH' → 'dang ky khai sinh'. Works the same on any database."""
    if not text:
        return ""
    return _SPACES.sub(" ", strip_diacritics(text)).strip().lower()
