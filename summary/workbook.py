"""The summary as an XLSX workbook the officer prints and sends upward (openpyxl).

Sheets: the consolidated Phụ lục 01b in the template's layout; communes × indicators; who
submitted and when; what to follow up; for a 2025 province, each commune beside its predecessors
a year earlier. Every sheet prints on A4 landscape with its header rows
repeated and its panes frozen.

Text that came from communes (file names, messages, document numbers) is never a formula: every
string is stored as a string cell, and one that starts like a formula ("=", "+", "-", "@") also
gets Excel's quote prefix, so editing the cell in Excel keeps it text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cchc import shown
from cchc.summary import fmt
from cchc.summary.model import Commune, Line, Summary

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.00"
RATE_FORMAT = "0.0"
DATE_FORMAT = "dd/mm/yyyy"
LINE_HEIGHT = 14.5  # points per line of 11 pt text
LINE_CHARS_PER_WIDTH = 1.05
MOMENT_FORMAT = "dd/mm/yyyy hh:mm"

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_SMALL = Font(size=8)
_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
_GROUP_FILL = PatternFill("solid", fgColor="F2F2F2")
_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTRED = Alignment(horizontal="center", vertical="top")


def write_workbook(summary: Summary, path: Path) -> None:
    """Write the four sheets to ``path``."""
    workbook = Workbook()
    workbook.properties.creator = "cchc"
    workbook.properties.title = f"Tổng hợp CCHC {summary.area.name} {summary.period.label}"
    appendix(workbook.active, summary)
    matrix(workbook.create_sheet(), summary)
    submissions(workbook.create_sheet(), summary)
    follow_up(workbook.create_sheet(), summary)
    if summary.year_on_year:
        year_on_year(workbook.create_sheet(), summary)
    workbook.save(path)


def put(ws: Worksheet, row: int, column: int, value: object, *, number_format: str | None = None,
        bold: bool = False, wrap: bool = True, indent: int = 0) -> Cell:
    """Write one cell; a string is always stored as text, never as a formula."""
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = _BOLD
    cell.alignment = Alignment(wrap_text=wrap, vertical="top", indent=indent)
    cell.border = _BOX
    return cell


def appendix(ws: Worksheet, summary: Summary) -> None:
    """Sheet 1: the consolidated Phụ lục 01b, code in column A, as the template lays it out."""
    ws.title = "Phụ lục 01b tổng hợp"
    header = ["Mã", "Nội dung", "Đơn vị tính", "Số liệu tổng hợp", "Số xã báo cáo / tổng số",
              "Ghi chú"]
    _titles(ws, summary, len(header), [
        "TỔNG HỢP PHỤ LỤC 01b — KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH CẤP XÃ",
        f"{summary.area.name} — {summary.period.label}",
        f"Số xã, thị trấn đã gửi báo cáo: {summary.n_submitted}/{summary.n_expected}; "
        f"hạn nộp {shown.day(summary.deadline)}; số liệu đến {shown.moment(summary.data_as_of)}",
    ])
    row = _header(ws, 4, header)
    for line in summary.lines:
        _appendix_line(ws, row, line)
        row += 1
    _group(ws, row, "TL", "Tỷ lệ tính thêm (từ tổng các phần của các xã báo cáo đủ số liệu, "
           "không lấy trung bình tỷ lệ của các xã)", len(header))
    for rate in summary.rates:
        row += 1
        put(ws, row, 1, rate.formula)
        put(ws, row, 2, rate.label)
        put(ws, row, 3, "%")
        put(ws, row, 4, rate.value, number_format=RATE_FORMAT)
        put(ws, row, 5, fmt.reporting(rate.n, summary.n_expected)).alignment = _CENTRED
        put(ws, row, 6, f"{rate.formula} = {shown.number(rate.numerator)}/"
                        f"{shown.number(rate.denominator)}" if rate.n
            else "không xã nào đủ số liệu")
    _layout(ws, [10, 58, 16, 14, 12, 44], title_rows="4:4", freeze="C5", fit_width=True)


def _appendix_line(ws: Worksheet, row: int, line: Line) -> None:
    if line.is_group:
        _group(ws, row, line.code, line.label, 6)
        return
    put(ws, row, 1, line.code)
    put(ws, row, 2, line.label, indent=2 if line.breakdown else 0)
    put(ws, row, 3, line.unit)
    put(ws, row, 4, line.value, number_format=_value_format(line))
    put(ws, row, 5, fmt.reporting(line.n_reporting, line.n_expected)).alignment = _CENTRED
    put(ws, row, 6, line.note)


def _value_format(line: Line) -> str:
    return PERCENT_FORMAT if line.kind == "percent" else COUNT_FORMAT


def _group(ws: Worksheet, row: int, code: str, label: str, width: int) -> None:
    for column in range(1, width + 1):
        cell = put(ws, row, column, None, bold=True)
        cell.fill = _GROUP_FILL
    put(ws, row, 1, code, bold=True).fill = _GROUP_FILL
    put(ws, row, 2, label, bold=True).fill = _GROUP_FILL


def matrix(ws: Worksheet, summary: Summary) -> None:
    """Sheet 2: one row per commune of the area, one column per indicator code, then the rates."""
    ws.title = "Số liệu từng xã"
    indicators = summary.template.value_indicators
    rates = summary.template.summary.rates
    province = summary.area.by_district
    fixed = ["Mã xã", "Tên xã", *(["Huyện"] if province else []), "Tình trạng"]
    codes = [i.code for i in indicators]
    _header(ws, 1, [*fixed, *codes, *(f"{r.short} (%)" for r in rates)])
    _header(ws, 2, [*([""] * len(fixed)), *(i.label for i in indicators),
                    *(f"{r.label}: {r.formula}" for r in rates)], font=_SMALL)
    for row, commune in enumerate(summary.communes, start=3):
        values = [commune.code, commune.name,
                  *([commune.district_name] if province else []),
                  fmt.SUBMISSION[commune.status]]
        for column, value in enumerate(values, start=1):
            put(ws, row, column, value, wrap=False)
        for column, indicator in enumerate(indicators, start=len(fixed) + 1):
            put(ws, row, column, commune.values.get(indicator.code),
                number_format=PERCENT_FORMAT if indicator.kind == "percent" else COUNT_FORMAT)
        for column, rate in enumerate(rates, start=len(fixed) + len(codes) + 1):
            found = commune.rates.get(rate.key)
            put(ws, row, column, found.value if found else None, number_format=RATE_FORMAT)
    ws.row_dimensions[1].height = 30
    ws.row_dimensions[2].height = 90
    widths = [8, 22, *([20] if province else []), 18, *([9] * len(codes)), *([12] * len(rates))]
    frozen = get_column_letter(len(fixed) + 1) + "3"
    _layout(ws, widths, title_rows="1:2", freeze=frozen, fit_width=False,
            title_columns=f"A:{get_column_letter(2)}")


def submissions(ws: Worksheet, summary: Summary) -> None:
    """Sheet 3: every commune — submitted, rejected or missing; when; on time or late."""
    ws.title = "Tình hình nộp báo cáo"
    province = summary.area.by_district
    header = ["Mã xã", "Tên xã", *(["Huyện"] if province else []), "Tình trạng",
              "Số báo cáo", "Ngày báo cáo", "Nhận lần đầu", "Nhận bản hiện hành",
              "Đúng hạn / muộn", "Số ngày muộn", "Tệp", "Số lần gửi", "Lỗi", "Cảnh báo"]
    _titles(ws, summary, len(header), [
        f"TÌNH HÌNH GỬI BÁO CÁO — {summary.area.name} — {summary.period.label}",
        f"Hạn nộp: {shown.day(summary.deadline)}. Nhận lần đầu là lúc tệp báo cáo đầu tiên của xã "
        "đến hộp thư nhận báo cáo (không phải lúc hệ thống đọc tệp ban đêm), kể cả bản cán bộ "
        "đã trả lại xã; bản hệ thống từ chối mà chưa trả lại thì không tính. Xã gửi lại bản sửa "
        "trước hạn ghi trong thư trả lại vẫn là đúng hạn.",
    ])
    row = _header(ws, 3, header)
    for commune in summary.communes:
        _submission_row(ws, row, commune, province)
        row += 1
    widths = [8, 22, *([20] if province else []), 18, 14, 12, 16, 16, 22, 8, 34, 8, 7, 9]
    _layout(ws, widths, title_rows="3:3", freeze="C4", fit_width=True)


def _submission_row(ws: Worksheet, row: int, commune: Commune, province: bool) -> None:
    values: Sequence[tuple[object, str | None]] = [
        (commune.code, None), (commune.name, None),
        *([(commune.district_name, None)] if province else []),
        (fmt.SUBMISSION[commune.status], None), (commune.doc_number, None),
        (commune.report_date, DATE_FORMAT), (commune.first_received_at, MOMENT_FORMAT),
        (commune.received_at, MOMENT_FORMAT), (fmt.timeliness(commune), None),
        (commune.days_late if commune.timeliness == "late" else None, COUNT_FORMAT),
        (commune.file_name, None), (commune.n_reports, COUNT_FORMAT),
        (commune.n_errors, COUNT_FORMAT), (commune.n_warnings, COUNT_FORMAT),
    ]
    for column, (value, number_format) in enumerate(values, start=1):
        put(ws, row, column, value, number_format=number_format)


def follow_up(ws: Worksheet, summary: Summary) -> None:
    """Sheet 4: errors and warnings per commune, missing reports, unreadable files. The rule's
    code (``rule.completed_le_planned``) is not shown: the officer reads the message, which
    names the figures; the code is the analysts', in the warehouse."""
    ws.title = "Cần xử lý"
    header = ["STT", "Mã xã", "Tên xã", "Loại", "Chỉ tiêu", "Nội dung cần xử lý", "Tệp",
              "Nhận lúc"]
    first, last = summary.unattributed_window
    _titles(ws, summary, len(header), [
        f"NHỮNG VIỆC CẦN XỬ LÝ — {summary.area.name} — {summary.period.label}",
        "Tệp không xác định được xã hoặc kỳ: những tệp nhận từ "
        f"{shown.day(first)} đến {shown.day(last)}.",
    ])
    row = _header(ws, 3, header)
    for number, item in enumerate(summary.follow_up, start=1):
        values = [number, item.commune_code, item.commune_name, fmt.FOLLOW_UP[item.kind],
                  ", ".join(item.codes), item.message, item.file_name, item.received_at]
        for column, value in enumerate(values, start=1):
            put(ws, row, column, value,
                number_format=MOMENT_FORMAT if column == len(values) else None,
                bold=column == 4 and item.kind == "error")
        row += 1
    _layout(ws, [5, 8, 20, 13, 12, 70, 26, 15], title_rows="3:3", freeze="A4",
            fit_width=True)


