"""Viet Nam's administrative units on both maps, their lineage, and letterhead-name matching.

Two maps (``reference/admin_maps.yaml``): ``legacy``, the three-level tree (province, district,
commune) in force until 2025-06-30, and ``2025``, the two-level tree (province, commune) from
2025-07-01. GSO codes were reused across them (15865 is Thị trấn Bút Sơn on ``legacy`` and Xã Hoằng
Hóa on ``2025``) and are numbered per level (district 382 and commune 382 both exist), so a unit is
its code, its level *and* its map: every lookup here takes the map, ``legacy`` by default for the
callers that read pre-reform data only. ``map_on`` says which map was in force on a day; the
lineage says which legacy communes went into which 2025 commune.

A report is filed under the commune its letterhead names ("UBND HUYỆN HOẰNG HÓA / UBND THỊ TRẤN
BÚT SƠN"). Names repeat across the country (eight "Quảng Phú"), differ only by a tone ("Hoằng"
and "Hoàng" are different places) and arrive in old or new tone placement ("Hoá"/"Hóa"), so a
match is decided on ``name_key`` and narrowed by the district and province already known. When
that leaves anything but one unit the answer is None: a report filed under the wrong commune
would corrupt the figures silently, a report left unfiled is seen and fixed.

Data: ``reference/admin_units.csv``, ``admin_lineage.csv`` and ``admin_maps.yaml``, built by
``scripts/build_admin_units.py``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import yaml

from cchc.errors import ReferenceDataError, UnknownUnit
from cchc.transforms.text import clean, fold, name_key

REFERENCE = Path(__file__).resolve().parent.parent / "reference"
CSV_PATH = REFERENCE / "admin_units.csv"
LINEAGE_PATH = REFERENCE / "admin_lineage.csv"
MAPS_PATH = REFERENCE / "admin_maps.yaml"
LEVELS = ("province", "district", "commune")
LEGACY = "legacy"
NEW = "2025"
MAPS = (LEGACY, NEW)
_REBUILD = ("regenerate it with `pip install vietnam-provinces==0.6.0 && pip install --no-deps "
            "vietnamadminunits==1.0.4 && python scripts/build_admin_units.py`")

# Type words a letterhead may put before a name, per level, with the type they stand for.
_TYPE_WORDS = {
    "province": {"tỉnh": "tỉnh", "thành phố": "thành phố trung ương",
                 "tp": "thành phố trung ương"},
    "district": {"huyện": "huyện", "quận": "quận", "thị xã": "thị xã", "thành phố": "thành phố",
                 "tp": "thành phố", "tx": "thị xã"},
    "commune": {"xã": "xã", "phường": "phường", "thị trấn": "thị trấn", "tt": "thị trấn",
                "đặc khu": "đặc khu"},
}
_ABBREVIATION_DOT = re.compile(r"^(tp|tx|tt)\.\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Unit:
    """One administrative unit as the CSV has it; codes are GSO codes, unpadded strings."""

    admin_map: str  # "legacy" | "2025"
    code: str
    name: str  # full official name with its type word: "Thị trấn Bút Sơn"
    type: str  # "tỉnh", "thành phố trung ương", "huyện", "quận", "thị xã", "thành phố", ...
    level: str  # "province" | "district" (legacy only) | "commune"
    parent_code: str | None  # district of a legacy commune, else province; None for a province
    district_code: str | None  # set for legacy communes only
    province_code: str | None  # set for districts and communes

    @property
    def bare_name(self) -> str:
        """The name without its type word ("Bút Sơn"): what letterheads vary around."""
        return self.name[len(self.type.removesuffix(" trung ương")) + 1:]


@dataclass(frozen=True)
class Lineage:
    """A legacy commune that went, whole or in part, into a 2025 commune.

    A split commune has one row per successor, ``whole`` false, and ``is_default`` on the one
    successor the source names as default; a commune that went whole has one row, both true.
    """

    old_code: str
    new_code: str
    whole: bool
    is_default: bool


@dataclass(frozen=True)
class AdminMap:
    """A map's validity (None: open-ended) and the package release its units came from."""

    id: str
    valid_from: date | None
    valid_to: date | None
    package: str
    release: str


@cache
def _all() -> tuple[Unit, ...]:
    return tuple(
        Unit(row["admin_map"], row["code"], row["name"], row["type"], row["level"],
             row["parent_code"] or None, row["district_code"] or None,
             row["province_code"] or None)
        for row in csv.DictReader(io.StringIO(_reference_text(CSV_PATH), newline="")))


def _reference_text(path: Path) -> str:
    """A reference file's text. The three files are built together by one script, so any of
    them missing (a partial checkout, a botched rebuild) is told the same way: which file, and
    how to rebuild it, as one line rather than a traceback."""
    if not path.exists():
        raise ReferenceDataError(f"{path} is missing; {_REBUILD}")
    return path.read_text(encoding="utf-8")


@cache
def _by_code() -> dict[tuple[str, str, str], Unit]:
    return {(u.admin_map, u.level, u.code): u for u in _all()}


@cache
def maps() -> dict[str, AdminMap]:
    """Every map by id, as ``reference/admin_maps.yaml`` records it."""
    data = yaml.safe_load(_reference_text(MAPS_PATH))
    return {key: AdminMap(key, data[key]["valid_from"], data[key]["valid_to"],
                          data[key]["source"]["package"], str(data[key]["source"]["release"]))
            for key in MAPS}


def map_on(day: date) -> str:
    """The map in force on ``day``: "legacy" until 2025-06-30, "2025" from 2025-07-01."""
    for admin_map in maps().values():
        if (admin_map.valid_from or date.min) <= day <= (admin_map.valid_to or date.max):
            return admin_map.id
    raise ValueError(f"no administrative map is in force on {day}")


