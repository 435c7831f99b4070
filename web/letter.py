"""The letter that returns a report to its commune, laid out as Decree 30/2020/NĐ-CP's official
letter (công văn, Phụ lục I): agency and national motto side by side with their rules beneath,
"Số: …", place and date, the subject line under the number, "Kính gửi", a body in plain
Vietnamese, "Nơi nhận" and the signer's title and name, on A4 with the Decree's margins.

It speaks only of what the commune's file says: the issues the night found in it and the
figures as the file wrote them, never a value an officer corrected at the desk (the commune
would be told to fix a figure it never sent). The officer sets the number, the deadline and the
signer before downloading (python-docx).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from cchc.errors import UnknownUnit
from cchc.template.text import unaccented
from cchc.transforms import admin_units
from cchc.transforms.rules import vi_number

FONT = "Times New Roman"
# Decree 30/2020, Phụ lục I: A4; top and bottom margins 20–25 mm, left 30–35 mm, right 15–20.
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}


@dataclass(frozen=True)
class LetterDetails:
    """What the officer fills in before downloading."""

    number: str  # "125/PNV": the office's own numbering
    deadline: date  # by when the commune sends the report again
    signer_name: str
    signer_title: str  # "TRƯỞNG PHÒNG", "KT. TRƯỞNG PHÒNG\nPHÓ TRƯỞNG PHÒNG", …


def default_title(report: dict[str, Any]) -> str:
    """Who usually signs: the head of the office the commune reports to."""
    return _sender(report)[2]


def return_letter(report: dict[str, Any], issues: Sequence[dict[str, Any]],
                  figures: Sequence[dict[str, Any]], reason: str, details: LetterDetails,
                  today: date | None = None) -> bytes:
    """The .docx bytes. ``report`` is ``warehouse.desk.report``'s row (its map decides who
    sends the letter); ``issues`` the file's own issues (``desk.file_issues``); ``figures``
    the figures those issues name, with the value the file wrote (``value_read``)."""
    today = today or date.today()
    doc = Document()
    _page(doc)
    office, council, _, place = _sender(report)
    commune = _in_text(report.get("commune_name"))
    period = report.get("period_label") or "kỳ báo cáo"
    _letterhead(doc, office, council, details.number, place, today,
                f"V/v trả lại báo cáo công tác cải cách hành chính {period} để hoàn thiện")
    _centered(doc, f"Kính gửi: Ủy ban nhân dân {commune}.", size=14, space_before=12)
    received = report.get("received_at")
    number = report.get("doc_number")
    _body(doc, f"{office} nhận được Báo cáo"
               + (f" số {number}" if number else " (không ghi số)")
               + (f" ngày {_short(report['report_date'])}" if report.get("report_date") else "")
               + f" của Ủy ban nhân dân {commune} về kết quả công tác cải cách hành chính "
               f"{period}" + (f" (nhận ngày {_short(received)})" if received else "")
               + ". Qua kiểm tra, báo cáo và Phụ lục 01b kèm theo cần được hoàn thiện các nội "
               "dung sau:")
    for n, issue in enumerate(issues, start=1):
        _body(doc, f"{n}. {plain(issue['message'])}")
    if not issues:
        _body(doc, f"- {reason}.")
    elif reason.strip():
        _body(doc, f"Ngoài ra: {reason.strip().rstrip('.')}.")
    if figures:
        _body(doc, "Số liệu liên quan, như báo cáo của xã đã ghi:")
        _figures(doc, figures)
    _body(doc, f"{office} trả lại báo cáo; đề nghị Ủy ban nhân dân {commune} kiểm tra, sửa và "
               "gửi lại báo cáo kèm Phụ lục 01b về " + office + " trước "
               f"{_dated(details.deadline)}./.")
    _signature(doc, details)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def file_name(report: dict[str, Any]) -> str:
    """"Thu tra lai - Xa Hoang Xuyen - 9 thang dau nam 2024.docx" (ASCII: every mail client
    and disk takes it; the Vietnamese name goes in the header's filename*)."""
    name = unaccented(vietnamese_file_name(report)[:-5])
    return f"{re.sub(r'[^A-Za-z0-9 ._-]+', '', name).strip()}.docx"


def vietnamese_file_name(report: dict[str, Any]) -> str:
    return (f"Thư trả lại - {report.get('commune_name') or 'xã'} - "
            f"{report.get('period_label') or 'kỳ báo cáo'}.docx")


def plain(message: str) -> str:
    """An issue's message for a letter: a workbook cell "PL01b!D42" written as a person says
    it ("ô D42, trang tính PL01b"); the rest is already the commune's language."""
    return re.sub(r"([^\s(),!]+)!([A-Z]{1,3}\d+)", r"ô \2, trang tính \1", message)


# Layout ----------------------------------------------------------------------------------------

def _page(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side, mm in MARGINS_MM.items():
        setattr(section, f"{side}_margin", Mm(mm))
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(14)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    style.paragraph_format.space_after = Pt(0)


def _letterhead(doc, office: str, council: str, number: str, place: str, today: date,
                subject: str) -> None:
    table = doc.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(table, (Cm(6.5), Cm(10)))  # 16.5 cm: A4 less the margins
    agency, motto = table.cell(0, 0), table.cell(0, 1)
    _cell_text(agency, f"UBND {council}", size=13)
    _cell_text(agency, office.upper(), size=13, bold=True, rule=True)
    _cell_text(motto, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12, bold=True)
    _cell_text(motto, "Độc lập - Tự do - Hạnh phúc", size=13, bold=True, rule=True)
    left, right = table.cell(1, 0), table.cell(1, 1)
    _cell_text(left, f"Số: {number}", size=13, space_before=6)
    _cell_text(left, subject, size=12, space_before=3)
    dated = f"{place}, {_dated(today)}" if place else _dated(today)
    _cell_text(right, dated, size=14, italic=True, space_before=6)


def _cell_text(cell, text: str, size: float, bold: bool = False, italic: bool = False,
               rule: bool = False, space_before: float = 0) -> None:
    paragraph = cell.paragraphs[0] if not cell.paragraphs[0].text else cell.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_before = Pt(space_before)
    run = paragraph.add_run(text)
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    if rule:  # the short line the Decree draws under the agency and the motto
        _rule_under(cell)


def _rule_under(cell) -> None:
    paragraph = cell.add_paragraph()
    paragraph.paragraph_format.left_indent = Cm(1.8)
    paragraph.paragraph_format.right_indent = Cm(1.8)
    run_size = paragraph.add_run("")
    run_size.font.size = Pt(4)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"),
                       ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _centered(doc, text: str, size: float, space_before: float = 0) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_before = Pt(space_before)
    paragraph.paragraph_format.space_after = Pt(6)
    paragraph.add_run(text).font.size = Pt(size)


def _body(doc, text: str) -> None:
    paragraph = doc.add_paragraph(text)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = Cm(1)
    paragraph.paragraph_format.space_after = Pt(6)


def _figures(doc, figures: Sequence[dict[str, Any]]) -> None:
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, ("Mã", "Nội dung", "Xã báo cáo"), strict=True):
        _cell_text(cell, text, size=12, bold=True)
    for figure in figures:
        cells = table.add_row().cells
        value = figure.get("value_read")
        shown = "để trống" if value is None else vi_number(value)
        for cell, text in zip(cells, (figure["code"], figure.get("label") or "", shown),
                              strict=True):
            _cell_text(cell, text, size=12)
        cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.LEFT
    _widths(table, (Cm(2.2), Cm(10.3), Cm(3.5)))
    doc.add_paragraph().paragraph_format.space_after = Pt(6)


def _signature(doc, details: LetterDetails) -> None:
    table = doc.add_table(rows=1, cols=2)
    _widths(table, (Cm(8), Cm(8.5)))
    recipients, signer = table.cell(0, 0), table.cell(0, 1)
    first = recipients.paragraphs[0]
    heading = first.add_run("Nơi nhận:")
    heading.bold, heading.italic, heading.font.size = True, True, Pt(12)
    for line in ("- Như trên;", "- Lưu: VT."):
        recipients.add_paragraph().add_run(line).font.size = Pt(11)
    for n, line in enumerate(details.signer_title.upper().splitlines()):
        _cell_text(signer, line, size=13, bold=True)
        if n == 0:
            signer.paragraphs[0].paragraph_format.space_before = Pt(0)
    for _ in range(4):  # room for the signature and the seal
        signer.add_paragraph()
    _cell_text(signer, details.signer_name, size=14, bold=True)


def _widths(table, widths: Sequence) -> None:
    """Column widths that Word and LibreOffice both keep (the grid's and every cell's)."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


# Words ----------------------------------------------------------------------------------------

def _sender(report: dict[str, Any]) -> tuple[str, str, str, str]:
    """(office, its people's committee, who signs, the place the letter is dated at). Before
    the reform a commune reported to its district's Phòng Nội vụ; districts were abolished on
    1 July 2025, and a commune on the 2025 map reports to its province's Sở Nội vụ."""
    if report.get("admin_map") == "2025":
        return ("Sở Nội vụ", (report.get("province_name") or "TỈNH").upper(), "GIÁM ĐỐC",
                _bare(report.get("province_code"), "province", "2025"))
    return ("Phòng Nội vụ", (report.get("district_name") or "HUYỆN").upper(), "TRƯỞNG PHÒNG",
            _bare(report.get("district_code"), "district", "legacy"))


def _dated(day: date) -> str:
    """Decree 30/2020: a day below 10 and the months 1 and 2 take a leading 0."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def _short(moment) -> str:
    return f"{moment:%d/%m/%Y}"


def _bare(code: str | None, level: str, admin_map: str) -> str:
    """A unit's name without its type word ("Hoằng Hóa"), "" when the report has none."""
    if not code:
        return ""
    try:
        return admin_units.unit(code, level, admin_map).bare_name
    except UnknownUnit:
        return ""


def _in_text(name: str | None) -> str:
    """A unit's name inside a sentence: its type word in lower case ("xã Hoằng Xuyên")."""
    return name[0].lower() + name[1:] if name else "xã"
