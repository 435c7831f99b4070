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
match is decided on ``unit_names.key`` and narrowed by the district and province already known. When
that leaves anything but one unit the answer is None: a report filed under the wrong commune
would corrupt the figures silently, a report left unfiled is seen and fixed.

Data: ``reference/admin_units.csv``, ``admin_lineage.csv`` and ``admin_maps.yaml``, built by
``scripts/build_admin_units.py``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import yaml

from cchc.errors import ReferenceDataError, UnknownUnit
from cchc.transforms import unit_names

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


def same_commune(report_map: str | None, report_code: str, admin_map: str, code: str) -> bool:
    """Whether the commune ``code`` on ``admin_map`` (a sender's, an account's) is the one a
    report names, across the reform too: a legacy report's commune and the 2025 commune it went
    into are the same sender."""
    if report_map == admin_map:
        return report_code == code
    if report_map == LEGACY:
        return any(row.new_code == code for row in successors(report_code))
    return any(row.new_code == report_code for row in successors(code))


@cache
def _lineage_by(side: str) -> dict[str, tuple[Lineage, ...]]:
    index: dict[str, list[Lineage]] = {}
    for row in _lineage():
        index.setdefault(getattr(row, side), []).append(row)
    return {code: tuple(rows) for code, rows in index.items()}


@cache
def _by_name(level: str, how: str, admin_map: str) -> dict[str, list[Unit]]:
    """Units of a level and map by the key of their bare name (``how``: "key" or "plain_key",
    see unit_names)."""
    index: dict[str, list[Unit]] = {}
    for u in units(level, admin_map):
        index.setdefault(_key(u.bare_name, how), []).append(u)
    return index


def _key(text: str, how: str) -> str:
    return unit_names.key(text) if how == "key" else unit_names.plain_key(text)


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


def find_all(level: str, name: str, district_code: str | None = None,
             province_code: str | None = None, admin_map: str = LEGACY) -> list[Unit]:
    """Every unit of ``level`` on ``admin_map`` that ``name`` may mean: one is a match, more are
    ambiguous.

    The one matcher of unit names: letterheads, place lines, workbook titles, province and
    district lines (through ``metadata``), the desk and the command line all come here. Match
    on ``unit_names.key`` first; only when that finds nothing, and only for text written
    without any diacritics ("HOANG HOA" from a font that lost them), on ``plain_key``. Text
    that has diacritics is trusted: "Hoàng Hóa" must not find Hoằng Hóa. A unit outside the given
    district or province is no match: the letterhead says where the report comes from.
    """
    if level == "district" and admin_map != LEGACY:
        return []
    readings = unit_names.readings(level, name)
    if not readings:
        return []
    plain = unit_names.without_diacritics(readings[-1][1])
    for how in ("key", "plain_key") if plain else ("key",):
        for unit_type, bare in readings:
            hits = [u for u in _by_name(level, how, admin_map).get(_key(bare, how), [])
                    if unit_type in (None, u.type) and district_code in (None, u.district_code)
                    and province_code in (None, u.province_code)]
            if hits:
                return hits
    return []
