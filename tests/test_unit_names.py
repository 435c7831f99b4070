"""Every unit of the registry, on both maps, found by its name however a commune writes it.

The variants are written here from the registry's own spelling, by rules a clerk follows (a
typographic apostrophe where the registry glues a capital to a letter, "K’Nớ" for "KNớ"; the
type abbreviated; upper case; decomposed accents; hyphens spaced or not), and the expected
answer is the unit itself or every unit of the same type and name (tone placement aside), so
the truth does not come from the fold under test.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

import pytest

from cchc.template.raw import Place, RawReport, TextLine
from cchc.template.text import name_key
from cchc.transforms import admin_units, unit_names
from cchc.transforms.admin_units import LEGACY, NEW, find_all
from cchc.transforms.issuer import find_unit

LEVELS = [(LEGACY, "province"), (LEGACY, "district"), (LEGACY, "commune"),
          (NEW, "province"), (NEW, "commune")]
# How a clerk abbreviates each registry type.
ABBREVIATIONS = {"thị trấn": "TT.", "phường": "P.", "xã": "X.", "đặc khu": "ĐK.",
                 "thành phố": "TP.", "thị xã": "TX.", "quận": "Q.", "huyện": "H.",
                 "thành phố trung ương": "TP."}
HYPHEN = re.compile(r"\s*-\s*")
NUMBER = re.compile(r"\b(\d)\b")


def apostrophed(bare: str) -> str:
    """A typographic apostrophe where the registry glues a capital to the letter before it:
    "Đưng KNớ" → "Đưng K’Nớ", "Ea M'DRóh" → "Ea M'D’Róh"."""
    return "".join(f"’{ch}" if i and ch.isupper() and bare[i - 1].isalpha() else ch
                   for i, ch in enumerate(bare))


def written(u: admin_units.Unit) -> Iterator[str]:
    """The name as communes write it."""
    name, bare = u.name, u.bare_name
    type_word = name[: len(name) - len(bare)].strip()
    yield name
    yield name.upper()
    yield unicodedata.normalize("NFD", name)
    yield f"UBND {name.upper()}"
    if u.type in ABBREVIATIONS:  # "Tỉnh" is written out
        yield f"{ABBREVIATIONS[u.type]} {bare}"
        yield f"{ABBREVIATIONS[u.type]}{bare}"
    yield f"{type_word} {apostrophed(bare)}"
    yield f"{type_word} {apostrophed(bare).replace('’', chr(39))}".upper()
    apostrophe = f"[{unit_names.APOSTROPHES}]\\s*"
    for replacement in ("’", " ", ""):
        yield f"{type_word} {re.sub(apostrophe, replacement, bare)}"
    for replacement in (" - ", "-", " – "):
        yield f"{type_word} {re.sub(HYPHEN, replacement, bare)}"
    padded = NUMBER.sub(r"0\1", bare)  # "Phường 01"
    yield f"{type_word} {padded}"


def spelling(bare: str) -> str:
    """A name up to its tone placement and spacing: the registry spells some names two ways
    ("Hòa An" and "Hoà An", "Xã EaBar" and "Xã Ea Bar")."""
    return name_key(bare).replace(" ", "")


def namesakes(u: admin_units.Unit) -> list[str]:
    """Every unit of the same map, level and type whose name is spelled alike."""
    return [v.code for v in admin_units.units(u.level, u.admin_map)
            if v.type == u.type and spelling(v.bare_name) == spelling(u.bare_name)]


@pytest.fixture(scope="module")
def by_name() -> dict[tuple[str, str, str, str], list[str]]:
    index: dict[tuple[str, str, str, str], list[str]] = {}
    for admin_map, level in LEVELS:
        for v in admin_units.units(level, admin_map):
            index.setdefault((admin_map, level, v.type, spelling(v.bare_name)), []).append(v.code)
    return index


@pytest.mark.parametrize(("admin_map", "level"), LEVELS)
def test_every_name_in_every_spelling_finds_itself_or_its_namesakes(admin_map, level, by_name):
    wrong = []
    for u in admin_units.units(level, admin_map):
        expected = by_name[(admin_map, level, u.type, spelling(u.bare_name))]
        for text in dict.fromkeys(written(u)):
            found = [v.code for v in find_all(level, text, admin_map=admin_map)]
            if found != expected:
                wrong.append((u.code, u.name, text, found))
    assert wrong == []


def test_namesakes_are_what_the_registry_spells_alike():
    """The index above agrees with a scan; and the fold joins no two different names."""
    tan_thanh = [u for u in admin_units.units("commune", NEW) if u.name == "Xã Tân Thành"]
    assert namesakes(tan_thanh[0]) == [u.code for u in tan_thanh]
    assert len({u.province_code for u in tan_thanh}) == 7
    for admin_map, level in LEVELS:
        keys: dict[tuple[str, str], set[str]] = {}
        for u in admin_units.units(level, admin_map):
            keys.setdefault((u.type, unit_names.key(u.bare_name)), set()).add(
                spelling(u.bare_name))
        assert [k for k, names in keys.items() if len(names) > 1] == []


def _letterhead(*lines: str) -> RawReport:
    return RawReport("txt", tuple(TextLine(t, Place(line=n)) for n, t in enumerate(lines, 1)),
                     ())


@pytest.mark.parametrize("admin_map", [LEGACY, NEW])
def test_every_commune_from_its_letterhead(admin_map, by_name):
    """The letterhead path (issuer's mentions → the matcher): the commune line under its
    district's on the legacy map, alone on the 2025 map; settled, or its namesakes listed (on
    the legacy map, those in a district of the same name: "Huyện An Lão" is in two provinces).
    """
    wrong = []
    for u in admin_units.units("commune", admin_map):
        expected = by_name[(admin_map, "commune", u.type, spelling(u.bare_name))]
        above = ([f"UBND {admin_units.unit(u.district_code, 'district').name.upper()}"]
                 if admin_map == LEGACY else ["ỦY BAN NHÂN DÂN"])
        if admin_map == LEGACY:
            district = spelling(admin_units.unit(u.district_code, "district").bare_name)
            expected = [c for c in expected if district == spelling(admin_units.unit(
                admin_units.unit(c, "commune").district_code, "district").bare_name)]
        for text in (u.name.upper(), f"UBND {ABBREVIATIONS[u.type]}{apostrophed(u.bare_name)}"):
            head = [*above, text, "Số: 12/BC-UBND"]
            found = find_unit(_letterhead(*head), head, admin_map)
            codes = [found.commune.code] if found.commune else [c.code for c in found.candidates]
            if codes != expected:
                wrong.append((u.code, u.name, text, codes))
    assert wrong == []


def test_diacritics_are_kept():
    assert unit_names.key("Hoằng Hóa") != unit_names.key("Hoàng Hóa")
    assert unit_names.key("Hoằng Hoá") == unit_names.key("HOẰNG HÓA")
    assert len({unit_names.key(t) for t in ("Đưng K’Nớ", "Đưng KNớ", "Đưng K Nớ", "ĐƯNG K'NỚ",
                                             "Đưng K`Nớ", "Đưng K‘Nớ", "Đưng Kʼ Nớ")}) == 1
    assert [u.code for u in find_all("commune", "Xã Hoàng Sơn")] == ["16288"]
    assert find_all("commune", "Xã Đưng K’Nỡ") == []  # another tone: another name


def test_the_desk_search_ignores_what_the_fold_ignores():
    assert unit_names.contains("Xã Đưng KNớ", "k’nớ")
    assert unit_names.contains("Xã Đưng KNớ", "dung k no")
    assert unit_names.contains("Xã Hoằng Đức", "Hoằ")
    assert unit_names.contains("Xã Hoằng Đức", "hoằng đ")
    assert not unit_names.contains("Xã Hoằng Đức", "Hoàng")
    assert unit_names.contains("Xã Hoằng Đức", "")
