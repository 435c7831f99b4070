"""Viet Nam's administrative units (pre-July-2025 tree) and letterhead-name matching.

A report is filed under the commune its letterhead names ("UBND HUYỆN HOẰNG HÓA / UBND THỊ TRẤN
BÚT SƠN"). Names repeat across the country (eight "Quảng Phú"), differ only by a tone ("Hoằng"
and "Hoàng" are different places) and arrive in old or new tone placement ("Hoá"/"Hóa"), so a
match is decided on ``name_key`` and narrowed by the district and province already known. When
that leaves anything but one unit the answer is None: a report filed under the wrong commune
would corrupt the district's figures silently, a report left unfiled is seen and fixed.

Data: ``reference/admin_units.csv``, built by ``scripts/build_admin_units.py``. GSO codes are
numbered per level (district 382 and commune 382 both exist), so a code alone does not always
name one unit; ``unit`` takes the level for that reason.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cchc.errors import ReferenceDataError, UnknownUnit
from cchc.transforms.text import clean, fold, name_key

CSV_PATH = Path(__file__).resolve().parent.parent / "reference" / "admin_units.csv"
LEVELS = ("province", "district", "commune")

# Type words a letterhead may put before a name, per level, with the type they stand for.
_TYPE_WORDS = {
    "district": {"huyện": "huyện", "quận": "quận", "thị xã": "thị xã", "thành phố": "thành phố",
                 "tp": "thành phố", "tx": "thị xã"},
    "commune": {"xã": "xã", "phường": "phường", "thị trấn": "thị trấn", "tt": "thị trấn"},
}
_ABBREVIATION_DOT = re.compile(r"^(tp|tx|tt)\.\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Unit:
    """One administrative unit as the CSV has it; codes are GSO codes, unpadded strings."""

    code: str
    name: str  # full official name with its type word: "Thị trấn Bút Sơn"
    type: str  # "tỉnh", "thành phố trung ương", "huyện", "quận", "thị xã", "thành phố", ...
    level: str  # "province" | "district" | "commune"
    parent_code: str | None  # district of a commune, province of a district, None for a province
    district_code: str | None  # set for communes only
    province_code: str | None  # set for districts and communes

    @property
    def bare_name(self) -> str:
        """The name without its type word ("Bút Sơn"): what letterheads vary around."""
        return self.name[len(self.type.removesuffix(" trung ương")) + 1:]


@cache
def _all() -> tuple[Unit, ...]:
    if not CSV_PATH.exists():
        raise ReferenceDataError(
            f"{CSV_PATH} is missing; regenerate it with "
            f"`pip install vietnam-provinces==0.6.0 && python scripts/build_admin_units.py`")
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        return tuple(
            Unit(row["code"], row["name"], row["type"], row["level"], row["parent_code"] or None,
                 row["district_code"] or None, row["province_code"] or None)
            for row in csv.DictReader(handle))


@cache
def _by_code() -> dict[tuple[str, str], Unit]:
    return {(u.level, u.code): u for u in _all()}


@cache
def _by_name(level: str, how: str) -> dict[str, list[Unit]]:
    """Units of a level by the ``_key`` of their bare name (``how``: "name_key" or "fold")."""
    index: dict[str, list[Unit]] = {}
    for u in units(level):
        index.setdefault(_key(u.bare_name, how), []).append(u)
    return index


def unit(code: str, level: str | None = None) -> Unit:
    """The unit with this GSO code ("038" and "38" alike).

    Codes repeat across levels, so without ``level`` a code held by units of two levels raises
    ``UnknownUnit`` (a KeyError) rather than hand back whichever came first; also if unknown.
    """
    code = str(int(code)) if code.strip().isdigit() else code
    found = [_by_code()[(lvl, code)] for lvl in LEVELS
             if (lvl, code) in _by_code() and level in (None, lvl)]
    if len(found) != 1:
        what = "ambiguous without level=" if found else "unknown"
        raise UnknownUnit(f"administrative unit code {code!r} is {what} (level={level!r})")
    return found[0]


def units(level: str) -> list[Unit]:
    """Every unit of a level ("province", "district", "commune"), by code."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    return [u for u in _all() if u.level == level]


