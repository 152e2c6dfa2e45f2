"""Removing personal data from a feedback's text before it is published (pure: no Django, no database).

The officer edits and the leader approves the redacted text; `leftovers` is the guard the publication runs:
the sender's name, phone or e-mail, any e-mail address and any long number (phone, ID number) refuse it.
"""

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 9 to 13 digits, optionally grouped by spaces, dots or dashes ("0912 345 678", "079.203.001.234", "+84 912…").
LONG_NUMBER = re.compile(r"(?<![\w])\+?\d(?:[ .\-]?\d){8,12}(?![\w])")
NAME_MARK = "[người gửi]"
EMAIL_MARK = "[thư điện tử]"
NUMBER_MARK = "[số]"


def _name_pattern(name: str) -> re.Pattern | None:
    words = [re.escape(w) for w in (name or "").split() if w]
    if not words:
        return None
    return re.compile(r"\b" + r"\s+".join(words) + r"\b", re.IGNORECASE)


def redact(text: str, *, names: list[str] = ()) -> str:
    """`text` with e-mail addresses, long numbers and the given names replaced by neutral marks."""
    text = EMAIL.sub(EMAIL_MARK, text or "")
    text = LONG_NUMBER.sub(NUMBER_MARK, text)
    for name in names:
        pattern = _name_pattern(name)
        if pattern is not None:
            text = pattern.sub(NAME_MARK, text)
    return text


def leftovers(text: str, *, names: list[str] = (), phones: list[str] = (), emails: list[str] = ()) -> list[str]:
    """What personal data is still in `text`: kinds of data found (never the data itself)."""
    found = []
    digits = re.sub(r"\D", "", text or "")
    if EMAIL.search(text or "") or any(e and e.lower() in (text or "").lower() for e in emails):
        found.append("email")
    if LONG_NUMBER.search(text or "") or any(p and re.sub(r"\D", "", p)[-9:] in digits
                                             for p in phones if len(re.sub(r"\D", "", p)) >= 9):
        found.append("number")
    if any((pattern := _name_pattern(n)) is not None and pattern.search(text or "") for n in names):
        found.append("name")
    return found
