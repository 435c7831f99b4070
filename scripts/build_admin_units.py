"""Regenerate ``reference/admin_units.csv``: every province, district and commune of Viet Nam.

The reports this pipeline reads were written under the three-level tree that was in force until
July 2025 (province, district, commune), so that is the tree we match their letterheads against.
The PyPI package ``vietnam-provinces`` 0.6.0 (data retrieved 2025-01-04) is the last release that
bundles it, with the GSO codes; later releases carry only the post-2025 two-level tree. Hence the
pin, which is a build-time need only: the pipeline reads the committed CSV, not the package.

Run from the repository root:

    pip install vietnam-provinces==0.6.0 && python scripts/build_admin_units.py

Two things in the bundled data are fixed on the way out, because letterhead matching relies on
them:

* ``division_type`` is useless (every province says "tỉnh", every district "huyện", every
  commune "xã"), so the type is read from the name's leading type word instead;
* a few names are mis-capitalised ("Thành Phố Đồng Hới", "Xã Đại áng", "Xã Pa ủ"): the type word
  is rewritten in its standard form and every word of the proper name starts with a capital.
  Apostrophe spellings of ethnic-minority names ("Xã Cư M'gar") are left as published.
"""

from __future__ import annotations

import csv
import json
import sys
import unicodedata
from pathlib import Path

import vietnam_provinces

OUTPUT = Path(__file__).resolve().parent.parent / "reference" / "admin_units.csv"
COLUMNS = ["code", "name", "type", "level", "parent_code", "district_code", "province_code"]
LEVELS = ["province", "district", "commune"]

# Type words as they lead an official name, per level. A centrally-run city's name starts with
# "Thành phố" like a provincial city's; the level tells them apart.
TYPE_WORDS = {
    "province": {"tỉnh": "tỉnh", "thành phố": "thành phố trung ương"},
    "district": {"huyện": "huyện", "quận": "quận", "thị xã": "thị xã", "thành phố": "thành phố"},
    "commune": {"xã": "xã", "phường": "phường", "thị trấn": "thị trấn"},
}


def official_name(raw: str, level: str) -> tuple[str, str]:
    """(full name, type) from a published name: NFC, standard type word, capitalised words."""
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    for word, unit_type in TYPE_WORDS[level].items():
        if name.lower().startswith(word + " "):
            proper = name[len(word) + 1:].split(" ")
            proper = [w[:1].upper() + w[1:] if w[:1].islower() else w for w in proper]
            return f"{word.capitalize()} {' '.join(proper)}", unit_type
    raise ValueError(f"{level} {raw!r} has no type word this script knows")


def rows() -> list[dict[str, str]]:
    """One dict per unit, in CSV column order, sorted by level (province first) then code."""
    tree = json.loads(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH.read_text(encoding="utf-8"))
    out = []
    for province in tree:
        p_code = str(province["code"])
        name, unit_type = official_name(province["name"], "province")
        out.append({"code": p_code, "name": name, "type": unit_type, "level": "province",
                    "parent_code": "", "district_code": "", "province_code": ""})
        for district in province["districts"]:
            d_code = str(district["code"])
            name, unit_type = official_name(district["name"], "district")
            out.append({"code": d_code, "name": name, "type": unit_type, "level": "district",
                        "parent_code": p_code, "district_code": "", "province_code": p_code})
            for commune in district["wards"]:
                name, unit_type = official_name(commune["name"], "commune")
                out.append({"code": str(commune["code"]), "name": name, "type": unit_type,
                            "level": "commune", "parent_code": d_code, "district_code": d_code,
                            "province_code": p_code})
    out.sort(key=lambda row: (LEVELS.index(row["level"]), int(row["code"])))
    return out


def check(units: list[dict[str, str]]) -> None:
    """Stop before writing if the anchors the tests rely on are not what we expect."""
    by_key = {(row["level"], row["code"]): row for row in units}
    expected = {("commune", "15865"): "Thị trấn Bút Sơn", ("district", "399"): "Huyện Hoằng Hóa",
                ("province", "38"): "Tỉnh Thanh Hóa"}
    for key, name in expected.items():
        found = by_key.get(key, {}).get("name")
        if found != name:
            sys.exit(f"{key}: expected {name!r}, found {found!r}; wrong package version?")
    if by_key[("commune", "15865")]["district_code"] != "399":
        sys.exit("Bút Sơn is not in Hoằng Hóa; wrong package version?")


def main() -> None:
    if vietnam_provinces.__version__ != "0.6.0":
        sys.exit(f"need vietnam-provinces==0.6.0 (the pre-2025 tree), "
                 f"found {vietnam_provinces.__version__}")
    units = rows()
    check(units)
    with OUTPUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(units)
    for level in LEVELS:
        print(f"{level}: {sum(row['level'] == level for row in units)}")
    thanh_hoa = [row for row in units if row["province_code"] == "38"]
    print(f"Thanh Hóa (38): {sum(row['level'] == 'district' for row in thanh_hoa)} districts, "
          f"{sum(row['level'] == 'commune' for row in thanh_hoa)} communes")
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