def communes_of(district_code: str) -> list[Unit]:
    """The communes, wards and townships of a district, by code."""
    return [u for u in units("commune") if u.district_code == district_code]


def districts_of(province_code: str) -> list[Unit]:
    """The districts (and district-level towns and cities) of a province, by code."""
    return [u for u in units("district") if u.province_code == province_code]


def find_district(name: str, province_code: str | None = None) -> Unit | None:
    """The district a letterhead names ("UBND HUYỆN HOẰNG HÓA", "TP Thanh Hóa", "Hoằng Hoá").

    None unless exactly one district matches, within ``province_code`` when given.
    """
    return _only(find_all("district", name, None, province_code))


def find_commune(name: str, district_code: str | None = None,
                 province_code: str | None = None) -> Unit | None:
    """The commune a letterhead names ("THỊ TRẤN BÚT SƠN", "xã Hoằng Đức", "Phường Ba Đình").

    Commune names repeat across districts, so pass the district (or province) when known; None
    unless exactly one commune matches within them.
    """
    return _only(find_all("commune", name, district_code, province_code))


def _only(hits: list[Unit]) -> Unit | None:
    return hits[0] if len(hits) == 1 else None


def find_all(level: str, name: str, district_code: str | None = None,
             province_code: str | None = None) -> list[Unit]:
    """Every unit of ``level`` that ``name`` may mean: one is a match, more are ambiguous.

    Match on ``name_key`` first; only when that finds nothing, and only for text written
    without any diacritics ("HOANG HOA" from a font that lost them), on ``fold``. Text that has
    diacritics is trusted: "Hoàng Hóa" must not find Hoằng Hóa. A unit outside the given
    district or province is no match: the letterhead says where the report comes from.
    """
    readings = _readings(level, name)
    if not readings:
        return []
    whole = readings[-1][1]
    for how in ("name_key", "fold") if fold(whole) == whole.lower() else ("name_key",):
        for unit_type, bare in readings:
            hits = [u for u in _by_name(level, how).get(_key(bare, how), [])
                    if unit_type in (None, u.type) and district_code in (None, u.district_code)
                    and province_code in (None, u.province_code)]
            if hits:
                return hits
    return []


def _readings(level: str, name: str) -> list[tuple[str | None, str]]:
    """Ways to read ``name``: (type word's type, bare name) if it starts with a type word, then
    (None, whole name), since a name may itself start like a type word ("Quan Hóa", "Phường Đức").

    A leading "UBND"/"Ủy ban nhân dân" is dropped. A type word counts if it is spelled right or
    written without diacritics (callers pass "thi tran Bút Sơn"); "Phương Lâm" is a name.
    """
    words = _ABBREVIATION_DOT.sub(r"\1 ", clean(name)).split(" ")
    if fold(words[0]) == "ubnd":
        words = words[1:]
    elif fold(" ".join(words[:4])) == "uy ban nhan dan":
        words = words[4:]
    whole = " ".join(words)
    if not whole:
        return []
    readings: list[tuple[str | None, str]] = []
    for word, unit_type in _TYPE_WORDS[level].items():
        size = len(word.split(" "))
        head, rest = " ".join(words[:size]), " ".join(words[size:])
        spelled = name_key(head) == name_key(word) or fold(head) == head.lower()
        if rest and fold(head) == fold(word) and spelled:
            readings.append((unit_type, rest))
    return [*readings, (None, whole)]


def _key(text: str, how: str) -> str:
    """``name_key`` or ``fold`` of a bare name, with spacing around "-" and "'" made uniform
    ("Phan Rang - Tháp Chàm", "K'Dang") and numbered wards unpadded ("Phường 01" is "Phường 1").
    """
    text = re.sub(r"\s*-\s*", " - ", clean(text).replace("’", "'"))
    text = re.sub(r"'\s+", "'", text)
    key = name_key(text) if how == "name_key" else fold(text)
    return str(int(key)) if key.isdigit() else key
