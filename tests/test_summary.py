"""The district summary (issue 5): every rolled-up figure of the workbook and the HTML checked
against an independent computation from the fixtures' expected.json values; who is missing,
rejected, late; hostile text that stays text; errors with their messages; and the HTML as a
real browser renders it.

The warehouse holds every fixture report, plus variants made with dataclasses.replace so that
district 399 has six communes for 2024-9M (one rejected), a year-earlier period, a commune of
another district, an unreadable file and a report that names no commune.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import zipfile
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from cchc.errors import CchcError
from cchc.flows.reading import extract_report
from cchc.summary import (
    AreaChoiceError,
    DeadlineError,
    NoReportsError,
    PeriodKeyError,
    UnknownAreaError,
    build,
    charts,
    html,
)
from cchc.summary.build import parse_period_key, resolve_area
from cchc.summary.gather import collect
from cchc.summary.rates import compute
from cchc.summary.timeliness import classify, default_deadline, parse_deadlines
from cchc.transforms import admin_units
from cchc.transforms.model import Issue, Report
from cchc.transforms.periods import parse_period
from cchc.warehouse.load import Submission, load_report, record_submission
from cchc.warehouse.runs import finish_run, start_run
from cchc.warehouse.schema import connect
from tests.shipped import TEMPLATE

REPORTS = Path(__file__).resolve().parent / "fixtures" / "reports"
HOSTILE_NAME = '=HYPERLINK("x")'
HOSTILE_MESSAGE = '=HYPERLINK("x") <script>alert(1)</script> Tổng 3.3.1 không khớp các dòng'
CHROMIUM = Path("/usr/bin/chromium")


# --- the warehouse ----------------------------------------------------------------------------

@cache
def fixture(name: str) -> tuple[Report, dict[str, float | None]]:
    """A fixture report as extracted, and its figures as its expected.json states them."""
    path = next(p for p in REPORTS.glob(f"{name}.*") if not p.name.endswith(".json"))
    truth = json.loads((REPORTS / f"{name}.expected.json").read_text(encoding="utf-8"))
    return extract_report(path, TEMPLATE), truth["values"]


@dataclass(frozen=True)
class Planned:
    """One file as it is loaded: the report, its figures (plain dict), how it was received."""

    report: Report
    values: dict[str, float | None]
    received_at: datetime
    file_name: str
    status: str = "accepted"
    issues: tuple[Issue, ...] = ()


def variant(name: str, commune: str | None, values: dict[str, float | None] | None = None,
            **meta: str | None) -> tuple[Report, dict[str, float | None]]:
    """A fixture as another commune (or period) might have sent it: other bytes, other figures."""
    report, truth = fixture(name)
    values = {**truth, **(values or {})}
    unit = admin_units.unit(commune, "commune") if commune else None
    observations = tuple(replace(o, value=values[o.code],
                                 raw="" if values[o.code] is None else str(values[o.code]))
                         for o in report.observations)
    sha = hashlib.sha256(repr((name, commune, sorted(values.items()), sorted(meta.items())))
                         .encode()).hexdigest()
    if "period" in meta:  # the fixture's stated window belongs to its own period
        meta = {"window_start": None, "window_end": None, **meta}
    new_meta = replace(report.meta, commune_code=commune,
                       commune_name=unit.name if unit else None,
                       district_code=unit.district_code if unit else None, **meta)
    return replace(report, source=replace(report.source, sha256=sha), meta=new_meta,
                   observations=observations), values


def scaled(values: dict[str, float | None], factor: float) -> dict[str, float | None]:
    """Counts scaled (what a year earlier might have been); percentages and choices kept."""
    kinds = {i.code: i.kind for i in TEMPLATE.value_indicators}
    return {code: round(v * factor) if kinds[code] == "count" and v is not None else v
            for code, v in values.items()}


def plan() -> list[Planned]:
    """Every file the test warehouse receives, in order."""
    def at(day: str, hour: int = 9) -> datetime:
        return datetime.fromisoformat(day).replace(hour=hour)

    planned = []
    for path in sorted(REPORTS.glob("*.expected.json")):
        name = path.name.removesuffix(".expected.json")
        if name.startswith(("docx_", "pdf_word_15928_2024-H1", "pdf_word_15976_2024-H1")):
            continue  # renderings for the extractors' tests; the timeline below predates them
        report, values = fixture(name)
        due = default_deadline(parse_period(report.meta.period))
        received = {"pdf_word_15865_2024-9M": at("2024-09-18"),
                    "txt_15865_2024-9M": at("2024-09-23"),  # a correction, after the deadline
                    "pdf_word_15928_2024-9M": at("2024-09-20", 23),
                    "xlsx_15976_2024-9M": at("2024-09-24"),
                    "pdf_excel_15988_2024-9M": at("2024-09-21", 1)}.get(
            name, datetime.combine(due, datetime.min.time()).replace(hour=8))
        issues = (Issue("history.3.3.1", "warning", ("3.3.1",),
                        "Số hồ sơ 3.3.1 khác xa các kỳ trước: đề nghị xã kiểm tra lại."),) \
            if name == "pdf_word_15928_2024-9M" else ()
        planned.append(Planned(report, values, received, path.name.replace(
            ".expected.json", Path(report.source.path).suffix), issues=issues))
    # Hoằng Xuân sends Hoằng Đức's figures with three cells blank.
    report, values = variant("pdf_word_15928_2024-9M", "15877",
                             {"3.3.1.d": None, "1.1.1": None, "3.1.3": None})
    planned.append(Planned(report, values, at("2024-09-19"), "hoang_xuan_9t.pdf"))
    # Hoằng Giang's report is rejected; its file name and message are hostile text.
    report, values = variant("pdf_excel_15988_2024-9M", "15880", {"3.3.1": 99999})
    planned.append(Planned(report, values, at("2024-09-19"), HOSTILE_NAME, "rejected",
                           (Issue("sum.3.3.1", "error", ("3.3.1",), HOSTILE_MESSAGE),)))
    # A report that names no commune and no period: rejected, and attributable to nobody.
    report, values = variant("pdf_excel_15988_2024-9M", None, {"3.3.1": 7}, period=None)
    planned.append(Planned(report, values, at("2024-09-22"), "-2+3 khong ro xa.pdf", "rejected",
                           (*report.issues, Issue("meta.commune", "error", (),
                                                  "Không xác định được xã/thị trấn lập báo cáo."))))
    # The same period a year earlier, for two communes.
    for name, commune in (("pdf_word_15865_2024-9M", "15865"),
                          ("pdf_word_15928_2024-9M", "15928")):
        report, values = variant(name, commune, scaled(fixture(name)[1], 0.8), period="2023-9M")
        planned.append(Planned(report, values, at("2023-09-18"), f"{commune}_2023_9t.pdf"))
    # A commune of Huyện Triệu Sơn for 2024-9M: in the province's summary, not the district's.
    report, values = variant("txt_15691_2024-H1", "15691", period="2024-9M")
    planned.append(Planned(report, values, at("2024-09-17"), "minh_son_9t.txt"))
    return planned


def load_planned(con, item: Planned) -> None:
    submission = Submission(item.file_name, f"inbox/{item.file_name}", item.report.source.sha256,
                            1000, 0.0, item.received_at, None, item.report.source.format)
    load_report(con, "run-1", submission, item.report, item.issues, item.status)


def make_warehouse(path: Path) -> Path:
    """A warehouse file loaded with ``plan()`` and one unreadable file."""
    con = connect(path)
    start_run(con, "inbox", run_id="run-1")
    for item in plan():
        load_planned(con, item)
    junk = Submission("@SUM(1+1) <b>scan</b>.pdf", "inbox/scan.pdf", "f" * 64, 1200, 0.0,
                      datetime(2024, 9, 21, 8), None, None)
    record_submission(con, "run-1", junk, "quarantined", "PDF has no text layer (<scan>)")
    finish_run(con, "run-1", n_seen=len(plan()) + 1)
    con.close()
    return path


def current(district: str | None, period: str = "2024-9M") -> dict[str, dict]:
    """commune → figures of its current report, computed from the plan (no warehouse)."""
    latest: dict[str, Planned] = {}
    for item in plan():
        meta = item.report.meta
        if item.status != "accepted" or meta.period != period:
            continue
        if district and admin_units.unit(meta.commune_code, "commune").district_code != district:
            continue
        if meta.commune_code not in latest or item.received_at > \
                latest[meta.commune_code].received_at:
            latest[meta.commune_code] = item
    return {code: item.values for code, item in latest.items()}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return make_warehouse(tmp_path_factory.mktemp("wh") / "cchc.duckdb")


@pytest.fixture(scope="module")
def built(warehouse, tmp_path_factory):
    return build(warehouse, "2024-9M", template=TEMPLATE, district="399",
                 out_dir=tmp_path_factory.mktemp("out"))


# --- the independent computation --------------------------------------------------------------

def expected_figures(communes: dict[str, dict]) -> dict[str, dict]:
    """code → value, n_reporting and the note's key text, in plain Python."""
    result = {}
    for indicator in TEMPLATE.value_indicators:
        reported = [v[indicator.code] for v in communes.values() if v[indicator.code] is not None]
        row: dict = {"n": len(reported), "value": None, "note": []}
        if indicator.aggregation == "sum" and reported:
            row["value"] = sum(reported)
        elif indicator.aggregation == "weighted_percent":
            both = [(v[indicator.code], v[indicator.weight]) for v in communes.values()
                    if v[indicator.code] is not None and v[indicator.weight] is not None]
            weights = sum(w for _, w in both)
            row["value"] = sum(p * w for p, w in both) / weights if weights else None
            row["note"] = [f"tỷ lệ tính lại từ {indicator.weight}"] if row["value"] else []
        elif indicator.aggregation == "mean_min_max" and reported:
            row["value"] = sum(reported) / len(reported)
            row["note"] = [f"min {vn(min(reported))} max {vn(max(reported))}"]
        elif indicator.aggregation == "yes_share" and reported:
            yes = sum(1 for v in reported if v == indicator.yes_code)
            row["value"] = yes
            row["note"] = [f"{indicator.choices[indicator.yes_code]}: {yes}/{len(reported)} xã "
                           f"({vn(round(100 * yes / len(reported), 1), 1)}%)"]
        elif indicator.aggregation == "count_by_code" and reported:
            row["note"] = [f"{label}: {sum(1 for v in reported if v == code)}"
                           for code, label in indicator.choices.items()]
        result[indicator.code] = row
    return result


