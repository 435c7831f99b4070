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
                        "district_code": "399", "province_code": "38",
                        "province_name": "Tỉnh Thanh Hóa", "commune_name": "Thị trấn Bút Sơn",
                        "doc_number": "125/BC-UBND", "period_label": "9 tháng đầu năm 2024",
                        "file_name": "but_son.pdf"})
    assert text[0] == "UBND HUYỆN HOẰNG HÓA\nPHÒNG NỘI VỤ"
    assert text[2] == "Hoằng Hóa, ngày 01 tháng 12 năm 2026"
    assert text[4] == "Kính gửi: Ủy ban nhân dân thị trấn Bút Sơn"
    assert "Phòng Nội vụ đã nhận báo cáo số 125/BC-UBND kỳ 9 tháng đầu năm 2024" in text[5]
    assert text[-1].startswith("TRƯỞNG PHÒNG\n")
    assert text[6] == "Lỗi: Chỉ tiêu 3.3.1: tổng không khớp"


def test_a_2025_report_is_returned_by_the_province_office():
    text = _paragraphs({"admin_map": "2025", "district_name": None, "province_code": "38",
                        "province_name": "Tỉnh Thanh Hóa", "commune_name": "Xã Hoằng Hóa",
                        "doc_number": None, "period_label": "Năm 2025", "file_name": "hh.pdf"})
    assert text[0] == "UBND TỈNH THANH HÓA\nSỞ NỘI VỤ"
    assert text[2] == "Thanh Hóa, ngày 01 tháng 12 năm 2026"
    assert text[4] == "Kính gửi: Ủy ban nhân dân xã Hoằng Hóa"
    assert text[5].startswith("Sở Nội vụ đã nhận báo cáo số (không số) kỳ Năm 2025")
    assert "huyện" not in "\n".join(text).lower()
    assert text[-1].startswith("GIÁM ĐỐC\n")


def test_a_report_with_no_commune_found_still_gets_a_letter():
    text = _paragraphs({"admin_map": None, "commune_name": None, "file_name": "scan.pdf"})
    assert text[0] == "UBND HUYỆN\nPHÒNG NỘI VỤ"
    assert text[2] == "ngày 01 tháng 12 năm 2026"
    assert text[4] == "Kính gửi: Ủy ban nhân dân xã"


def test_the_date_line_follows_decree_30_2020():
    """Days below 10 and the months 1 and 2 are written with a leading 0."""
    def dated(day: date) -> str:
        data = return_letter({"admin_map": "legacy", "district_code": "399"}, ISSUES, "x", "y",
                             today=day)
        return Document(io.BytesIO(data)).paragraphs[2].text

    assert dated(date(2026, 2, 5)) == "Hoằng Hóa, ngày 05 tháng 02 năm 2026"
    assert dated(date(2026, 3, 15)) == "Hoằng Hóa, ngày 15 tháng 3 năm 2026"
