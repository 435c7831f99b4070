"""Reports of communes whose clerks write an apostrophe the registry leaves out
(tests/fixtures/names/), rendered by Word-like DOCX → PDF: Lâm Đồng's "Xã Đưng K’Nớ" (registry
"Xã Đưng KNớ") before the reform, Gia Lai's "Xã K’Dang" (registry "Xã KDang") on the 2025 map.
Each is filed under its commune, every value exact, accepted, and never told to write its name.
"""

import json
from pathlib import Path

import pytest

from cchc.extractors.read import read_raw
from cchc.flows.reading import extract_report, read_report
from cchc.transforms.validate import validate_reports
from tests.shipped import TEMPLATE

NAMES = Path(__file__).parent / "fixtures" / "names"
FILES = sorted(p for p in NAMES.iterdir() if p.suffix == ".pdf")


def expected(path: Path) -> dict:
    return json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("name", "written", "commune", "district", "province", "admin_map"), [
    ("pdf_word_24850_2025-H1.pdf", "UBND XÃ ĐƯNG K’NỚ", ("24850", "Xã Đưng KNớ"), "675", "68",
     "legacy"),
    ("pdf_word_23714_2025-9M.pdf", "XÃ K’DANG", ("23714", "Xã KDang"), None, "52", "2025"),
])
def test_the_commune_is_found_as_its_clerk_writes_it(name, written, commune, district, province,
                                                     admin_map):
    """The truth is written by hand from reference/admin_units.csv; the letterhead really has
    the typographic apostrophe the registry lacks."""
    path = NAMES / name
    raw = read_raw(path.read_bytes(), name, TEMPLATE)
    assert written in [line.text for line in raw.lines[:4]]
    meta = extract_report(path, TEMPLATE).meta
    assert ((meta.commune_code, meta.commune_name), meta.district_code, meta.province_code,
            meta.admin_map) == (commune, district, province, admin_map)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_value_is_exact_and_no_name_is_asked_for(path):
    truth = expected(path)
    report = extract_report(path, TEMPLATE)
    assert {o.code: o.value for o in report.observations} == truth["values"]
    assert {key: getattr(report.meta, key) for key in truth["report"]} == truth["report"]
    assert [i.message for i in report.issues] == []


def test_they_are_accepted():
    verdicts = validate_reports([read_report(path, TEMPLATE) for path in FILES], TEMPLATE)
    messages = [i.message for v in verdicts.values() for i in v.issues]
    assert not any("ghi rõ tên đơn vị" in m for m in messages)
    assert {v.status for v in verdicts.values()} == {"accepted"}
