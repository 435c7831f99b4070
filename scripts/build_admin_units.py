"""Regenerate the administrative-unit reference files from two PyPI packages (build time only).

Viet Nam has had two maps of local government, and reports are written under both:

* ``legacy``: the three-level tree (province, district, commune) in force until 2025-06-30;
* ``2025``: the two-level tree (province, commune) in force from 2025-07-01.

Writes, in ``reference/``:

* ``admin_units.csv`` (``admin_map,code,name,type,level,parent_code,district_code,province_code``):
  the legacy tree from ``vietnam-provinces`` 0.6.0 (data retrieved 2025-01-04, the last release that
  bundles it with GSO codes), and the 2025 tree from ``vietnamadminunits`` (``data/dataset.db``,
  table ``admin_units``);
* ``admin_lineage.csv`` (``old_code,new_code,whole,is_default``): which legacy commune went into
  which 2025 commune, from ``vietnamadminunits``' ``data/converter_2025.json``;
* ``admin_maps.yaml``: each map's validity and the package release it came from;
* ``admin_differences.csv``: where the two packages' legacy snapshots disagree, and what cchc does
  about each (see docs/admin_units.md).

The pipeline reads only these files, never the packages (``vietnamadminunits`` pulls geo
libraries at import; this script reads its data files directly and never imports it). Run from the
repository root:

    pip install vietnam-provinces==0.6.0 && pip install --no-deps vietnamadminunits==1.0.4
    python scripts/build_admin_units.py

Names are fixed on the way out because letterhead matching relies on them: the type is read from
the name's leading type word (``vietnam-provinces``' ``division_type`` says "xã" for every commune,
``vietnamadminunits``' ``wardType`` disagrees with the name in four places), the type word is
written in its standard form and every word of the proper name starts with a capital ("Thành Phố
Đồng Hới", "Xã Đại áng"). Apostrophe spellings ("Xã Cư M'gar") are left as published.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
import unicodedata
from importlib import metadata
from pathlib import Path

import vietnam_provinces

REFERENCE = Path(__file__).resolve().parent.parent / "reference"
COLUMNS = ["admin_map", "code", "name", "type", "level", "parent_code", "district_code",
           "province_code"]
LINEAGE_COLUMNS = ["old_code", "new_code", "whole", "is_default"]
DIFFERENCE_COLUMNS = ["code", "name", "district_code", "province_code", "in", "package_code",
                      "package_name", "treatment"]
LEVELS = ["province", "district", "commune"]
LEGACY_RELEASE = "0.6.0"
NEW_RELEASE = "1.0.4"

# Type words as they lead an official name, per level. A centrally-run city's name starts with
# "Thành phố" like a provincial city's; the level tells them apart.
TYPE_WORDS = {
    "province": {"tỉnh": "tỉnh", "thành phố": "thành phố trung ương"},
    "district": {"huyện": "huyện", "quận": "quận", "thị xã": "thị xã", "thành phố": "thành phố"},
    "commune": {"xã": "xã", "phường": "phường", "thị trấn": "thị trấn", "đặc khu": "đặc khu"},
}

# Legacy communes of vietnam-provinces 0.6.0 that vietnamadminunits' later legacy snapshot no
# longer has, with the commune that absorbed them before 2025-07-01 (read from that commune's
# ``wardAlias``, or the same name kept under a new code in the same district). Checked by hand
# against the package; a commune not listed here and not in the package has no successor.
ABSORBED = {
    "3751": "3721", "3898": "3910", "3913": "3910", "3988": "3997", "3991": "4000",
    "4003": "4000", "4060": "4075", "7693": "7682", "7732": "7681", "7744": "7681",
    "18448": "18430", "20176": "20179", "20674": "20668", "25102": "25096", "25174": "25171",
    "25177": "25189", "26935": "26929", "26959": "26953", "27067": "27076", "27217": "27226",
    "27223": "27232", "27361": "27367", "27379": "27373",
}

# 2025 communes made from island districts that had no communes: the only ones with no
# predecessor. That every other one has a predecessor here is what lets a package-only legacy
# unit (admin_differences.csv) go without lineage of its own.
ISLAND_ZONES = {"Đặc khu Bạch Long Vĩ", "Đặc khu Cồn Cỏ", "Đặc khu Hoàng Sa", "Đặc khu Lý Sơn",
                "Đặc khu Côn Đảo"}


def official_name(raw: str, level: str) -> tuple[str, str]:
    """(full name, type) from a published name: NFC, standard type word, capitalised words."""
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    for word, unit_type in TYPE_WORDS[level].items():
        if name.lower().startswith(word + " "):
            proper = name[len(word) + 1:].split(" ")
            proper = [w[:1].upper() + w[1:] if w[:1].islower() else w for w in proper]
            return f"{word.capitalize()} {' '.join(proper)}", unit_type
    raise ValueError(f"{level} {raw!r} has no type word this script knows")


def unit_row(admin_map: str, code: str, raw_name: str, level: str, parent: str = "",
             district: str = "", province: str = "") -> dict[str, str]:
    name, unit_type = official_name(raw_name, level)
    return {"admin_map": admin_map, "code": str(int(code)), "name": name, "type": unit_type,
            "level": level, "parent_code": parent, "district_code": district,
            "province_code": province}


def legacy_rows() -> list[dict[str, str]]:
    """The legacy tree, one dict per unit, from vietnam-provinces' bundled JSON."""
    tree = json.loads(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH.read_text(encoding="utf-8"))
    out = []
    for province in tree:
        p_code = str(province["code"])
        out.append(unit_row("legacy", p_code, province["name"], "province"))
        for district in province["districts"]:
            d_code = str(district["code"])
            out.append(unit_row("legacy", d_code, district["name"], "district", p_code, "", p_code))
            out.extend(unit_row("legacy", str(c["code"]), c["name"], "commune", d_code, d_code,
                                p_code) for c in district["wards"])
    return out