def lineage() -> list[Lineage]:
    """Every (legacy commune, 2025 commune) pair of the reform, by old code then new code."""
    return list(_lineage())


@cache
def _lineage() -> tuple[Lineage, ...]:
    rows = csv.DictReader(io.StringIO(_reference_text(LINEAGE_PATH), newline=""))
    return tuple(Lineage(row["old_code"], row["new_code"], row["whole"] == "true",
                         row["is_default"] == "true") for row in rows)


def successors(old_code: str) -> list[Lineage]:
    """The 2025 communes a legacy commune went into (none for the few listed in
    reference/admin_differences.csv)."""
    return list(_lineage_by("old_code").get(old_code, ()))


def predecessors(new_code: str) -> list[Lineage]:
    """The legacy communes that went, whole or in part, into a 2025 commune."""
    return list(_lineage_by("new_code").get(new_code, ()))


@cache
def _lineage_by(side: str) -> dict[str, tuple[Lineage, ...]]:
    index: dict[str, list[Lineage]] = {}
    for row in _lineage():
        index.setdefault(getattr(row, side), []).append(row)
    return {code: tuple(rows) for code, rows in index.items()}


@cache
def _by_name(level: str, how: str, admin_map: str) -> dict[str, list[Unit]]:
    """Units of a level and map by the ``_key`` of their bare name (``how``: "name_key" or
    "fold")."""
    index: dict[str, list[Unit]] = {}
    for u in units(level, admin_map):
        index.setdefault(_key(u.bare_name, how), []).append(u)
    return index


def unit(code: str, level: str | None = None, admin_map: str = LEGACY) -> Unit:
    """The unit of ``admin_map`` with this GSO code ("038" and "38" alike).

    Codes repeat across levels, so without ``level`` a code held by units of two levels raises
    ``UnknownUnit`` (a KeyError) rather than hand back whichever came first; also if unknown.
    """
    _check_map(admin_map)
    code = str(int(code)) if code.strip().isdigit() else code
    found = [_by_code()[(admin_map, lvl, code)] for lvl in LEVELS
             if (admin_map, lvl, code) in _by_code() and level in (None, lvl)]
    if len(found) != 1:
        what = "ambiguous without level=" if found else "unknown"
        raise UnknownUnit(f"administrative unit code {code!r} is {what} "
                          f"(level={level!r}, admin_map={admin_map!r})")
    return found[0]


def units(level: str, admin_map: str = LEGACY) -> list[Unit]:
    """Every unit of a level ("province", "district", "commune") on a map, by code. The 2025
    map has no districts."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    _check_map(admin_map)
    return [u for u in _all() if u.level == level and u.admin_map == admin_map]


def _check_map(admin_map: str) -> None:
    if admin_map not in MAPS:
        raise ValueError(f"admin_map must be one of {MAPS}, not {admin_map!r}")


def communes_of(district_code: str) -> list[Unit]:
    """The communes, wards and townships of a (legacy) district, by code."""
    return [u for u in units("commune") if u.district_code == district_code]


def districts_of(province_code: str) -> list[Unit]:
    """The districts (and district-level towns and cities) of a legacy province, by code."""
    return [u for u in units("district") if u.province_code == province_code]


def communes_in(province_code: str, admin_map: str) -> list[Unit]:
    """The communes of a province on a map, by code (166 for Thanh Hóa on the 2025 map)."""
    return [u for u in units("commune", admin_map) if u.province_code == province_code]


def find_province(name: str, admin_map: str = LEGACY) -> Unit | None:
    """The province a text names ("TỈNH THANH HÓA", "Thanh Hoá"); None unless exactly one."""
    return _only(find_all("province", name, admin_map=admin_map))


def find_district(name: str, province_code: str | None = None) -> Unit | None:
    """The (legacy) district a letterhead names ("UBND HUYỆN HOẰNG HÓA", "TP Thanh Hóa").

    None unless exactly one district matches, within ``province_code`` when given.
    """
    return _only(find_all("district", name, None, province_code))


def find_commune(name: str, district_code: str | None = None,
                 province_code: str | None = None, admin_map: str = LEGACY) -> Unit | None:
    """The commune of ``admin_map`` a letterhead names ("THỊ TRẤN BÚT SƠN", "xã Hoằng Đức").

    Commune names repeat across districts and provinces, so pass the district (legacy) or the
    province when known; None unless exactly one commune matches within them.
    """
    return _only(find_all("commune", name, district_code, province_code, admin_map))


def _only(hits: list[Unit]) -> Unit | None:
    return hits[0] if len(hits) == 1 else None


def find_all(level: str, name: str, district_code: str | None = None,
             province_code: str | None = None, admin_map: str = LEGACY) -> list[Unit]:
    """Every unit of ``level`` on ``admin_map`` that ``name`` may mean: one is a match, more are
    ambiguous.

    Match on ``name_key`` first; only when that finds nothing, and only for text written
    without any diacritics ("HOANG HOA" from a font that lost them), on ``fold``. Text that has
    diacritics is trusted: "Hoàng Hóa" must not find Hoằng Hóa. A unit outside the given
    district or province is no match: the letterhead says where the report comes from.
    """
    if level == "district" and admin_map != LEGACY:
        return []
    readings = _readings(level, name)
    if not readings:
        return []
    whole = readings[-1][1]
    for how in ("name_key", "fold") if fold(whole) == whole.lower() else ("name_key",):
        for unit_type, bare in readings:
            hits = [u for u in _by_name(level, how, admin_map).get(_key(bare, how), [])
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
