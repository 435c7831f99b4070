"""Every rendered fixture (Word and Excel PDFs, workbooks, text) extracts exactly; every hostile
file is refused with one line that says what is wrong."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cchc.errors import UnreadableReport
from cchc.flows.reading import extract_report
from tests.fixtures.hostile_files import make_xlsx_bomb
from tests.fixtures.template import TRONG_DO
from tests.shipped import TEMPLATE

FIXTURES = Path(__file__).parent / "fixtures"
REPORTS = sorted(p for p in (FIXTURES / "reports").iterdir() if not p.name.endswith(".json"))


def expected(path: Path) -> dict:
    return json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))


def test_fixture_set_covers_every_format():
    formats = {expected(p)["format"] for p in REPORTS}
    assert formats == {"pdf", "xlsx", "docx", "txt"}
    assert len(REPORTS) >= 17


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.name)
def test_every_value_and_metadata_field_is_exact(path):
    truth = expected(path)
    report = extract_report(path, TEMPLATE)
    assert report.source.format == truth["format"]
    assert {o.code: o.value for o in report.observations} == truth["values"]
    meta = report.meta
    assert {key: getattr(meta, key) for key in truth["report"]} == truth["report"]
    assert [o.code for o in report.observations if not o.present] == []
    assert report.issues == ()


@pytest.mark.parametrize("path", [p for p in REPORTS if p.suffix == ".xlsx"], ids=lambda p: p.name)
def test_workbook_values_point_at_their_cells(path):
    import openpyxl

    report = extract_report(path, TEMPLATE)
    workbook = openpyxl.load_workbook(path, data_only=True)
    for observation in report.observations:
        if observation.value is None:
            continue
        cell = workbook[observation.place.sheet][observation.place.cell]
        assert cell.value is not None, observation


@pytest.mark.parametrize("path", [p for p in REPORTS if p.suffix == ".docx"], ids=lambda p: p.name)
def test_word_values_point_at_their_table_cells(path):
    import docx

    report = extract_report(path, TEMPLATE)
    tables = docx.Document(str(path)).tables
    for observation in report.observations:
        place = observation.place
        row = tables[place.table - 1].rows[place.row - 1]
        assert row.cells[0].text.strip().rstrip(".") in {observation.code, TRONG_DO}, place
        if observation.value is not None:
            assert row.cells[int(place.cell) - 1].text.strip() == observation.raw


def test_pdf_values_carry_their_page():
    report = extract_report(FIXTURES / "reports" / "pdf_word_15865_2024-9M.pdf", TEMPLATE)
    pages = {o.place.page for o in report.observations if o.present}
    assert min(pages) >= 4 and len(pages) >= 3


HOSTILE = {
    "empty.pdf": "tệp rỗng (0 byte); đề nghị xã gửi lại",
    "truncated.pdf": "PDF bị hỏng hoặc không trọn vẹn",
    "encrypted.pdf": "PDF có đặt mật khẩu; đề nghị xã gửi bản không đặt mật khẩu",
    "scanned_no_text.pdf": "PDF không có lớp chữ (bản quét hoặc ảnh chụp)",
    "not_a_report.pdf": "tệp PDF này không phải báo cáo CCHC",
    "not_a_report.xlsx": "sổ tính này không phải báo cáo CCHC",
    "report_old_word.doc": "tệp Word/Excel 97-2003 (.doc/.xls), định dạng cũ hệ thống không đọc "
                           "được; đề nghị xã mở tệp, lưu lại thành .docx, .xlsx hoặc PDF",
    "report_word97.doc": "tệp Word 97-2003 (.doc), định dạng cũ hệ thống không đọc được; đề nghị "
                         "xã mở tệp, lưu lại thành Word (.docx) hoặc PDF",
    "report_excel97.xls": "tệp Excel 97-2003 (.xls), định dạng cũ hệ thống không đọc được; đề "
                          "nghị xã mở tệp, lưu lại thành Excel (.xlsx) hoặc PDF",
    "random_bytes.pdf": "nội dung tệp không thuộc định dạng nào được nhận",
    "narrative_only.txt": "không tìm thấy Phụ lục 01b",
}


def test_every_hostile_fixture_is_listed():
    on_disk = {p.name for p in (FIXTURES / "hostile").iterdir() if p.suffix != ".md"}
    assert on_disk == set(HOSTILE)


@pytest.mark.parametrize(("name", "message"), HOSTILE.items())
def test_hostile_files_exit_2_with_one_line(name, message):
    result = subprocess.run(
        [sys.executable, "-m", "cchc.cli", "extract", str(FIXTURES / "hostile" / name)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"cchc: {name}: ")
    assert message in result.stderr


def test_zip_bomb_is_refused_before_inflating(tmp_path):
    import resource

    bomb = make_xlsx_bomb(tmp_path / "bomb.xlsx")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(UnreadableReport, match="khai báo 3072 MB nội dung khi giải nén"):
        extract_report(bomb, TEMPLATE)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 100 * 1024


def test_formula_saved_without_its_value_is_named_not_blanked(tmp_path):
    import openpyxl

    source = FIXTURES / "reports" / "xlsx_15976_2024-9M.xlsx"
    workbook = openpyxl.load_workbook(source)  # formulas kept, their cached values dropped
    resaved = tmp_path / "resaved.xlsx"
    workbook.save(resaved)
    report = extract_report(resaved, TEMPLATE)
    formulas = [i for i in report.issues if i.rule == "value.formula_not_computed"]
    assert formulas, "the fixture's totals are formulas"
    assert all("chưa được tính" in i.message and "=SUM(" in i.message for i in formulas)
    blanked = {i.codes[0] for i in formulas}
    assert all(report.value(code) is None for code in blanked)
