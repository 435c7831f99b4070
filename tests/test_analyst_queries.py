"""docs/analysts.md stays true: every SQL block runs, through the same read-only path as
``cchc query``, against a warehouse loaded from the fixture reports, and returns the columns
and the rows the guide promises."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from cchc.warehouse.query import run_query
from tests.test_summary import current, expected_rates, make_warehouse
from tests.test_summary_2025 import make_reform_warehouse, values_of

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "analysts.md"

COLUMNS = {
    "Các xã chưa nộp báo cáo": ["commune_code", "commune_name", "status", "n_reports"],
    "Các xã nộp muộn": ["commune_code", "commune_name", "first_received_at", "days_late"],
    "Báo cáo bị trả lại và lý do": ["commune_code", "commune_name", "period", "file_name",
                                 "received_at", "rule", "message"],
    "Cảnh báo cần xem lại trong báo cáo đã chấp nhận": ["commune_code", "commune_name", "file_name",
                                              "rule", "codes", "message"],
    "Số liệu tổng hợp của huyện trong một kỳ": ["code", "label", "unit", "aggregation", "value",
                                     "n_reporting", "n_expected", "share", "by_code"],
    "Các tỷ lệ của huyện tính từ số liệu thành phần": ["on_time_share", "n_on_time", "online_share",
                                        "n_online", "plan_completion", "n_plan"],
    "Các xã có tỷ lệ hồ sơ trực tuyến thấp nhất": ["commune_code", "commune_name", "received",
                                        "partly_online", "fully_online", "online_share"],
    "Tỷ lệ đúng hạn của một xã qua các kỳ": ["period", "period_label", "cumulative",
                                                     "received", "on_time", "on_time_share"],
    "Số liệu thay đổi nhiều nhất so với cùng kỳ năm trước": [
        "commune_code", "commune_name", "code", "label", "value_before", "value_now", "change",
        "change_pct"],
    "Các xã để trống dòng bắt buộc": ["commune_code", "commune_name", "code",
                                                  "label", "present"],
    "Dòng Có/Không: bao nhiêu xã trả lời Có": ["code", "label", "n_yes", "n_reporting",
                                                  "n_expected", "yes_pct"],
    "Các lý do cách ly tệp thường gặp nhất": ["reason", "n_files", "first_seen", "last_seen",
                                              "files"],
    "Tổng quan toàn tỉnh theo từng huyện": ["district_code", "district_name", "n_expected",
                                           "n_submitted", "n_rejected", "n_missing",
                                           "dossiers_received", "dossiers_n_reporting"],
    "Nguồn gốc của một số liệu": ["commune_name", "code", "value", "raw", "page", "sheet", "cell",
                                 "line", "file_name"],
    "Một xã mới so với các xã cũ đã hợp thành": ["period", "source", "value", "n_reporting",
                                                 "n_expected", "comparable"],
    "Địa bàn huyện cũ qua các kỳ": ["period", "area", "value", "n_reporting", "n_expected",
                                    "other_parts"],
}
# Queries across the 2025 reform, run on a warehouse with reports on both maps.
REFORM = {"Một xã mới so với các xã cũ đã hợp thành", "Địa bàn huyện cũ qua các kỳ"}


def sql_blocks(text: str) -> dict[str, str]:
    """heading → the ```sql block under it (each block must sit under its own ### heading)."""
    blocks: dict[str, str] = {}
    heading = None
    pattern = r"^(#{2,3}) ([^\n]+)$|^```sql\n(.*?)^```"
    for match in re.finditer(pattern, text, flags=re.M | re.S):
        if match.group(1):
            heading = match.group(2).strip() if match.group(1) == "###" else None
            continue
        assert heading is not None, f"a ```sql block without its own ### heading: {match[3]!r}"
        assert heading not in blocks, f"two ```sql blocks under «{heading}»"
        blocks[heading] = match.group(3)
    return blocks


