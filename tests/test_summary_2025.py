"""The summary after the 2025 reform: a province on the two-level map, and a district refused.

The warehouse holds legacy reports of 2024-FY from communes that went into the new Xã Hoằng Hóa
(15865, a code Thị trấn Bút Sơn had on the legacy map) and into Phường Hàm Rồng (one of whose
predecessors was split), and 2025-FY reports of those two new communes. Each figure of the
year-on-year table is checked against a sum over the fixtures' expected.json values, done here.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from cchc.summary import DistrictsEndedError, build
from cchc.warehouse.runs import finish_run, start_run
from cchc.warehouse.schema import connect
from tests.shipped import TEMPLATE
from tests.test_summary import Planned, fixture, load_planned, scaled, variant

ROOT = Path(__file__).resolve().parent.parent
# Xã Hoằng Hóa (2025) = Bút Sơn 15865 + Hoằng Đức 15928 + four communes that sent nothing.
HOANG_HOA_PREDECESSORS = ("15865", "15928", "15937", "15940", "15946", "15952")
# Phường Hàm Rồng (2025): five legacy communes, 14758 of them split with Phường Hạc Thành.
HAM_RONG_PREDECESSORS = ("14755", "14758", "14761", "14791", "15859")
# Xã Hồi Xuân (2025) = two whole legacy communes, both of which reported: like for like.
HOI_XUAN_PREDECESSORS = ("14869", "14911")


def on_2025(name: str, commune: str, factor: float, commune_name: str) -> Planned:
    """A fixture as a 2025 commune's 2025-FY report: no district, figures scaled."""
    report, values = variant(name, None, scaled(fixture(name)[1], factor), period="2025-FY")
    meta = replace(report.meta, commune_code=commune, commune_name=commune_name,
                   district_code=None, district_name=None, province_code="38",
                   admin_map="2025", report_date="2025-12-10")
    return Planned(replace(report, meta=meta), values, _at("2025-12-11"), f"{commune}_2025.pdf")


def on_legacy(name: str, commune: str, factor: float) -> Planned:
    """A fixture as a legacy commune's 2024-FY report."""
    report, values = variant(name, commune, scaled(fixture(name)[1], factor), period="2024-FY",
                             report_date="2024-12-10")
    return Planned(report, values, _at("2024-12-11"), f"{commune}_2024.pdf")


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=9)


PLAN = (
    on_legacy("pdf_word_15865_2023-FY", "15865", 1.0),
    on_legacy("xlsx_15928_2023-FY", "15928", 1.0),
    on_legacy("xlsx_15928_2023-FY", "14758", 0.5),
    on_legacy("pdf_word_15865_2023-FY", "14755", 0.7),
    on_2025("pdf_word_15865_2023-FY", "15865", 2.5, "Xã Hoằng Hóa"),
    on_2025("xlsx_15928_2023-FY", "14758", 1.5, "Phường Hàm Rồng"),
    on_legacy("pdf_word_15865_2023-FY", "14869", 0.4),
    on_legacy("xlsx_15928_2023-FY", "14911", 0.3),
    on_2025("pdf_word_15865_2023-FY", "14869", 0.9, "Xã Hồi Xuân"),
)


def make_reform_warehouse(path: Path) -> Path:
    """A warehouse file loaded with ``PLAN``, in one finished run."""
    con = connect(path)
    start_run(con, "inbox", run_id="run-1")
    for item in PLAN:
        load_planned(con, item)
    finish_run(con, "run-1", n_seen=len(PLAN))
    con.close()
    return path


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return make_reform_warehouse(tmp_path_factory.mktemp("wh2025") / "cchc.duckdb")


@pytest.fixture(scope="module")
def built(warehouse, tmp_path_factory):
    return build(warehouse, "2025-FY", template=TEMPLATE, province="38",
                 out_dir=tmp_path_factory.mktemp("out"))


def values_of(commune: str, period: str, admin_map: str) -> dict[str, float | None]:
    return next(item.values for item in PLAN if item.report.meta.commune_code == commune
                and item.report.meta.period == period and item.report.admin_map == admin_map)


def sheet_rows(path: Path, title: str, first: int) -> list[tuple]:
    sheet = openpyxl.load_workbook(path)[title]
    return [row for row in sheet.iter_rows(min_row=first, values_only=True) if row[0]]


