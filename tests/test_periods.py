"""Reporting periods: windows from the 15th to the 14th, names, and a strict rules file."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from cchc.errors import ReferenceDataError
from cchc.transforms.model import ReportMeta
from cchc.transforms.periods import (
    Period,
    load_rules,
    parse_period,
    report_window,
    same_period_last_year,
)


@pytest.mark.parametrize(("key", "start", "end", "cumulative", "label", "kind"), [
    ("2024-Q1", date(2023, 12, 15), date(2024, 3, 14), False, "Quý I năm 2024", "quarter"),
    ("2024-Q2", date(2024, 3, 15), date(2024, 6, 14), False, "Quý II năm 2024", "quarter"),
    ("2024-Q3", date(2024, 6, 15), date(2024, 9, 14), False, "Quý III năm 2024", "quarter"),
    ("2024-Q4", date(2024, 9, 15), date(2024, 12, 14), False, "Quý IV năm 2024", "quarter"),
    ("2024-H1", date(2023, 12, 15), date(2024, 6, 14), True, "6 tháng đầu năm 2024", "half"),
    ("2024-9M", date(2023, 12, 15), date(2024, 9, 14), True, "9 tháng đầu năm 2024",
     "nine_months"),
    ("2023-FY", date(2022, 12, 15), date(2023, 12, 14), True, "Năm 2023", "year"),
])
def test_windows_run_from_the_15th_to_the_14th(key, start, end, cumulative, label, kind):
    year = int(key[:4])
    assert parse_period(key) == Period(key, kind, year, start, end, cumulative, label)


def test_same_period_last_year():
    assert same_period_last_year("2024-9M") == "2023-9M"
    assert same_period_last_year("2025-Q1") == "2024-Q1"
    assert parse_period(same_period_last_year("2024-Q1")).start == date(2022, 12, 15)


@pytest.mark.parametrize("key", ["2024-Q5", "2024-q1", "2024", "24-Q1", "2024-6M", "Q1-2024", ""])
def test_a_bad_key_names_the_accepted_forms(key):
    said = "chưa chọn kỳ báo cáo" if not key else f"{key!r} không phải mã kỳ báo cáo"
    with pytest.raises(ValueError,
                       match=rf"^{re.escape(said)}; các mã được nhận: YYYY-Q1.*YYYY-9M"):
        parse_period(key)


def test_the_stated_window_wins():
    meta = ReportMeta(period="2024-9M", window_start="2023-11-05", window_end="2024-09-01")
    assert report_window(meta) == (date(2023, 11, 5), date(2024, 9, 1))
    assert report_window(ReportMeta(period="2024-9M")) == (date(2023, 12, 15), date(2024, 9, 14))
    assert report_window(ReportMeta()) == (None, None)


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "periods.yaml"
    path.write_text(body, encoding="utf-8")
    return path


_GOOD = 'periods:\n  Q1: {kind: quarter, label: "Quý I năm {year}", start: "12-15", ' \
        'start_previous_year: true, end: "03-14", cumulative: false}\n'


@pytest.mark.parametrize(("body", "message"), [
    (_GOOD.replace("cumulative: false", "cumulative: false, colour: red"),
     "unknown keys ['colour']"),
    (_GOOD.replace(', cumulative: false', ''), "missing keys ['cumulative']"),
    (_GOOD.replace('"03-14"', '"02-30"'), "end '02-30' is not a day of the year"),
    (_GOOD.replace("quarter", "month"), "kind 'month' is not one of"),
    (_GOOD.replace("Quý I năm {year}", "Quý I"), "must contain {year}"),
    (_GOOD.replace("cumulative: false", "cumulative: nope"), "cumulative must be true or false"),
    ("windows: {}\n", "expected one top-level key 'periods'"),
])
def test_the_loader_is_strict(tmp_path, body, message):
    with pytest.raises(ReferenceDataError, match=re.escape(message)):
        load_rules(_write(tmp_path, body))


def test_the_good_file_loads(tmp_path):
    assert load_rules(_write(tmp_path, _GOOD))["Q1"].start == (12, 15)
    assert sorted(load_rules()) == ["9M", "FY", "H1", "Q1", "Q2", "Q3", "Q4"]
