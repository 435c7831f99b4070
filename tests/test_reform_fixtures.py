"""Reports written around the 1 July 2025 reform (tests/fixtures/reform/) extract exactly: every
value, and the commune on the map in force when each was written (codes were reused, so the
same code names another commune before and after)."""

import json
from pathlib import Path

import pytest

from cchc.flows.reading import extract_report, read_report
from cchc.transforms import admin_units
from cchc.transforms.validate import validate_reports
from tests.shipped import TEMPLATE

REFORM = Path(__file__).parent / "fixtures" / "reform"
FILES = sorted(p for p in REFORM.iterdir() if not p.name.endswith(".json"))


def expected(path: Path) -> dict:
    return json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))


def test_the_set_covers_both_maps_every_format_and_the_periods_asked_for():
    seen = {(expected(p)["format"], expected(p)["report"]["admin_map"],
             expected(p)["report"]["period"]) for p in FILES}
    for file_format in ("pdf", "xlsx", "txt"):
        new = {period for f, m, period in seen if f == file_format and m == "2025"}
        assert {"2025-9M", "2025-FY"} <= new and any(p.startswith("2026") for p in new)
    assert {period for _, m, period in seen if m == "legacy"} >= {"2025-H1", "2024-FY"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_value_and_metadata_field_is_exact(path):
    truth = expected(path)
    report = extract_report(path, TEMPLATE)
    assert report.source.format == truth["format"]
    assert {o.code: o.value for o in report.observations} == truth["values"]
    assert {key: getattr(report.meta, key) for key in truth["report"]} == truth["report"]
    assert report.admin_map == truth["report"]["admin_map"]
    assert report.issues == ()


@pytest.mark.parametrize(("name", "admin_map", "commune", "district"), [
    ("pdf_word_15865_2025-9M.pdf", "2025", "Xã Hoằng Hóa", None),
    ("pdf_word_15961_2025-FY.pdf", "2025", "Xã Hoằng Lộc", None),
    ("xlsx_15961_2025-9M.xlsx", "2025", "Xã Hoằng Lộc", None),
    ("txt_15991_2026-Q1.txt", "2025", "Xã Hoằng Tiến", None),
    ("pdf_word_15961_2024-FY.pdf", "legacy", "Xã Hoằng Thành", "399"),
    ("xlsx_15991_2024-FY.xlsx", "legacy", "Xã Hoằng Hải", "399"),
    ("pdf_word_15964_2025-H1.pdf", "legacy", "Xã Hoằng Lộc", "399"),
    ("xlsx_15988_2025-H1.xlsx", "legacy", "Xã Hoằng Tiến", "399"),
])
def test_a_reused_code_names_the_commune_of_its_map(name, admin_map, commune, district):
    """The truth here is written by hand from the reform's resolution, not by the generator."""
    meta = extract_report(REFORM / name, TEMPLATE).meta
    assert (meta.admin_map, meta.commune_name, meta.district_code, meta.province_code) == (
        admin_map, commune, district, "38")
    assert admin_units.unit(meta.commune_code, "commune", admin_map).name == commune


def test_predecessors_report_under_their_own_codes_and_lead_to_the_new_commune():
    old = extract_report(REFORM / "pdf_word_15961_2024-FY.pdf", TEMPLATE).meta
    new = extract_report(REFORM / "pdf_word_15961_2025-FY.pdf", TEMPLATE).meta
    assert old.commune_code == new.commune_code == "15961"  # the same code, two communes
    assert [s.new_code for s in admin_units.successors(old.commune_code)] == ["15961"]
    hoang_loc = extract_report(REFORM / "pdf_word_15964_2025-H1.pdf", TEMPLATE).meta
    assert [s.new_code for s in admin_units.successors(hoang_loc.commune_code)] == ["15961"]


def test_every_reform_fixture_is_accepted():
    verdicts = validate_reports([read_report(path, TEMPLATE) for path in FILES], TEMPLATE)
    errors = [i.message for v in verdicts.values() for i in v.issues if i.severity == "error"]
    assert errors == []
    assert {v.status for v in verdicts.values()} == {"accepted"}


@pytest.mark.parametrize("path", [p for p in FILES if p.suffix in (".pdf", ".txt")
                                  and expected(p)["report"]["admin_map"] == "2025"],
                         ids=lambda p: p.name)
def test_a_2025_commune_writes_to_its_province_not_to_a_district(path):
    """Districts were abolished on 1 July 2025: a report of the 2025 map answers to the
    province (UBND tỉnh, Sở Nội vụ), as a real one would. The appendix's own labels keep the
    template's wording, so only the narrative and the recipients are looked at."""
    if path.suffix == ".pdf":
        import pypdfium2

        document = pypdfium2.PdfDocument(path)
        text = "".join(page.get_textpage().get_text_range() for page in document)
    else:
        text = path.read_text(encoding="utf-8")
    text = " ".join(text.replace("ƣ", "ư").split())
    assert "Phòng Nội vụ huyện" not in text and "của UBND huyện." not in text
    assert "Sở Nội vụ" in text