def test_the_province_summary_lists_its_166_communes_on_the_2025_map(built):
    rows = sheet_rows(built.xlsx, "Tình hình nộp báo cáo", 4)
    assert len(rows) == 166
    by_code = {row[0]: row for row in rows}
    assert by_code["15865"][1:3] == ("Xã Hoằng Hóa", "Đã nộp")  # no district column
    assert by_code["14758"][1:3] == ("Phường Hàm Rồng", "Đã nộp")
    assert sum(1 for row in rows if row[2] == "Đã nộp") == 3
    appendix = {row[0]: row for row in sheet_rows(built.xlsx, "Phụ lục 01b tổng hợp", 1)}
    expected = sum(values_of(commune, "2025-FY", "2025")["3.3.1"]
                   for commune in ("15865", "14758", "14869"))
    assert appendix["3.3.1"][3] == expected


def test_each_commune_beside_its_predecessors_a_year_earlier(built):
    rows = {(row[0], row[2]): row for row in sheet_rows(built.xlsx, "So với các xã cũ", 4)}
    assert len(rows) == 166 * 2
    for code in ("3.3.1", "3.3.2"):
        now = values_of("15865", "2025-FY", "2025")[code]
        before = sum(values_of(old, "2024-FY", "legacy")[code] for old in ("15865", "15928"))
        # Two of its six predecessors reported: their sum against the whole new commune is
        # not a change, and none is printed.
        assert rows[("15865", code)][4:] == (now, before, 2, len(HOANG_HOA_PREDECESSORS),
                                             None, "Không")
        now = values_of("14869", "2025-FY", "2025")[code]
        before = sum(values_of(old, "2024-FY", "legacy")[code] for old in HOI_XUAN_PREDECESSORS)
        assert rows[("14869", code)][4:] == (now, before, 2, 2, now - before, "Có")
        now = values_of("14758", "2025-FY", "2025")[code]
        before = sum(values_of(old, "2024-FY", "legacy")[code] for old in ("14758", "14755"))
        assert rows[("14758", code)][4:] == (now, before, 2, len(HAM_RONG_PREDECESSORS), None,
                                             "Không")
    # A commune that sent nothing, whose predecessors sent nothing either.
    assert rows[("15961", "3.3.1")][4:9] == (None, None, 0, 6, None)


def test_the_html_shows_the_year_on_year_table(built):
    page = built.html.read_text(encoding="utf-8")
    assert "Từng xã so với các xã cũ cùng kỳ năm trước" in page
    assert "Cùng kỳ năm trước thuộc bản đồ hành chính cũ" in page
    assert page.count('<tr class="year-on-year">') == 166 * 2
    assert '<span data-code="14758">Phường Hàm Rồng</span> (*)' in page


def test_a_district_after_the_reform_is_refused_in_one_line(warehouse, tmp_path):
    message = ("từ ngày 01/7/2025 không còn cấp huyện: Huyện Hoằng Hóa không có bản tổng hợp "
               "Năm 2025; hãy xem theo tỉnh, Tỉnh Thanh Hóa (mã 38, các xã từ 2025)")
    with pytest.raises(DistrictsEndedError) as caught:
        build(warehouse, "2025-FY", template=TEMPLATE, district="399", out_dir=tmp_path)
    assert str(caught.value) == message
    done = subprocess.run([sys.executable, "-m", "cchc.cli", "summary", "--district", "399",
                           "--period", "2025-FY", "--db", str(warehouse), "--out",
                           str(tmp_path)], cwd=ROOT, capture_output=True, text=True)
    assert (done.returncode, done.stderr, done.stdout) == (2, f"cchc: {message}\n", "")
    assert list(tmp_path.iterdir()) == []


def test_the_old_district_before_the_reform_still_sums_up(warehouse, tmp_path):
    paths = build(warehouse, "2024-FY", template=TEMPLATE, district="399", out_dir=tmp_path)
    appendix = {row[0]: row for row in sheet_rows(paths.xlsx, "Phụ lục 01b tổng hợp", 1)}
    assert appendix["3.3.1"][3] == sum(values_of(old, "2024-FY", "legacy")["3.3.1"]
                                       for old in ("15865", "15928"))
