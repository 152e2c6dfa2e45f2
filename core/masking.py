"""Masking personal numbers for lists and logs: enough to tell values apart, not enough to use them."""

# ---------------------------------------------------------------- masking personal data
def mask_phone(phone: str) -> str:
    """'0912000111' → '09******11': enough to tell numbers apart in a log, not enough to call."""
    return mask_digits("".join(ch for ch in phone or "" if ch.isdigit()))


def mask_id_number(value: str) -> str:
    """'079203001234' → '*********234'."""
    return mask_digits(value, keep_start=0, keep_end=3)


def mask_email(address: str) -> str:
    local, _, domain = (address or "").partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_digits(value: str | None, *, keep_start: int = 2, keep_end: int = 2) -> str:
    """'0912345678' → '09******78': personal numbers are masked in lists and logs."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]
