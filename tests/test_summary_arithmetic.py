"""The template's arithmetic on the roll-up (issue 23): each accepted report is consistent, but a
commune that reports "đã xử lý xong" (1.2.3) and leaves "phát hiện" (1.2.2) blank makes the
district total say more problems were dealt with than found. The summary says so, with the
totals and the commune to ask; a consistent area says nothing of the kind."""

from __future__ import annotations

from datetime import datetime

from cchc.summary import build
from cchc.summary.build import resolve_area
from cchc.summary.gather import collect
from cchc.transforms.periods import parse_period
from cchc.warehouse.runs import finish_run, start_run
from cchc.warehouse.schema import connect
from tests.shipped import TEMPLATE
from tests.test_summary import Planned, load_planned, variant

BASE = "pdf_word_15928_2024-9M"


def _warehouse(path, blank_whole: bool):
    con = connect(path)
    start_run(con, "inbox", run_id="run-1")
    plans = [("15928", {"1.2.2": 10, "1.2.3": 8}),
             ("15877", {"1.2.2": None if blank_whole else 70, "1.2.3": 60})]
    for commune, values in plans:
        report, figures = variant(BASE, commune, values)
        load_planned(con, Planned(report, figures, datetime(2024, 9, 18, 9), f"{commune}.pdf"))
    finish_run(con, "run-1", n_seen=len(plans))
    return con


def _contradictions(con):
    period = parse_period("2024-9M")
    summary = collect(con, resolve_area("399", None, period), period, period.end, TEMPLATE)
    return [item for item in summary.follow_up if item.kind == "rollup"]


def test_a_total_where_the_part_exceeds_the_whole_is_said_with_the_commune_to_ask(tmp_path):
    con = _warehouse(tmp_path / "cchc.duckdb", blank_whole=True)
    try:
        found = _contradictions(con)
    finally:
        con.close()
    assert len(found) == 1
    message = found[0].message
    assert "tổng mã 1.2.3 = 68 lớn hơn tổng mã 1.2.2 = 10" in message
    assert "Xã Hoằng Xuân" in message and "Xã Hoằng Đức" not in message
    out = build(tmp_path / "cchc.duckdb", "2024-9M", template=TEMPLATE, district="399",
                out_dir=tmp_path / "out")
    assert "Số liệu tổng hợp tự mâu thuẫn" in out.html.read_text(encoding="utf-8")


def test_a_consistent_area_has_no_such_line(tmp_path):
    con = _warehouse(tmp_path / "cchc.duckdb", blank_whole=False)
    try:
        assert _contradictions(con) == []
    finally:
        con.close()