def new_rows(db: sqlite3.Connection) -> list[dict[str, str]]:
    """The 2025 tree: 34 provinces and their communes, parent = province, no district."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    for province, p_code, ward, w_code in db.execute(
            "SELECT province, provinceCode, ward, wardCode FROM admin_units"):
        p_code = str(int(p_code))
        out.setdefault(("province", p_code), unit_row("2025", p_code, province, "province"))
        out[("commune", w_code)] = unit_row("2025", w_code, ward, "commune", p_code, "", p_code)
    return list(out.values())


def lineage_rows(db: sqlite3.Connection, converter: dict,
                 legacy_codes: set[str]) -> list[dict[str, str]]:
    """(old_code, new_code, whole, is_default): each legacy commune and a 2025 commune it went into.

    The converter names units by keys ("tinhthanhhoa_huyenhoanghoa_xahoangloc"); the dataset maps
    keys to codes. Communes of our legacy tree that the package's snapshot lacks take the lineage of
    the commune that absorbed them (``ABSORBED``).
    """
    old = {f"{p}_{d}_{w}": str(int(c)) for p, d, w, c in db.execute(
        "SELECT provinceKey, districtKey, wardKey, wardCode FROM admin_units_legacy "
        "WHERE wardCode IS NOT NULL")}
    new = {(p, w): str(int(c)) for p, w, c in db.execute(
        "SELECT provinceKey, wardKey, wardCode FROM admin_units")}
    by_old: dict[str, list[dict[str, str]]] = {}
    for p_key, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_key, old_keys in wards.items():
            for old_key in old_keys:
                if old_key in old:  # island districts without communes have no old commune
                    by_old.setdefault(old[old_key], []).append(
                        {"new_code": new[(p_key, new_key)], "whole": "true", "is_default": "true"})
    for p_key, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, targets in olds.items():
            by_old.setdefault(old[old_key], []).extend(
                {"new_code": new[(p_key, t["newWardKey"])], "whole": "false",
                 "is_default": "true" if t["isDefaultNewWard"] else "false"} for t in targets)
    for ours, absorber in ABSORBED.items():
        by_old[ours] = by_old[absorber]
    return sorted(({"old_code": code, **row} for code, rows in by_old.items()
                   if code in legacy_codes for row in rows),
                  key=lambda r: (int(r["old_code"]), int(r["new_code"])))


def differences(legacy: list[dict[str, str]], db: sqlite3.Connection,
                lineage: list[dict[str, str]]) -> list[dict[str, str]]:
    """Each legacy commune that one package has and the other lacks, with what cchc does."""
    ours = {r["code"]: r for r in legacy if r["level"] == "commune"}
    theirs = {str(int(c)): (n, str(int(d)), str(int(p))) for n, c, d, p in db.execute(
        "SELECT ward, wardCode, districtCode, provinceCode FROM admin_units_legacy "
        "WHERE wardCode IS NOT NULL")}
    with_successor = {r["old_code"] for r in lineage}
    out = []
    for code in sorted(set(ours) - set(theirs), key=int):
        row = ours[code]
        absorber = ABSORBED.get(code, "")
        treatment = (f"absorbed by {absorber} before the reform: takes its successors"
                     if code in with_successor else "no successor: kept on the legacy map only")
        out.append({"code": code, "name": row["name"], "district_code": row["district_code"],
                    "province_code": row["province_code"], "in": "vietnam-provinces",
                    "package_code": absorber,
                    "package_name": theirs[absorber][0] if absorber else "",
                    "treatment": treatment})
    for code in sorted(set(theirs) - set(ours), key=int):
        name, district, province = theirs[code]
        took = sorted((c for c, a in ABSORBED.items() if a == code), key=int)
        treatment = (f"not a legacy unit in cchc; its lineage is given to {' '.join(took)}"
                     if took else "not a legacy unit in cchc; its successors have other "
                                  "predecessors")
        out.append({"code": code, "name": name, "district_code": district,
                    "province_code": province, "in": "vietnamadminunits", "package_code": code,
                    "package_name": name, "treatment": treatment})
    return out


def check(units: list[dict[str, str]], lineage: list[dict[str, str]]) -> None:
    """Stop before writing if the anchors the tests rely on are not what we expect."""
    by_key = {(r["admin_map"], r["level"], r["code"]): r for r in units}
    expected = {("legacy", "commune", "15865"): "Thị trấn Bút Sơn",
                ("legacy", "district", "399"): "Huyện Hoằng Hóa",
                ("legacy", "province", "38"): "Tỉnh Thanh Hóa",
                ("2025", "commune", "15865"): "Xã Hoằng Hóa",
                ("2025", "commune", "15961"): "Xã Hoằng Lộc",
                ("2025", "province", "38"): "Tỉnh Thanh Hóa"}
    for key, name in expected.items():
        found = by_key.get(key, {}).get("name")
        if found != name:
            sys.exit(f"{key}: expected {name!r}, found {found!r}; wrong package version?")
    if by_key[("legacy", "commune", "15865")]["district_code"] != "399":
        sys.exit("Bút Sơn is not in Hoằng Hóa; wrong package version?")
    with_predecessor = {r["new_code"] for r in lineage}
    orphans = {r["name"] for r in units if r["admin_map"] == "2025" and r["level"] == "commune"
               and r["code"] not in with_predecessor}
    if orphans != ISLAND_ZONES:
        sys.exit(f"2025 communes without a predecessor: {sorted(orphans)}; expected only "
                 f"{sorted(ISLAND_ZONES)}")
    if sum(r["new_code"] == "15961" for r in lineage) != 6:
        sys.exit("the new Xã Hoằng Lộc should have six predecessors; wrong package version?")


def write_csv(name: str, columns: list[str], rows: list[dict[str, str]]) -> None:
    with (REFERENCE / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def maps_yaml() -> str:
    return f"""\
