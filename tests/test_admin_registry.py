"""The registry of both maps and the reform's lineage, checked against published facts.

The numbers come from the reform itself (Resolution 202/2025/QH15 and the provinces' resolutions
of June 2025: 34 provinces, 3,321 communes of which 2,621 xã, 687 phường and 13 đặc khu; Thanh Hóa
166 communes; Huyện Hoằng Hóa's 36 communes became 8) and from the old registry's own counts.
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date

import pytest

from cchc.transforms import admin_units
from cchc.transforms.admin_units import (
    LEGACY,
    NEW,
    map_on,
    predecessors,
    successors,
    unit,
)

DIFFERENCES = admin_units.REFERENCE / "admin_differences.csv"


def differences() -> list[dict[str, str]]:
    with DIFFERENCES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_2025_map_has_34_provinces_and_3321_communes():
    communes = admin_units.units("commune", NEW)
    assert len(communes) == 3321
    assert len(admin_units.units("province", NEW)) == 34
    assert len({u.province_code for u in communes}) == 34
    assert Counter(u.type for u in communes) == {"xã": 2621, "phường": 687, "đặc khu": 13}
    assert admin_units.units("district", NEW) == []
    assert all(u.district_code is None and u.parent_code == u.province_code for u in communes)
    assert len(admin_units.communes_in("38", NEW)) == 166


def test_the_legacy_map_is_unchanged():
    assert [len(admin_units.units(level, LEGACY)) for level in admin_units.LEVELS] == [
        63, 696, 10051]


def test_a_code_names_a_unit_only_with_its_map():
    assert unit("15865", "commune", LEGACY).name == "Thị trấn Bút Sơn"
    assert unit("15865", "commune", LEGACY).district_code == "399"
    assert unit("15865", "commune", NEW).name == "Xã Hoằng Hóa"
    assert unit("15865", "commune", NEW).district_code is None
    assert unit("15865", "commune").admin_map == LEGACY  # callers with no date: the old map
    with pytest.raises(ValueError, match="admin_map must be one of"):
        unit("15865", "commune", "2024")


@pytest.mark.parametrize(("day", "admin_map", "name"), [
    (date(2024, 9, 13), LEGACY, "Thị trấn Bút Sơn"),
    (date(2025, 6, 30), LEGACY, "Thị trấn Bút Sơn"),
    (date(2025, 7, 1), NEW, "Xã Hoằng Hóa"),
    (date(2026, 1, 5), NEW, "Xã Hoằng Hóa"),
])
def test_15865_before_and_after_the_reform(day, admin_map, name):
    assert map_on(day) == admin_map
    assert unit("15865", "commune", map_on(day)).name == name


def test_new_hoang_loc_took_six_communes_and_an_old_code():
    assert unit("15961", "commune", NEW).name == "Xã Hoằng Lộc"
    olds = {unit(row.old_code, "commune").name for row in predecessors("15961")}
    assert olds == {"Xã Hoằng Thái", "Xã Hoằng Thịnh", "Xã Hoằng Thành", "Xã Hoằng Lộc",
                    "Xã Hoằng Trạch", "Xã Hoằng Tân"}
    assert all(row.whole for row in predecessors("15961"))
    assert unit("15961", "commune", LEGACY).name == "Xã Hoằng Thành"
    assert [row.new_code for row in successors("15964")] == ["15961"]  # the old Hoằng Lộc


def test_new_hoang_tien():
    assert unit("15991", "commune", NEW).name == "Xã Hoằng Tiến"
    assert [row.new_code for row in successors("15988")] == ["15991"]  # the old Hoằng Tiến
    assert {unit(r.old_code, "commune").name for r in predecessors("15991")} == {
        "Xã Hoằng Yến", "Xã Hoằng Tiến", "Xã Hoằng Hải", "Xã Hoằng Trường"}


def test_hoang_hoa_36_communes_became_8():
    olds = admin_units.communes_of("399")
    news = {row.new_code for u in olds for row in successors(u.code)}
    assert len(olds) == 36
    assert len(news) == 8
    assert "15865" in news


def test_every_old_commune_has_a_successor_but_the_listed_ones():
    without = {u.code for u in admin_units.units("commune") if not successors(u.code)}
    listed = {row["code"] for row in differences() if row["treatment"].startswith("no successor")}
    assert without == listed == {"16387", "16411", "25186"}


def test_the_two_snapshots_differences_add_up():
    """10,051 communes here, 10,040 legacy rows in vietnamadminunits (5 of them island districts
    without communes): 26 communes only here, 10 only there."""
    rows = differences()
    ours = [row for row in rows if row["in"] == "vietnam-provinces"]
    theirs = [row for row in rows if row["in"] == "vietnamadminunits"]
    assert (len(ours), len(theirs)) == (26, 10)
    assert 10051 - len(ours) + len(theirs) + 5 == 10040
    legacy = {u.code for u in admin_units.units("commune")}
    assert all(row["code"] in legacy for row in ours)
    assert not any(row["code"] in legacy for row in theirs)
    for row in ours:  # an absorbed commune inherits its absorber's successors exactly
        if row["package_code"] and row["package_code"] in legacy:
            assert successors(row["code"]) and {s.new_code for s in successors(row["code"])} == {
                s.new_code for s in successors(row["package_code"])}


def test_split_communes_have_one_default_successor():
    split = Counter(row.old_code for row in admin_units.lineage() if not row.whole)
    defaults = Counter(row.old_code for row in admin_units.lineage()
                       if not row.whole and row.is_default)
    assert len(split) == 471  # the package's count of divided communes
    assert all(n >= 2 for n in split.values())
    assert defaults == Counter(dict.fromkeys(split, 1))
    assert all(len(successors(code)) == 1 for code in {r.old_code for r in admin_units.lineage()
                                                        if r.whole})


def test_new_map_names_match_within_their_map():
    def codes(level: str, name: str, admin_map: str = LEGACY) -> list[str]:
        return [u.code for u in admin_units.find_all(level, name, admin_map=admin_map)]

    assert codes("commune", "XÃ HOẰNG HÓA", NEW) == ["15865"]
    assert codes("commune", "XÃ HOẰNG HÓA") == []  # no such commune on the legacy map
    assert codes("commune", "Xã Hoằng Lộc", NEW) == ["15961"]
    assert codes("commune", "Xã Hoằng Lộc") == ["15964"]
    assert codes("district", "Huyện Hoằng Hóa") == ["399"]
    assert codes("district", "Huyện Hoằng Hóa", NEW) == []
    assert codes("province", "TỈNH THANH HÓA", NEW) == ["38"]


def test_maps_record_their_source():
    maps = admin_units.maps()
    assert maps[LEGACY].valid_to == date(2025, 6, 30)
    assert maps[NEW].valid_from == date(2025, 7, 1)
    assert (maps[NEW].package, maps[NEW].release) == ("vietnamadminunits", "1.0.4")
    assert (maps[LEGACY].package, maps[LEGACY].release) == ("vietnam-provinces", "0.6.0")


def test_only_the_island_zones_have_no_predecessor():
    """Five island districts had no communes; they became đặc khu with nothing before them."""
    orphans = {u.name for u in admin_units.units("commune", NEW) if not predecessors(u.code)}
    assert orphans == {"Đặc khu Bạch Long Vĩ", "Đặc khu Cồn Cỏ", "Đặc khu Hoàng Sa",
                       "Đặc khu Lý Sơn", "Đặc khu Côn Đảo"}