def year_on_year(ws: Worksheet, summary: Summary) -> None:
    """Sheet 5 (a 2025 province): each commune beside its predecessors a year earlier."""
    ws.title = "So với các xã cũ"
    header = ["Mã xã", "Tên xã", "Chỉ tiêu", "Nội dung", "Kỳ này", "Cùng kỳ năm trước (các xã cũ)",
              "Số xã cũ có báo cáo", "Số xã cũ", "Thay đổi", "So sánh được"]
    _titles(ws, summary, len(header), [
        f"TỪNG XÃ SO VỚI CÁC XÃ CŨ CÙNG KỲ NĂM TRƯỚC — {summary.area.name} — "
        f"{summary.period.label}",
        "Cùng kỳ năm trước: tổng số liệu của các xã cũ (trước ngày 01/7/2025) đã hợp thành xã. "
        "«Không»: có xã cũ bị chia cho nhiều xã mới, hoặc có xã cũ không báo cáo: tổng chỉ "
        "để tham khảo, không ghi thay đổi.",
    ])
    row = _header(ws, 3, header)
    for item in summary.year_on_year:
        change = (item.value - item.before if item.like_for_like and item.value is not None
                  and item.before is not None else None)
        values = [item.commune_code, item.commune_name, item.code, item.label, item.value,
                  item.before, item.n_reporting, item.n_expected, change,
                  "Có" if item.like_for_like else "Không"]
        for column, value in enumerate(values, start=1):
            put(ws, row, column, value,
                number_format=COUNT_FORMAT if column in (5, 6, 7, 8, 9) else None)
        row += 1
    _layout(ws, [8, 22, 8, 40, 11, 14, 10, 8, 11, 10], title_rows="3:3", freeze="C4",
            fit_width=True)