BLOCKS = sql_blocks(GUIDE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return make_warehouse(tmp_path_factory.mktemp("analysts") / "cchc.duckdb")


@pytest.fixture(scope="module")
def reform_warehouse(tmp_path_factory) -> Path:
    return make_reform_warehouse(tmp_path_factory.mktemp("analysts2025") / "cchc.duckdb")


def run(warehouse: Path, heading: str) -> list[dict]:
    columns, rows = run_query(warehouse, BLOCKS[heading], retry_seconds=0)
    return [dict(zip(columns, row, strict=True)) for row in rows]


def test_the_guide_has_at_least_ten_queries_each_with_its_expected_columns():
    assert len(BLOCKS) >= 10
    assert set(BLOCKS) == set(COLUMNS)


@pytest.mark.parametrize("heading", list(BLOCKS))
def test_every_query_runs_and_returns_its_columns(warehouse, reform_warehouse, heading):
    db = reform_warehouse if heading in REFORM else warehouse
    columns, rows = run_query(db, BLOCKS[heading], retry_seconds=0)
    assert columns == COLUMNS[heading]
    assert rows, f"«{heading}» returns nothing on the fixture warehouse"


def test_who_has_not_submitted_and_who_was_late(warehouse):
    rows = run(warehouse, "Các xã chưa nộp báo cáo")
    assert len(rows) == 36 - len(current("399"))
    assert rows[0] == {"commune_code": "15880", "commune_name": "Xã Hoằng Giang",
                       "status": "rejected", "n_reports": 1}
    assert {r["status"] for r in rows[1:]} == {"missing"}
    late = run(warehouse, "Các xã nộp muộn")
    assert [(r["commune_code"], r["days_late"]) for r in late] == [("15976", 4), ("15988", 1)]
    assert late[0]["first_received_at"] == datetime(2024, 9, 24, 9)


def test_rejected_reports_and_quarantined_files(warehouse):
    rejected = run(warehouse, "Báo cáo bị trả lại và lý do")
    assert {r["file_name"] for r in rejected} == {'=HYPERLINK("x")', "-2+3 khong ro xa.pdf"}
    quarantined = run(warehouse, "Các lý do cách ly tệp thường gặp nhất")
    assert [(r["reason"], r["n_files"]) for r in quarantined] == [
        ("PDF has no text layer (<scan>)", 1)]


def test_totals_and_rates_equal_the_independent_computation(warehouse):
    communes = current("399")
    totals = {r["code"]: r for r in run(warehouse, "Số liệu tổng hợp của huyện trong một kỳ")}
    assert len(totals) == 65
    assert totals["3.3.1"]["value"] == sum(v["3.3.1"] for v in communes.values())
    assert totals["3.3.1"]["n_reporting"] == 5 and totals["3.3.1"]["n_expected"] == 36
    (rates,) = run(warehouse, "Các tỷ lệ của huyện tính từ số liệu thành phần")
    want = expected_rates(communes)
    assert rates["on_time_share"] == pytest.approx(round(want["on_time"], 2))
    assert rates["online_share"] == pytest.approx(round(want["online"], 2))
    assert rates["plan_completion"] == pytest.approx(round(want["plan"], 2))
    assert (rates["n_on_time"], rates["n_online"], rates["n_plan"]) == (5, 2, 4)
    lowest = run(warehouse, "Các xã có tỷ lệ hồ sơ trực tuyến thấp nhất")
    assert [r["commune_code"] for r in lowest] == ["15988", "15865"]
    assert lowest[0]["online_share"] == round(100 * (822 + 88) / 1165, 1)


def test_trend_change_and_blank_required_rows(warehouse):
    trend = run(warehouse, "Tỷ lệ đúng hạn của một xã qua các kỳ")
    assert [r["period"] for r in trend] == ["2023-9M", "2023-FY", "2024-H1", "2024-9M"]
    changed = run(warehouse, "Số liệu thay đổi nhiều nhất so với cùng kỳ năm trước")
    assert (changed[0]["commune_code"], changed[0]["code"], changed[0]["value_before"],
            changed[0]["value_now"]) == ("15865", "3.3.1", round(1327 * 0.8), 1327)
    blanks = run(warehouse, "Các xã để trống dòng bắt buộc")
    assert [(r["commune_code"], r["code"]) for r in blanks] == [("15877", "1.1.1"),
                                                                 ("15877", "3.1.3")]


def test_province_overview(warehouse):
    rows = {r["district_code"]: r for r in run(warehouse, "Tổng quan toàn tỉnh theo từng huyện")}
    assert set(rows) == {"397", "399"}
    assert (rows["399"]["n_submitted"], rows["399"]["n_rejected"], rows["399"]["n_missing"]) == (
        5, 1, 30)
    assert rows["397"]["n_submitted"] == 1


def test_a_new_commune_against_its_predecessors(reform_warehouse):
    rows = run(reform_warehouse, "Một xã mới so với các xã cũ đã hợp thành")
    before = sum(values_of(old, "2024-FY", "legacy")["3.3.1"] for old in ("15865", "15928"))
    assert rows == [
        {"period": "2024-FY", "source": "các xã cũ", "value": before, "n_reporting": 2,
         "n_expected": 6, "comparable": True},
        {"period": "2025-FY", "source": "xã mới",
         "value": values_of("15865", "2025-FY", "2025")["3.3.1"], "n_reporting": 1,
         "n_expected": 1, "comparable": True}]


def test_the_old_district_area_over_time(reform_warehouse):
    rows = run(reform_warehouse, "Địa bàn huyện cũ qua các kỳ")
    before = sum(values_of(old, "2024-FY", "legacy")["3.3.1"] for old in ("15865", "15928"))
    assert rows == [
        {"period": "2024-FY", "area": "huyện cũ", "value": before, "n_reporting": 2,
         "n_expected": 36, "other_parts": 0},
        {"period": "2025-FY", "area": "các xã mới",
         "value": values_of("15865", "2025-FY", "2025")["3.3.1"], "n_reporting": 1,
         "n_expected": 8, "other_parts": 0}]
