"""The return letter is sent by the office the commune reports to: the district's Phòng Nội vụ
before the reform, the province's Sở Nội vụ after it (districts were abolished on 1 July 2025)."""

from __future__ import annotations

import io
from datetime import date

from docx import Document

from cchc.web.letter import return_letter

ISSUES = [{"severity": "error", "message": "Chỉ tiêu 3.3.1: tổng không khớp"}]


def _paragraphs(report: dict) -> list[str]:
    data = return_letter(report, ISSUES, "sai số liệu", "can_bo", today=date(2026, 12, 1))
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def test_a_legacy_report_is_returned_by_the_district_office():
    text = _paragraphs({"admin_map": "legacy", "district_name": "Huyện Hoằng Hóa",
                        "province_name": "Tỉnh Thanh Hóa", "commune_name": "Thị trấn Bút Sơn",
                        "doc_number": "125/BC-UBND", "period_label": "9 tháng đầu năm 2024",
                        "file_name": "but_son.pdf"})
    assert text[0] == "UBND HUYỆN HOẰNG HÓA\nPHÒNG NỘI VỤ"
    assert "Phòng Nội vụ đã nhận báo cáo số 125/BC-UBND kỳ 9 tháng đầu năm 2024" in text[5]
    assert text[-1].startswith("TRƯỞNG PHÒNG\n")
    assert text[6] == "Lỗi: Chỉ tiêu 3.3.1: tổng không khớp"


def test_a_2025_report_is_returned_by_the_province_office():
    text = _paragraphs({"admin_map": "2025", "district_name": None,
                        "province_name": "Tỉnh Thanh Hóa", "commune_name": "Xã Hoằng Hóa",
                        "doc_number": None, "period_label": "Năm 2025", "file_name": "hh.pdf"})
    assert text[0] == "UBND TỈNH THANH HÓA\nSỞ NỘI VỤ"
    assert text[4] == "Kính gửi: Ủy ban nhân dân Xã Hoằng Hóa"
    assert text[5].startswith("Sở Nội vụ đã nhận báo cáo số (không số) kỳ Năm 2025")
    assert "huyện" not in "\n".join(text).lower()
    assert text[-1].startswith("GIÁM ĐỐC\n")