def _titles(ws: Worksheet, summary: Summary, width: int, lines: list[str]) -> None:
    for row, text in enumerate(lines, start=1):
        cell = put(ws, row, 1, text, bold=row == 1, wrap=False)
        cell.border = Border()
        if row == 1:
            cell.font = _TITLE
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)


def _header(ws: Worksheet, row: int, names: Sequence[str], font: Font = _BOLD) -> int:
    for column, name in enumerate(names, start=1):
        cell = put(ws, row, column, name)
        cell.font = font
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    return row + 1


def _fit_rows(ws: Worksheet, widths: Sequence[float], first: int) -> None:
    """Give each row the height its wrapped text needs.

    Neither openpyxl nor LibreOffice grows a row for wrapped text on its own, so a long label
    would print over the next row; the line count is estimated from the column widths (about
    one character per unit of width at 11 pt).
    """
    for row in ws.iter_rows(min_row=first):
        lines = 1
        for cell in row:
            if not (isinstance(cell.value, str) and cell.alignment.wrap_text) \
                    or cell.column > len(widths):
                continue
            per_line = max(1, int(widths[cell.column - 1] * LINE_CHARS_PER_WIDTH))
            lines = max(lines, sum(math.ceil(max(len(part), 1) / per_line)
                                   for part in cell.value.split("\n")))
        if ws.row_dimensions[row[0].row].height is None and lines > 1:
            ws.row_dimensions[row[0].row].height = LINE_HEIGHT * lines + 3


def _layout(ws: Worksheet, widths: Sequence[float], *, title_rows: str, freeze: str,
            fit_width: bool, title_columns: str | None = None) -> None:
    """A4 landscape, header rows repeated on every page, panes frozen below the header."""
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    _fit_rows(ws, widths, first=int(title_rows.split(":")[0]))
    ws.freeze_panes = freeze
    ws.print_title_rows = title_rows
    if title_columns:
        ws.print_title_cols = title_columns
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "Trang &P / &N"
    if fit_width:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
