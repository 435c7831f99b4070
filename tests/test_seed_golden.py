"""The one real report we have (Thị trấn Bút Sơn, 9 tháng đầu năm 2024), held to every figure."""

from pathlib import Path

import pytest

from cchc.flows.reading import extract_report
from tests.shipped import TEMPLATE

SEED = Path(__file__).parent / "fixtures" / "seed" / "000_2efa1e083bc69a65.txt"

# Every figure the seed's appendix carries; every other value row of the catalog is blank.
SEED_VALUES = {
    "1.1.1": 28, "1.1.2": 18, "1.1.3": 18,
    "3.1.3": 204, "3.2.1": 109, "3.2.3": 95, "3.2.4": 100, "3.2.5": 100,
    "3.3.1": 841, "3.3.1.a": 94, "3.3.1.c": 658, "3.3.1.d": 89,
    "3.3.2": 841, "3.3.2.a": 94, "3.3.2.c": 658, "3.3.2.d": 89,
    "3.4.2": 841, "3.5": 0,
    "4.1": 22, "4.1.2": 27,
    "5.2": 1, "6.1": 1, "6.2": 1,
    "7.1": 2, "7.2.1": 1, "7.2.2": 559, "7.2.2.a": 100, "7.3": 1, "7.3.1": 1,
    "7.4.1": 140, "7.4.2": 50, "7.5": 1,
}


@pytest.fixture(scope="module")
def seed():
    return extract_report(SEED, TEMPLATE)


def test_every_value_row_is_exact_and_blanks_are_null(seed):
    got = {o.code: o.value for o in seed.observations}
    expected = {i.code: SEED_VALUES.get(i.code) for i in TEMPLATE.value_indicators}
    assert got == expected
    assert all(isinstance(v, int) for v in got.values() if v is not None)


def test_every_template_row_was_found(seed):
    assert [o.code for o in seed.observations if not o.present] == []


def test_metadata(seed):
    meta = seed.meta
    assert (meta.commune_code, meta.commune_name) == ("15865", "Thị trấn Bút Sơn")
    assert (meta.district_code, meta.district_name) == ("399", "Huyện Hoằng Hóa")
    assert meta.province_code == "38"
    assert meta.period == "2024-9M"
    # The seed leaves its number and date blank ("Số:   /BC-UBND", "ngày   tháng   năm 2024").
    assert meta.report_date is None
    assert meta.doc_number is None
    assert (meta.window_start, meta.window_end) == ("2023-11-05", "2024-09-01")


def test_provenance_points_at_the_value_lines(seed):
    lines = {o.code: o.place.line for o in seed.observations if o.value is not None}
    text = SEED.read_text(encoding="utf-8").splitlines()
    for code, line in lines.items():
        assert str(seed.value(code)) in text[line - 1], (code, line, text[line - 1])
    assert lines["3.3.1"] == 787
    assert lines["5.2"] == 940


def test_no_extraction_issues(seed):
    assert seed.issues == ()