def expected_rates(communes: dict[str, dict]) -> dict[str, float | None]:
    """On-time, online and plan rates from sums of parts over communes with every part."""
    def rate(numerator: tuple[str, ...], denominator: str) -> float | None:
        full = [v for v in communes.values()
                if all(v[c] is not None for c in (*numerator, denominator))]
        bottom = sum(v[denominator] for v in full)
        return 100 * sum(v[c] for v in full for c in numerator) / bottom if bottom else None
    return {"on_time": rate(("3.3.2",), "3.3.1"),
            "online": rate(("3.3.1.c", "3.3.1.d"), "3.3.1"),
            "plan": rate(("1.1.2",), "1.1.1")}


def vn(value: float, digits: int | None = None) -> str:
    """1327 → "1.327", 12.5 → "12,50" (independent of summary.fmt)."""
    digits = (0 if float(value).is_integer() else 2) if digits is None else digits
    whole, _, fraction = f"{abs(value):.{digits}f}".partition(".")
    text = ".".join(re.findall(r"\d{1,3}", whole[::-1]))[::-1]
    return ("-" if value < 0 else "") + text + ("," + fraction if fraction else "")


# --- the workbook -----------------------------------------------------------------------------

def appendix_rows(path: Path) -> dict[str, tuple]:
    sheet = openpyxl.load_workbook(path).worksheets[0]
    return {row[0]: row for row in sheet.iter_rows(min_row=5, values_only=True) if row[0]}