# Written by scripts/build_admin_units.py; the runtime reads it (transforms/admin_units.py).
# A report is on the map in force on its report date, else at its period's end.
legacy:
  description: three levels (province, district, commune)
  valid_from: null
  valid_to: 2025-06-30
  source: {{package: vietnam-provinces, release: "{LEGACY_RELEASE}"}}
"2025":
  description: two levels (province, commune); districts abolished
  valid_from: 2025-07-01
  valid_to: null
  source: {{package: vietnamadminunits, release: "{NEW_RELEASE}", file: data/dataset.db}}
lineage:
  source: {{package: vietnamadminunits, release: "{NEW_RELEASE}", file: data/converter_2025.json}}
"""


def package_data() -> Path:
    """vietnamadminunits' data folder, found without importing the package (geo dependencies)."""
    dist = metadata.distribution("vietnamadminunits")
    if dist.version != NEW_RELEASE:
        sys.exit(f"need vietnamadminunits=={NEW_RELEASE}, found {dist.version}")
    return Path(str(dist.locate_file("vietnamadminunits/data")))


def main() -> None:
    if vietnam_provinces.__version__ != LEGACY_RELEASE:
        sys.exit(f"need vietnam-provinces=={LEGACY_RELEASE} (the pre-2025 tree), "
                 f"found {vietnam_provinces.__version__}")
    data = package_data()
    db = sqlite3.connect(data / "dataset.db")
    converter = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))
    legacy = legacy_rows()
    units = legacy + new_rows(db)
    units.sort(key=lambda r: (r["admin_map"] != "legacy", LEVELS.index(r["level"]), int(r["code"])))
    lineage = lineage_rows(db, converter, {r["code"] for r in legacy if r["level"] == "commune"})
    check(units, lineage)
    diffs = differences(legacy, db, lineage)
    write_csv("admin_units.csv", COLUMNS, units)
    write_csv("admin_lineage.csv", LINEAGE_COLUMNS, lineage)
    write_csv("admin_differences.csv", DIFFERENCE_COLUMNS, diffs)
    (REFERENCE / "admin_maps.yaml").write_text(maps_yaml(), encoding="utf-8")
    report(units, lineage, diffs)


def report(units: list[dict[str, str]], lineage: list[dict[str, str]],
           diffs: list[dict[str, str]]) -> None:
    """What was written, and every difference between the two legacy snapshots."""
    for admin_map in ("legacy", "2025"):
        counts = {level: sum(r["admin_map"] == admin_map and r["level"] == level for r in units)
                  for level in LEVELS}
        print(f"{admin_map}: " + ", ".join(f"{n} {lvl}" for lvl, n in counts.items() if n))
    print(f"lineage: {len(lineage)} rows, {len({r['old_code'] for r in lineage})} old communes, "
          f"{len({r['new_code'] for r in lineage})} new communes")
    for row in diffs:
        print(f"  only in {row['in']}: {row['code']} {row['name']} (district "
              f"{row['district_code']}, province {row['province_code']}): {row['treatment']}")


if __name__ == "__main__":
    main()
