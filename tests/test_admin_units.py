"""Administrative units: the committed CSV and letterhead-name matching, on real data."""

from __future__ import annotations

import pytest

from cchc.transforms import admin_units
from cchc.transforms.admin_units import find_all, unit


def find_commune(name: str, district_code: str | None = None, province_code: str | None = None,
                 admin_map: str = admin_units.LEGACY) -> admin_units.Unit | None:
    """The one commune the production matcher finds, None when it finds none or several."""
    hits = find_all("commune", name, district_code, province_code, admin_map)
    return hits[0] if len(hits) == 1 else None


def find_district(name: str, province_code: str | None = None) -> admin_units.Unit | None:
    hits = find_all("district", name, None, province_code)
    return hits[0] if len(hits) == 1 else None


def test_but_son_is_in_hoang_hoa_thanh_hoa():
    but_son = find_commune("THỊ TRẤN BÚT SƠN")
    assert but_son is not None
    assert (but_son.code, but_son.name, but_son.type) == ("15865", "Thị trấn Bút Sơn", "thị trấn")
    assert (but_son.district_code, but_son.province_code) == ("399", "38")
    assert unit(but_son.district_code, "district").name == "Huyện Hoằng Hóa"
    assert unit("38", "province").name == "Tỉnh Thanh Hóa"


def test_commune_with_district():
    hoang_duc = find_commune("XÃ HOẰNG ĐỨC", district_code="399")
    assert hoang_duc is not None and hoang_duc.code == "15928"
    assert find_commune("xã Hoằng Đức") == hoang_duc
    assert find_commune("UBND XÃ HOẰNG ĐỨC", "399") == hoang_duc
    assert find_commune("xa Hoằng Đức") == hoang_duc  # type word as metadata passes it, folded


def test_ambiguous_commune_needs_its_district():
    # Eight communes are called Quảng Phú; two in Thanh Hóa alone.
    assert len(find_all("commune", "Quảng Phú")) == 8
    assert len(find_all("commune", "Xã Quảng Phú")) == 5
    assert find_commune("Xã Quảng Phú") is None
    assert len(find_all("commune", "Quảng Phú", province_code="38")) == 2
    assert find_commune("Xã Quảng Phú", district_code="395").code == "15571"
    # Phường Ba Đình: in Thanh Hóa city and in Bỉm Sơn.
    assert find_commune("Phường Ba Đình") is None
    assert find_commune("Phường Ba Đình", "381").code == "14812"


def test_type_word_must_agree():
    assert find_commune("Yên Viên", "18") is None  # a xã and a thị trấn of that name
    assert find_commune("Thị trấn Yên Viên", "18").code == "526"
    assert find_district("Xã Hoằng Hóa") is None


def test_unit_outside_the_given_district_is_no_match():
    assert find_commune("Thị trấn Bút Sơn", district_code="400") is None


def test_district_name_forms():
    for name in ("HUYỆN HOẰNG HÓA", "Hoằng Hoá", "UBND HUYỆN HOẰNG HÓA",
                 "ỦY BAN NHÂN DÂN HUYỆN HOẰNG HOÁ", "Uỷ ban nhân dân huyện Hoằng Hóa"):
        assert find_district(name).code == "399", name
    assert find_district("thị xã Bỉm Sơn").code == "381"
    for name in ("TP Thanh Hóa", "TP. Thanh Hoá", "THÀNH PHỐ THANH HÓA", "Thành phố Thanh Hóa"):
        city = find_district(name)
        assert (city.code, city.name, city.type) == ("380", "Thành phố Thanh Hóa", "thành phố")


def test_old_tone_placement_matches():
    assert find_district("Huyện Hoằng Hoá").code == "399"
    assert find_district("Quan Hoá").code == "385"  # "Quan" is the name here, not "Quận"


def test_a_different_tone_is_a_different_name():
    assert find_district("Hoàng Hóa") is None
    assert find_commune("Xã Hoằng Sơn").code == "15901"  # Hoằng Hóa
    assert find_commune("Xã Hoàng Sơn").code == "16288"  # Nông Cống
    assert find_commune("Xã Hoàng Sơn", district_code="399") is None
    assert find_commune("Hoàng Đức", district_code="399") is None


def test_text_without_diacritics_falls_back_to_fold_only_if_unique():
    assert find_commune("HOANG DUC", district_code="399").code == "15928"
    assert find_district("QUAN HOA").code == "385"
    assert find_district("THANH HOA") is None  # Thanh Hóa (38) or Thạnh Hóa (Long An)
    assert find_district("THANH HOA", province_code="38").code == "380"


def test_thanh_hoa_counts():
    # The tree of 2025-01-04: Đông Sơn had already merged into Thanh Hóa city, so 26 not 27.
    assert len(admin_units.districts_of("38")) == 26
    assert sum(len(admin_units.communes_of(d.code)) for d in admin_units.districts_of("38")) == 549
    assert len(admin_units.communes_of("399")) == 36


def test_country_counts():
    assert [len(admin_units.units(level)) for level in admin_units.LEVELS] == [63, 696, 10051]


def test_unknown_and_empty_names():
    assert find_district("") is None
    assert find_commune("") is None
    assert find_commune("UBND") is None
    assert find_commune("Xã Không Có Thật") is None


def test_codes_repeat_across_levels():
    assert unit("382", "district").name == "Thành phố Sầm Sơn"
    with pytest.raises(KeyError):
        unit("382")  # also a commune code
    with pytest.raises(KeyError):
        unit("999999")
    assert unit("038", "province").code == "38"