def test_every_figure_of_the_workbook_equals_the_independent_computation(built):
    rows = appendix_rows(built.xlsx)
    communes = current("399")
    assert sorted(communes) == ["15865", "15877", "15928", "15976", "15988"]
    for code, want in expected_figures(communes).items():
        _, label, _, value, reporting, note = rows[code]
        assert label == TEMPLATE.by_code[code].label
        assert reporting == f"{want['n']}/36", code
        assert value == (None if want["value"] is None else pytest.approx(want["value"])), code
        for text in want["note"]:
            assert text in (note or ""), (code, note)
    assert rows["3.3.1"][3] == 280 + 892 + 1165 + 1327 + 280
    assert rows["1.5"][3:] == (1, "1/36", "Có: 1/1 xã (100,0%); 4 xã để trống")


def test_derived_rates_come_from_sums_of_parts(built):
    rows = appendix_rows(built.xlsx)
    want = expected_rates(current("399"))
    assert rows["3.3.2 / 3.3.1"][3] == pytest.approx(want["on_time"])
    assert rows["(3.3.1.c + 3.3.1.d) / 3.3.1"][3] == pytest.approx(want["online"])
    assert rows["1.1.2 / 1.1.1"][3] == pytest.approx(want["plan"])
    # Online: only the communes that reported c, d and the total (Bút Sơn and Hoằng Tiến).
    assert want["online"] == pytest.approx(100 * (982 + 85 + 822 + 88) / (1327 + 1165))
    assert rows["(3.3.1.c + 3.3.1.d) / 3.3.1"][4] == "2/36"
    # Not the mean of the communes' own rates.
    mean = (100 * 1067 / 1327 + 100 * 910 / 1165) / 2
    assert rows["(3.3.1.c + 3.3.1.d) / 3.3.1"][3] != pytest.approx(mean)


