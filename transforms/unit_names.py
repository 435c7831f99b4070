"""One way to compare the names of administrative units, wherever a name is matched.

A commune writes its name in its letterhead, its place-and-date line, its workbook's title and
its narrative; the registry (reference/admin_units.csv, built from the packages' data) spells
the same name its own way. They differ in ways that never make two places different:

- case and Unicode form (NFD from some keyboards, NFC elsewhere);
- where the tone mark sits ("Hoá" and "Hóa");
- apostrophes of every kind, and whether there is one at all: the registry has "Xã Đưng KNớ",
  the commune writes "Đưng K’Nớ", "K'Nớ" or "K Nớ"; likewise "Ea H’leo", "Đắk R’Lấp";
- hyphens, dots and spacing: "Phan Rang-Tháp Chàm", "Phan Rang - Tháp Chàm";
- leading zeros of a numbered ward ("Phường 01");
- the unit type abbreviated: "TT." (thị trấn), "P." (phường), "X." (xã), "ĐK." (đặc khu),
  "TP." (thành phố), "TX." (thị xã), "Q." (quận), "H." (huyện).

They keep every diacritic otherwise: "Hoằng" and "Hoàng" are different places. Only text written
with no diacritics at all (a font that lost them: "HOANG HOA") is compared without them, by
``plain_key``, and then only as a fallback (see admin_units.find_all).
"""

from __future__ import annotations

import re

from cchc.template.text import clean, fold, name_key

# Every character a clerk or a font uses for the apostrophe in "K’Nớ": ASCII, typographic
# right and left quotes, the modifier letter, the grave and acute accents, prime.
APOSTROPHES = "'’‘ʼ`´ʹ′"
_SEPARATORS = re.compile(rf"[\s{APOSTROPHES}\-‐‑‒–—.]+")

# Type words a name may start with, per level, with the registry type they stand for. Written
# out, or abbreviated with a dot ("TT. Bút Sơn"); "TP", "TX" and "TT" also without one.
TYPE_WORDS = {
    "province": {"tỉnh": "tỉnh", "thành phố": "thành phố trung ương",
                 "tp": "thành phố trung ương"},
    "district": {"huyện": "huyện", "quận": "quận", "thị xã": "thị xã", "thành phố": "thành phố",
                 "tp": "thành phố", "tx": "thị xã"},
    "commune": {"xã": "xã", "phường": "phường", "thị trấn": "thị trấn", "tt": "thị trấn",
                "đặc khu": "đặc khu"},
}
# Abbreviations that count only with their dot, as the type word they stand for.
DOTTED = {"tt": "thị trấn", "tp": "thành phố", "tx": "thị xã", "p": "phường", "x": "xã",
          "đk": "đặc khu", "q": "quận", "h": "huyện"}
_DOTTED = re.compile(rf"^({'|'.join(sorted(DOTTED, key=len, reverse=True))})\.\s*",
                     re.IGNORECASE)


def key(text: str | None) -> str:
    """The name's matching key: every diacritic kept, the tone's place, case, apostrophes,
    hyphens, dots and spaces ignored ("Đưng K’Nớ", "ĐƯNG KNỚ" and "Đưng K Nớ" are one key).

    Syllables are keyed one by one before they are joined, so that "Hòa-Bình" and "Hòa Bình"
    agree (a tone belongs to its syllable)."""
    return "".join(_unpadded(name_key(_SEPARATORS.sub(" ", clean(text)))))


def plain_key(text: str | None) -> str:
    """``key`` without any diacritics: for text that was written without them."""
    return "".join(_unpadded(fold(_SEPARATORS.sub(" ", clean(text)))))


def _unpadded(spaced: str) -> list[str]:
    """The words, numbers without their leading zeros ("Phường 01" is "Phường 1")."""
    return [str(int(word)) if word.isdigit() else word for word in spaced.split(" ")]


def without_diacritics(text: str) -> bool:
    """Is the text written with no diacritics at all ("HOANG HOA", "Dung K'No")?"""
    return fold(text) == clean(text).lower()


def expand_abbreviation(name: str) -> str:
    """"TT. Bút Sơn" → "thị trấn Bút Sơn", "P.Ba Đình" → "phường Ba Đình"; else unchanged."""
    name = clean(name)
    match = _DOTTED.match(name)
    if not match:
        return name
    return f"{DOTTED[match.group(1).lower()]} {name[match.end():]}".strip()


def readings(level: str, name: str) -> list[tuple[str | None, str]]:
    """Ways to read ``name``: (type word's type, bare name) if it starts with a type word, then
    (None, whole name), since a name may itself start like a type word ("Quan Hóa", "Phường Đức").

    A leading "UBND"/"Ủy ban nhân dân" is dropped. A type word counts if it is spelled right or
    written without diacritics (callers pass "thi tran Bút Sơn"); "Phương Lâm" is a name.
    """
    words = clean(name).split(" ")
    if fold(words[0]) == "ubnd":
        words = words[1:]
    elif fold(" ".join(words[:4])) == "uy ban nhan dan":
        words = words[4:]
    words = expand_abbreviation(" ".join(words)).split(" ")
    whole = " ".join(words)
    if not whole:
        return []
    found: list[tuple[str | None, str]] = []
    for word, unit_type in TYPE_WORDS[level].items():
        size = len(word.split(" "))
        head, rest = " ".join(words[:size]), " ".join(words[size:])
        spelled = name_key(head) == name_key(word) or without_diacritics(head)
        if rest and fold(head) == fold(word) and spelled:
            found.append((unit_type, rest))
    return [*found, (None, whole)]


def contains(name: str, wanted: str) -> bool:
    """Does a unit's name contain what an officer typed in a search box? On ``key``, or on
    ``plain_key`` when the query has no diacritics ("hoang hoa" finds "Xã Hoằng Hóa").

    A query cut inside a syllable ("Hoằ") is found as typed, since ``key`` moves a tone to
    its syllable's end."""
    if not clean(wanted):
        return True
    if without_diacritics(wanted):
        return plain_key(wanted) in plain_key(name)
    return key(wanted) in key(name) or _as_typed(wanted) in _as_typed(name)


def _as_typed(text: str) -> str:
    return _SEPARATORS.sub("", clean(text).lower())
