"""Text and number normalisation shared by every extractor and transform.

Reports come from Word, Excel and PDF text layers made with legacy Vietnamese fonts, so the same
word can arrive in several byte forms: decomposed accents, "ƣ" (U+01A3, the Latin letter OI) where
the font meant "ư", old-style tone placement ("hoá" for "hóa"), non-breaking spaces. Everything is
brought to one form here, once, so that no other module has to care.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

# Legacy TCVN3/VNI fonts map "ư" and "Ư" to these glyph code points in PDF text layers.
_FONT_FIXES = str.maketrans({"ƣ": "ư", "Ƣ": "Ư", "\u00a0": " ", "\u2007": " ", "\u202f": " "})
_SPACES = re.compile(r"\s+")

# Combining marks that carry Vietnamese tones (as opposed to vowel shape: breve, circumflex, horn).
_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def clean(text: str | None) -> str:
    """NFC, font fixes, single spaces, stripped. ``None`` becomes the empty string."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFC", str(text)).translate(_FONT_FIXES)
    return _SPACES.sub(" ", text).strip()


def unaccented(text: str) -> str:
    """"Hoằng Đức" → "Hoang Duc", case kept: a name as a keyboard without Vietnamese input
    types it, for file names and the like (``fold`` is for matching)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold(text: str | None) -> str:
    """A matching key: lower case, no diacritics at all, "đ" as "d", single spaces.

    Lossy on purpose (Hoằng and Hoàng fold alike): use it to find candidates, never to decide
    between two of them; ``name_key`` keeps the tones for that.
    """
    return fold_aligned(clean(text))


def fold_aligned(text: str) -> str:
    """``fold`` that keeps the length of already ``clean`` text, position for position.

    So that a match found in the folded text can be cut out of the original at the same offsets.
    """
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d")


def name_key(text: str | None) -> str:
    """A matching key that keeps every diacritic but ignores where the tone mark sits.

    "Hoá" and "Hóa", "Thuỷ" and "Thủy" are the same name written in the old and new tone
    placement; "Hoằng" and "Hoàng" are different names. Each syllable becomes its toneless
    letters (shape marks kept) followed by its tone mark, if any.
    """
    syllables = []
    for syllable in clean(text).lower().split(" "):
        decomposed = unicodedata.normalize("NFD", syllable)
        tones = "".join(ch for ch in decomposed if ch in _TONE_MARKS)
        letters = "".join(ch for ch in decomposed if ch not in _TONE_MARKS)
        syllables.append(unicodedata.normalize("NFC", letters) + tones)
    return " ".join(syllables)


def compact(text: str | None) -> str:
    """``fold`` without any whitespace: for comparing text that a layout wrapped differently."""
    return fold(text).replace(" ", "")


_NUMBER = re.compile(r"^[+-]?\d[\d.,\s]*%?$|^[+-]?[.,]\d+%?$")
_BLANKS = {"", "-", "--", "–", "—", "x", "X", "…", "..."}


class NotANumber(ValueError):
    """A cell holds text that is not a Vietnamese-formatted number."""


def parse_number(raw: str | float | int | None) -> int | float | None:
    """Read a number as communes write it: "1.234" (dot thousands), "99,47" (comma decimal), "100%".

    Blank cells (and the dashes people type to mean blank) are ``None``, never 0. Integers come
    back as ``int`` so that counts stay exact. Raises ``NotANumber`` for anything else, so the
    caller can say which cell is wrong.
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise NotANumber(str(raw))
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else raw
    text = clean(raw)
    if text in _BLANKS:
        return None
    if not _NUMBER.match(text):
        raise NotANumber(text)
    text = text.rstrip("%").replace(" ", "")
    sign = ""
    if text[0] in "+-":
        sign, text = text[0], text[1:]
    text = _standard_decimal(text)
    try:
        value = Decimal(sign + text)
    except InvalidOperation as exc:
        raise NotANumber(raw) from exc
    return int(value) if value == value.to_integral_value() else float(value)


def _standard_decimal(text: str) -> str:
    """Turn Vietnamese digit grouping into a plain decimal string.

    Both separators present: the last one is the decimal mark. Only commas: a decimal comma
    ("99,47"), unless every group after the first has three digits and there are several
    ("1,234,567"). Only dots: thousands ("1.234", "12.345.678") when every group after the first
    has exactly three digits, else a decimal point ("2.5", "99.47").
    """
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        grouping = "." if decimal_mark == "," else ","
        return text.replace(grouping, "").replace(decimal_mark, ".")
    for mark in (",", "."):
        if mark in text:
            head, *groups = text.split(mark)
            thousands = all(len(g) == 3 for g in groups) and (mark == "." or len(groups) > 1)
            if thousands and head:
                return text.replace(mark, "")
            if len(groups) > 1:
                raise NotANumber(text)
            return text.replace(mark, ".")
    return text