def test_group_rows_are_bold_and_the_sheet_prints_on_a4_landscape(built):
    workbook = openpyxl.load_workbook(built.xlsx)
    first = workbook.worksheets[0]
    groups = [row for row in first.iter_rows(min_row=5) if row[0].value in ("1", "3.3", "7.4")]
    assert len(groups) == 3 and all(row[1].font.bold for row in groups)
    assert not next(r for r in first.iter_rows(min_row=5) if r[0].value == "3.3.1")[1].font.bold
    assert workbook.sheetnames == ["Phụ lục 01b tổng hợp", "Số liệu từng xã",
                                   "Tình hình nộp báo cáo", "Cần xử lý"]
    for sheet in workbook.worksheets:
        assert sheet.page_setup.orientation == "landscape"
        assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
        assert sheet.print_title_rows and sheet.freeze_panes
    assert first.column_dimensions["B"].width > 40


def test_communes_sheet_has_every_commune_and_its_figures(built):
    sheet = openpyxl.load_workbook(built.xlsx)["Số liệu từng xã"]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert set(rows) == {u.code for u in admin_units.communes_of("399")}
    communes = current("399")
    for commune, values in communes.items():
        row = dict(zip(header, rows[commune], strict=True))
        assert row["Tên xã"] == admin_units.unit(commune, "commune").name
        assert {code: row[code] for code in values} == values
    assert all(v is None for v in rows["15883"][3:])  # Hoằng Phú sent nothing


def test_submissions_sheet_lists_submitted_rejected_missing_and_lateness(built):
    sheet = openpyxl.load_workbook(built.xlsx)["Tình hình nộp báo cáo"]
    header = [c.value for c in sheet[3]]
    rows = {r[0]: dict(zip(header, r, strict=True))
            for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert len(rows) == 36
    statuses = [row["Tình trạng"] for row in rows.values()]
    assert statuses.count("Đã nộp") == 5 and statuses.count("Chưa nộp") == 30
    assert rows["15880"]["Tình trạng"] == "Bị trả lại (có lỗi)"
    assert rows["15880"]["Tệp"] == HOSTILE_NAME
    lateness = {code: rows[code]["Đúng hạn / muộn"] for code in ("15865", "15928", "15976",
                                                                 "15988", "15877")}
    assert lateness == {"15865": "Đúng hạn",  # first sent 18/09; the correction of 23/09 is later
                        "15928": "Đúng hạn",  # 23:00 on the deadline day
                        "15976": "Muộn 4 ngày", "15988": "Muộn 1 ngày", "15877": "Đúng hạn"}
    assert rows["15976"]["Số ngày muộn"] == 4
    assert rows["15865"]["Nhận lần đầu"] == datetime(2024, 9, 18, 9)
    assert rows["15865"]["Tệp"] == "txt_15865_2024-9M.txt"  # the current report's file


def test_follow_up_sheet_has_issues_missing_communes_and_unreadable_files(built):
    sheet = openpyxl.load_workbook(built.xlsx)["Cần xử lý"]
    header = [c.value for c in sheet[3]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=4, values_only=True)]
    kinds = [r["Loại"] for r in rows]
    assert kinds.count("Chưa nộp") == 30
    error = next(r for r in rows if r["Mã xã"] == "15880")
    assert (error["Loại"], error["Nội dung cần xử lý"], error["Tệp"]) == (
        "Lỗi", HOSTILE_MESSAGE, HOSTILE_NAME)
    assert any(r["Loại"] == "Cảnh báo" and r["Mã xã"] == "15928" for r in rows)
    assert any(r["Loại"] == "Tệp không đọc được" and r["Tệp"] == "@SUM(1+1) <b>scan</b>.pdf"
               for r in rows)
    assert any(r["Loại"] == "Không rõ xã/kỳ" and r["Tệp"] == "-2+3 khong ro xa.pdf" for r in rows)
    # the officer reads what to fix, not the rule's code (rule.…, narrative.…: issue 21)
    codes = [v for r in rows for v in r.values()
             if isinstance(v, str) and re.match(r"(rule|narrative|gx|metadata)\.[a-z_]+", v)]
    assert not codes and "Quy tắc" not in header


