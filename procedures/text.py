"""Vietnamese text for search and sorting: folding (lower case, no diacritics, đ → d, single spaces) and the
Vietnamese alphabetical sort key."""

import re
import unicodedata
from functools import lru_cache

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


# Vietnamese alphabetical order (the order of Vietnamese dictionaries).
#
# The alphabet is a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y; the Latin letters Vietnamese does not
# use (f, j, w, z) sit where the Latin alphabet puts them. A name is compared word by word (syllable by
# syllable): first the word's letters, then its tone — ngang < huyền < hỏi < ngã < sắc < nặng — then the next
# word. So "Ca" < "Cà" < "Cả" < "Cã" < "Cá" < "Cạ", every "Ca …" comes before "Cà …", and the procedures
# starting with the same word stay together ("Cấp bản sao", "Cấp xã" < "Cập nhật"). Case does not count. Numbers
# come before words and compare by value ("2" < "10"); punctuation only separates words.
#
# The key is a string of ASCII digits, two per letter, so that every database compares it the same way whatever
# its collation (SQLite's binary order, PostgreSQL's C, glibc or ICU locales alike).

_LETTERS = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_CODES = {letter: f"{20 + i:02d}" for i, letter in enumerate(_LETTERS)}
_OTHER_LETTER = "99"
# Combining tone marks (NFD) → tone rank; the other marks that make Vietnamese letters (breve, circumflex, horn)
# stay on the letter.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_LETTER_MARKS = frozenset("\u0306\u0302\u031b")
# Tokens (two digits each): "0t" ends a word of tone t (and "00" a number), "1n" starts a number of n digits,
# "1d" is the digit d, "20"–"52" a letter. A word's end sorts before any letter, so "ca sĩ" < "cai".
SORT_KEY_MAX_LENGTH = 1500


@lru_cache(maxsize=4096)  # the catalog's field names are sorted on every page
def sort_key(text: str) -> str:
    """The Vietnamese alphabetical sort key of a name: compare keys as plain strings (see above)."""
    tokens: list[str] = []
    letters: list[str] = []
    digits: list[str] = []
    tone = 0

    def end_word() -> None:
        nonlocal tone
        if letters:
            tokens.extend(letters)
            tokens.append(f"0{tone}")
            letters.clear()
            tone = 0
        if digits:
            number = "".join(digits).lstrip("0") or "0"
            tokens.append(f"1{min(len(number), 9)}")
            tokens.extend(f"1{d}" for d in number)
            tokens.append("00")
            digits.clear()

    for char in _letters_with_marks(text.lower()):
        base, marks = char[0], char[1:]
        if base.isdecimal():
            if letters:
                end_word()
            digits.append(str(unicodedata.decimal(base)))
        elif base.isalpha():
            if digits:
                end_word()
            for mark in marks:
                if mark in _TONES and not tone:
                    tone = _TONES[mark]
            letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _LETTER_MARKS))
            letters.append(_LETTER_CODES.get(letter) or _LETTER_CODES.get(base, _OTHER_LETTER))
        else:
            end_word()
    end_word()
    return "".join(tokens)[:SORT_KEY_MAX_LENGTH]


def _letters_with_marks(text: str):
    """Each character of the decomposed (NFD) text with the combining marks that follow it."""
    current = ""
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.category(char) == "Mn" and current:
            current += char
            continue
        if current:
            yield current
        current = char
    if current:
        yield current
