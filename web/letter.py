"""The letter that returns a report to its commune: what to fix, from the report's issues, as a
Word document the officer signs and sends (python-docx)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt


def return_letter(report: dict[str, Any], issues: list[dict[str, Any]], reason: str,
                  officer: str, today: date | None = None) -> bytes:
    """The .docx bytes: letterhead, whom it is for, which report, each issue to fix, why."""
    today = today or date.today()
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(13)
    head = doc.add_paragraph()
    head.add_run(f"UBND {report.get('district_name') or 'HUYỆN'}\nPHÒNG NỘI VỤ").bold = True
    motto = doc.add_paragraph()
    motto.alignment = WD_ALIGN_PARAGRAPH.CENTER
    motto.add_run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc").bold = True
    place = doc.add_paragraph(f"ngày {today.day} tháng {today.month} năm {today.year}")
    place.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run("V/v trả lại báo cáo công tác cải cách hành chính để hoàn thiện").bold = True
    doc.add_paragraph(f"Kính gửi: Ủy ban nhân dân {report.get('commune_name') or 'xã'}")
    number = report.get("doc_number") or "(không số)"
    doc.add_paragraph(
        f"Phòng Nội vụ đã nhận báo cáo số {number} kỳ {report.get('period_label') or '?'} "
        f"(tệp {report.get('file_name') or '?'}). Qua kiểm tra, báo cáo cần được hoàn thiện "
        "các nội dung sau:")
    for issue in issues:
        kind = "Lỗi" if issue["severity"] == "error" else "Lưu ý"
        doc.add_paragraph(f"{kind}: {issue['message']}", style="List Number")
    if not issues:
        doc.add_paragraph("(không có lỗi tự động; xem lý do dưới đây)")
    doc.add_paragraph(f"Lý do trả lại: {reason}")
    doc.add_paragraph("Đề nghị Ủy ban nhân dân xã kiểm tra, sửa và gửi lại báo cáo kèm Phụ lục "
                      "01b trong thời gian sớm nhất.")
    sign = doc.add_paragraph()
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    sign.add_run("TRƯỞNG PHÒNG\n(Ký, ghi rõ họ tên)\n\n\n").bold = True
    sign.add_run(f"Người lập: {officer}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