def test_no_cell_of_the_workbook_is_a_formula(built):
    workbook = openpyxl.load_workbook(built.xlsx)
    cells = [c for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    hostile = [c for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "@", "-"))]
    assert {c.value for c in hostile} >= {HOSTILE_NAME, HOSTILE_MESSAGE,
                                          "@SUM(1+1) <b>scan</b>.pdf", "-2+3 khong ro xa.pdf"}
    assert all(c.data_type == "s" and c.quotePrefix for c in hostile)
    with zipfile.ZipFile(built.xlsx) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist()
                  if n.startswith("xl/worksheets/sheet")]
    assert not any("<f>" in xml or "<f " in xml for xml in sheets)


# --- the HTML ---------------------------------------------------------------------------------

class Cells(HTMLParser):
    """The figures the page marks with data- attributes, and the text of each."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.shown: dict[str, str] = {}
        self.notes: dict[str, str] = {}
        self.counts: dict[str, str] = {}
        self.rates: dict[str, str] = {}
        self.cards: dict[str, str] = {}
        self._open: tuple[dict, str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if "data-rate" in a:
            self.rates[a["data-rate"]] = a["data-value"]
        elif "data-key" in a:
            self.cards[a["data-key"]] = a["data-value"]
        elif tag == "td" and "data-code" in a:
            kind = {"value": self.shown, "note": self.notes, "n": self.counts}
            target = next(kind[c] for c in classes if c in kind)
            if "value" in classes:
                self.values[a["data-code"]] = a["data-value"]
            self._open = (target, a["data-code"])
            target[a["data-code"]] = ""

    def handle_data(self, data):
        if self._open:
            target, code = self._open
            target[code] += data

    def handle_endtag(self, tag):
        if tag == "td":
            self._open = None


def parsed(path: Path) -> Cells:
    cells = Cells()
    cells.feed(path.read_text(encoding="utf-8"))
    return cells


def test_every_figure_of_the_html_equals_the_independent_computation(built):
    cells = parsed(built.html)
    communes = current("399")
    for code, want in expected_figures(communes).items():
        found = cells.values[code]
        assert (float(found) if found else None) == (
            None if want["value"] is None else pytest.approx(want["value"])), code
        assert cells.counts[code] == f"{want['n']}/36"
        for text in want["note"]:
            assert text in cells.notes[code], (code, cells.notes[code])
        if TEMPLATE.by_code[code].aggregation == "sum" and want["value"] is not None:
            assert cells.shown[code] == vn(want["value"])
    for key, value in expected_rates(communes).items():
        assert float(cells.rates[key]) == pytest.approx(value)
        assert float(cells.cards[key]) == pytest.approx(value)
    assert float(cells.cards["submitted"]) == 5
    assert float(cells.cards["3.3.1"]) == 280 + 892 + 1165 + 1327 + 280


def test_html_lists_missing_rejected_and_late_communes(built):
    page = built.html.read_text(encoding="utf-8")
    section = page.split("Chưa nộp, bị trả lại, nộp muộn", 1)[1].split("<h2>", 1)[0]
    missing = re.findall(r'<li data-code="(\d+)">', section)
    assert len(missing) == 30 and "15883" in missing and "15880" not in missing
    assert "Xã Hoằng Giang" in section  # rejected
    late = re.findall(r'<tr class="late"><td>([^<]+)</td>', section)
    assert late == ["Xã Hoằng Lưu", "Xã Hoằng Tiến"]
    assert "4 ngày" in section and "1 ngày" in section


def test_html_escapes_text_from_communes(built):
    page = built.html.read_text(encoding="utf-8")
    assert "<script>" not in page and "<b>scan</b>" not in page and "(<scan>)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "=HYPERLINK(&#34;x&#34;)" in page  # markupsafe spells &quot; as &#34;
    assert "&lt;b&gt;scan&lt;/b&gt;" in page
    assert not re.search(r"<(script|link|iframe|img)\b", page)
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page


def test_html_escapes_names_and_labels_whatever_their_source(warehouse):
    """Names come from the registry and labels from the catalog, tame today: the template
    escapes them anyway, since no caller is responsible for escaping."""
    key = parse_period_key("2024-9M")
    area = resolve_area("399", None, key)
    con = connect(warehouse, read_only=True)
    try:
        summary = collect(con, area, key, date(2024, 9, 20), TEMPLATE)
    finally:
        con.close()
    hostile = ' <b>x</b><script>alert(2)</script>"'
    summary = replace(summary, area=replace(area, name=area.name + hostile),
                      communes=tuple(replace(c, name=c.name + hostile)
                                     for c in summary.communes),
                      lines=tuple(replace(line, label=line.label + hostile)
                                  for line in summary.lines))
    page = html.render(summary)
    tags = StartTags()
    tags.feed(page)
    assert "script" not in tags.seen and "<b>x</b>" not in page
    missing = re.findall(r'<li data-code="15883">([^<]*)</li>', page)
    assert [unescape(m) for m in missing] == [admin_units.unit("15883", "commune").name + hostile]
    labels = [unescape(m) for m in re.findall(r'<td class="label">([^<]*)</td>', page)]
    assert labels and all(label.endswith(hostile) for label in labels)
    assert unescape(re.search(r"<h1>([^<]*)</h1>", page)[1]).endswith(
        f"Huyện Hoằng Hóa{hostile} — 9 tháng đầu năm 2024")


class StartTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.seen.add(tag)


def test_html_compares_with_the_same_period_a_year_earlier(built):
    page = built.html.read_text(encoding="utf-8")
    section = page.split("So với cùng kỳ năm trước", 1)[1].split("<h2>", 1)[0]
    before = current("399", "2023-9M")
    assert sorted(before) == ["15865", "15928"]
    then = sum(v["3.3.1"] for v in before.values())
    now = 280 + 892 + 1165 + 1327 + 280
    assert then == round(1327 * 0.8) + round(280 * 0.8)
    assert "9 tháng đầu năm 2023" in section
    # The totals as they are, but no change of 5 communes' total against 2 communes' total.
    assert f"<td>{vn(now)} (5/36)</td><td>{vn(then)} (2/36)</td>" in section
    assert f"+{vn(now - then)}" not in section


def test_the_change_from_a_year_earlier_counts_only_communes_of_both_periods(built):
    """5 communes reported 3.3.1 this period and 2 a year earlier: the change is that of the
    2 communes that reported both times, and it says on how many it was computed."""
    section = built.html.read_text(encoding="utf-8").split("So với cùng kỳ năm trước", 1)[1]
    section = unescape(section.split("<h2>", 1)[0])
    now_values, then_values = current("399"), current("399", "2023-9M")

    def both(*codes: str) -> list[str]:
        return sorted(c for c in then_values if c in now_values and all(
            now_values[c].get(k) is not None and then_values[c].get(k) is not None
            for k in codes))

    assert both("3.3.1") == ["15865", "15928"]
    now = sum(now_values[c]["3.3.1"] for c in both("3.3.1"))
    then = sum(then_values[c]["3.3.1"] for c in both("3.3.1"))
    assert f"+{vn(now - then)} (+{vn(100 * (now - then) / then, 1)}%) — tính trên 2 xã có " \
        "số liệu cả hai kỳ" in section
    # 3.3.1.d: Hoằng Đức (15928) left it blank both times, so only Bút Sơn compares.
    assert both("3.3.1.d") == ["15865"]
    d_now, d_then = now_values["15865"]["3.3.1.d"], then_values["15865"]["3.3.1.d"]
    assert f"+{vn(d_now - d_then)} (+{vn(100 * (d_now - d_then) / d_then, 1)}%) — tính trên " \
        "1 xã" in section
    # The on-time rate, in points, over the communes complete in both periods.
    def on_time(values: dict[str, dict]) -> float:
        return 100 * sum(values[c]["3.3.2"] for c in both("3.3.1", "3.3.2")) / sum(
            values[c]["3.3.1"] for c in both("3.3.1", "3.3.2"))
    points = on_time(now_values) - on_time(then_values)
    sign = "+" if points > 0 else ""
    assert f"{sign}{vn(points, 1)} điểm % — tính trên 2 xã" in section


def test_html_has_three_charts_with_a_bar_per_commune(built):
    page = built.html.read_text(encoding="utf-8")
    svgs = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    assert len(svgs) == 3
    names = [admin_units.unit(c, "commune").name for c in current("399")]
    for svg in svgs:
        assert all(f">{name}</text>" in svg for name in names)
    assert svgs[0].count("<rect") > 4 * 4  # channels of five communes, some blank
    assert "Xã Hoằng Giang" not in svgs[0]  # rejected: no figures to compare


# --- the province, deadlines, errors ----------------------------------------------------------

def test_province_summary_spans_its_districts(warehouse, tmp_path):
    paths = build(warehouse, "2024-9M", template=TEMPLATE, province="38", out_dir=tmp_path)
    rows = appendix_rows(paths.xlsx)
    communes = current(None)
    expected_n = sum(1 for u in admin_units.units("commune") if u.province_code == "38")
    assert "15691" in communes and len(communes) == 6
    for code, want in expected_figures(communes).items():
        assert rows[code][3] == (None if want["value"] is None else pytest.approx(want["value"]))
        assert rows[code][4] == f"{want['n']}/{expected_n}"
    page = paths.html.read_text(encoding="utf-8")
    assert ">Huyện Triệu Sơn</text>" in page and ">Huyện Hoằng Hóa</text>" in page


def test_a_deadline_setting_wins_over_the_default(warehouse, tmp_path):
    paths = build(warehouse, "2024-9M", template=TEMPLATE, district="399", out_dir=tmp_path,
                  deadlines={"2024-9M": "2024-09-25"})
    sheet = openpyxl.load_workbook(paths.xlsx)["Tình hình nộp báo cáo"]
    late = [r[0] for r in sheet.iter_rows(min_row=4, values_only=True)
            if str(r[8]).startswith("Muộn")]
    assert late == []


def test_default_deadlines_and_lateness():
    assert [default_deadline(parse_period(f"2024-{s}")) for s in ("Q1", "H1", "9M", "FY")] == [
        date(2024, 3, 20), date(2024, 6, 20), date(2024, 9, 20), date(2024, 12, 20)]
    deadline = date(2024, 9, 20)
    assert classify(datetime(2024, 9, 20, 23, 59), deadline) == ("on_time", 0)
    assert classify(datetime(2024, 9, 23, 0, 1), deadline) == ("late", 3)
    assert classify(None, deadline) == ("missing", None)
    assert parse_deadlines({"2024-9M": date(2024, 9, 25), "2024-FY": "2024-12-27"}) == {
        "2024-9M": date(2024, 9, 25), "2024-FY": date(2024, 12, 27)}


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"district": "399", "province": "38"}, AreaChoiceError,
     "cả huyện và tỉnh: hãy chọn đúng một, --district MÃ (ví dụ 399) hoặc --province MÃ (ví "
     "dụ 38)"),
    ({}, AreaChoiceError, "không có huyện và tỉnh: hãy chọn đúng một"),
    ({"district": "9999"}, UnknownAreaError,
     "không có huyện mã '9999': hãy dùng mã do Tổng cục Thống kê công bố (ví dụ 399 là Huyện "
     "Hoằng Hóa); các mã có trong reference/admin_units.csv"),
    ({"province": "99"}, UnknownAreaError, "không có tỉnh mã '99'"),
    ({"district": "399", "period": "2024-Q5"}, PeriodKeyError,
     "'2024-Q5' không phải mã kỳ báo cáo; các mã được nhận: YYYY-Q1"),
    ({"district": "399", "period": "2024-Q2"}, NoReportsError,
     "chưa có báo cáo nào của Huyện Hoằng Hóa (399) kỳ Quý II năm 2024 trong "),
    ({"district": "380"}, NoReportsError,
     "chưa có báo cáo của kỳ nào: hãy chạy lần nạp ban đêm trước"),
    ({"district": "399", "deadlines": {"2024-9M": "25/09/2024"}}, DeadlineError,
     "deadlines: 2024-9M = '25/09/2024' không phải một ngày; hãy viết \"YYYY-MM-DD\""),
    ({"district": "399", "deadlines": {"9M": "2024-09-25"}}, DeadlineError,
     "deadlines: '9M' không phải mã kỳ báo cáo"),
])
def test_refusals_are_one_line_errors(warehouse, tmp_path, kwargs, error, message):
    kwargs = {"period": "2024-9M", "out_dir": tmp_path, **kwargs}
    with pytest.raises(error) as caught:
        build(warehouse, **kwargs, template=TEMPLATE)
    assert isinstance(caught.value, CchcError)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_no_reports_names_the_periods_that_have_some(warehouse, tmp_path):
    with pytest.raises(NoReportsError, match=r"các kỳ đã có báo cáo: 9 tháng đầu năm 2023, Năm "
                                             r"2023, 9 tháng đầu năm 2024, 6 tháng đầu năm "
                                             r"2024, Quý I năm 2024$"):
        build(warehouse, "2024-Q2", template=TEMPLATE, district="399", out_dir=tmp_path)


def test_a_rate_leaves_out_communes_missing_a_part_and_is_not_a_mean_of_rates():
    online = next(r for r in TEMPLATE.summary.rates if r.key == "online")
    communes = [{"3.3.1": 1000, "3.3.1.c": 500, "3.3.1.d": 100},
                {"3.3.1": 10, "3.3.1.c": 10, "3.3.1.d": 0},
                {"3.3.1": 50, "3.3.1.c": 20, "3.3.1.d": None}]  # blank is not zero: left out
    found = compute(online, communes)
    assert (found.numerator, found.denominator, found.n) == (610, 1010, 2)
    assert found.value == pytest.approx(100 * 610 / 1010)
    assert compute(online, [{"3.3.1": 0, "3.3.1.c": 0, "3.3.1.d": 0}]).value is None
    assert compute(online, []).value is None


def test_charts_escape_names_and_say_when_there_is_no_figure():
    svg = charts.percent_bars([("<b>Xã</b>", None), ("Xã A", 50.0)], title="t", colour="#000000",
                              reference=("Huyện & co", 40.0))
    assert "<b>" not in svg and "&lt;b&gt;Xã&lt;/b&gt;" in svg and "Huyện &amp; co" in svg
    assert "không có số liệu" in svg and svg.count("<rect") == 2  # background and one bar
    nothing = charts.percent_bars([("Xã A", None), ("Xã B", None)], title="t", colour="#000000",
                                  reference=("Huyện", None))  # no commune has the rate
    assert nothing.count("không có số liệu") == 2
    stacked = charts.stacked_bars([("Xã A", [5, None]), ("Xã B", [None, None])],
                                  [("a", "#111111"), ("b", "#222222")], title="t")
    assert "5 (thiếu số liệu)" in stacked and "không có số liệu" in stacked


# --- in a real browser ------------------------------------------------------------------------

def chromium(*arguments: str, profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={profile}", *arguments],
        capture_output=True, text=True, timeout=120, check=True)


@pytest.mark.skipif(not CHROMIUM.exists(),
                    reason="/usr/bin/chromium is absent: `apt-get install -y chromium` (CI does)")
def test_the_page_renders_its_charts_in_chromium(built, tmp_path):
    from PIL import Image

    dom = chromium("--dump-dom", built.html.as_uri(), profile=tmp_path / "p1").stdout
    page = built.html.read_text(encoding="utf-8")
    assert dom.count("<svg") == 3 and dom.count("<rect") == page.count("<rect") > 20
    screenshot = tmp_path / "page.png"
    chromium(f"--screenshot={screenshot}", "--window-size=1280,4000", built.html.as_uri(),
             profile=tmp_path / "p2")
    image = Image.open(screenshot).convert("RGB")
    assert image.size == (1280, 4000)
    colours = image.getcolors(maxcolors=1 << 20)
    assert len(colours) > 200  # bars, legend, anti-aliased Vietnamese text
    channel = {(0x4E, 0x79, 0xA7), (0xF2, 0x8E, 0x2B), (0x8C, 0xD1, 0x7D), (0x2E, 0x7D, 0x32)}
    assert {rgb for _, rgb in colours} >= channel, "every channel colour of the bars is on screen"
    bars = sum(n for n, rgb in colours if rgb in channel)
    assert bars > 5000, "the bars cover a visible area, not a pixel each"
