"""Normalisation of Vietnamese text and numbers as communes type them."""

import pytest

from cchc.template.text import NotANumber, clean, fold, name_key, parse_number


@pytest.mark.parametrize(("raw", "expected"), [
    ("841", 841), ("1.234", 1234), ("12.345.678", 12345678), ("99,47", 99.47),
    ("99,47%", 99.47), ("100 %", 100), ("0", 0), ("2.5", 2.5), ("1,234,567", 1234567),
    ("1.234,5", 1234.5), ("-3", -3), (7, 7), (3.0, 3), (0.5, 0.5),
])
def test_numbers_as_communes_write_them(raw, expected):
    value = parse_number(raw)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize("raw", [None, "", "  ", "-", "–", "x", "..."])
def test_blank_is_none_never_zero(raw):
    assert parse_number(raw) is None


@pytest.mark.parametrize("raw", ["abc", "12 hồ sơ", "1.2.3", "Có", "1,23,4"])
def test_text_is_not_a_number(raw):
    with pytest.raises(NotANumber):
        parse_number(raw)


def test_clean_fixes_the_legacy_font_and_spacing():
    assert clean("  Phƣơng  hƣớng\u00a0NĂM\n2024 ") == "Phương hướng NĂM 2024"
    assert clean("PHƢƠNG") == "PHƯƠNG"
    # Decomposed input (NFD) comes out composed (NFC).
    assert clean("Ho\u0300a") == "Hòa"


def test_fold_and_name_key():
    assert fold("Thị trấn BÚT SƠN") == "thi tran but son"
    assert fold("Đức") == "duc"
    assert name_key("Hoằng Hoá") == name_key("Hoằng Hóa")
    assert name_key("Hoằng Hóa") != name_key("Hoàng Hóa")
