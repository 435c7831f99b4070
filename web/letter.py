"""The letter that returns a report to its commune: what to fix, from the report's issues, as a
Word document the officer signs and sends (python-docx)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from cchc.errors import UnknownUnit
from cchc.labels import SEVERITY, said
from cchc.transforms import admin_units


def return_letter(report: dict[str, Any], issues: list[dict[str, Any]], reason: str,
                  officer: str, today: date | None = None) -> bytes:
    """The .docx bytes: letterhead, whom it is for, which report, each issue to fix, why.
    ``report`` is ``warehouse.desk.report``'s row (its map decides who sends the letter)."""
    today = today or date.today()
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(13)
    office, council, signer, place = _sender(report)
    head = doc.add_paragraph()
    head.add_run(f"UBND {council}\n{office.upper()}").bold = True
    motto = doc.add_paragraph()
    motto.alignment = WD_ALIGN_PARAGRAPH.CENTER
    motto.add_run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc").bold = True
    # Nghị định 30/2020/NĐ-CP: a day below 10 and the months 1 and 2 take a leading 0.
    month = f"{today.month:02d}" if today.month < 3 else str(today.month)
    dated = f"ngày {today.day:02d} tháng {month} năm {today.year}"
    when = doc.add_paragraph(f"{place}, {dated}" if place else dated)
    when.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run("V/v trả lại báo cáo công tác cải cách hành chính để hoàn thiện").bold = True
    doc.add_paragraph(f"Kính gửi: Ủy ban nhân dân {_in_text(report.get('commune_name'))}")
    number = report.get("doc_number") or "(không số)"
    doc.add_paragraph(
        f"{office} đã nhận báo cáo số {number} kỳ {report.get('period_label') or '?'} "
        f"(tệp {report.get('file_name') or '?'}). Qua kiểm tra, báo cáo cần được hoàn thiện "
        "các nội dung sau:")
    for issue in issues:
        doc.add_paragraph(f"{said(SEVERITY, issue['severity'])}: {issue['message']}",
                          style="List Number")
    if not issues:
        doc.add_paragraph("(không có lỗi tự động; xem lý do dưới đây)")
    doc.add_paragraph(f"Lý do trả lại: {reason}")
    doc.add_paragraph("Đề nghị Ủy ban nhân dân xã kiểm tra, sửa và gửi lại báo cáo kèm Phụ lục "
                      "01b trong thời gian sớm nhất.")
    sign = doc.add_paragraph()
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    sign.add_run(f"{signer}\n(Ký, ghi rõ họ tên)\n\n\n").bold = True
    sign.add_run(f"Người lập: {officer}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _sender(report: dict[str, Any]) -> tuple[str, str, str, str]:
    """(office, its people's committee, who signs, the place the letter is dated at). Before
    the reform a commune reported to its district's Phòng Nội vụ; districts were abolished on
    1 July 2025, and a commune on the 2025 map reports to its province's Sở Nội vụ."""
    if report.get("admin_map") == "2025":
        return ("Sở Nội vụ", (report.get("province_name") or "TỈNH").upper(), "GIÁM ĐỐC",
                _bare(report.get("province_code"), "province", "2025"))
    return ("Phòng Nội vụ", (report.get("district_name") or "HUYỆN").upper(), "TRƯỞNG PHÒNG",
            _bare(report.get("district_code"), "district", "legacy"))


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
