"""Reading who sent a report, and for when, from the places clerks fill in."""

import pytest

from cchc.template.raw import Place, RawReport, TextLine
from cchc.transforms.metadata import read_metadata


def report(*lines: str, title: str = "") -> RawReport:
    return RawReport("txt", tuple(TextLine(t, Place(line=n)) for n, t in enumerate(lines, 1)),
                     (), title)


@pytest.mark.parametrize(("letterhead", "code"), [
    ("UBND XÃ HOẰNG PHONG Độc lập - Tự do - Hạnh phúc", "15973"),  # "Phong", not "Phòng"
    ("THỊ TRẤN BÚT SƠN Độc lập - Tự do - Hạnh phúc", "15865"),
    ("UỶ BAN NHÂN DÂN XÃ HOẰNG ĐỨC CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", "15928"),
])
def test_commune_from_the_letterhead(letterhead, code):
    meta = read_metadata(report("UBND HUYỆN HOẰNG HÓA", letterhead, "BÁO CÁO",
                                "Kết quả công tác CCHC quý I năm 2024"))
    assert (meta.commune_code, meta.district_code, meta.province_code) == (code, "399", "38")
    assert meta.period == "2024-Q1"


def test_a_name_in_several_districts_needs_its_district_line():
    lines = ("UBND XÃ MINH SƠN", "BÁO CÁO", "6 tháng đầu năm 2024")
    assert read_metadata(report(*lines)).commune_code is None  # never a guess
    meta = read_metadata(report("UBND HUYỆN TRIỆU SƠN", *lines))
    assert (meta.commune_code, meta.period) == ("15691", "2024-H1")


@pytest.mark.parametrize(("title", "period"), [
    ("Tình hình, kết quả công tác cải cách hành chính 9 tháng đầu năm 2024", "2024-9M"),
    ("Kết quả công tác CCHC năm 2023 và phương hướng nhiệm vụ năm 2024", "2023-FY"),
    ("Báo cáo CCHC quý III/2024", "2024-Q3"),
    ("Kết quả thực hiện 6 tháng đầu năm 2024, phương hướng 6 tháng cuối năm", "2024-H1"),
])
def test_period_from_the_title(title, period):
    meta = read_metadata(report("UBND HUYỆN HOẰNG HÓA", "UBND XÃ HOẰNG ĐỨC", "BÁO CÁO", title))
    assert meta.period == period


def test_date_and_number_blank_or_filled():
    blank = read_metadata(report("Số:     /BC-UBND", "Hoằng Đức, ngày   tháng   năm 2024"))
    assert (blank.doc_number, blank.report_date) == (None, None)
    filled = read_metadata(report("Số: 112/BC-UBND", "Hoằng Đức, ngày 13 tháng 9 năm 2024"))
    assert (filled.doc_number, filled.report_date) == ("112/BC-UBND", "2024-09-13")


# Letterheads as LibreOffice lays out Word's narrow letterhead column (bench/inbox.py renders
# them): a long district name wraps onto a line of its own.
@pytest.mark.parametrize(("letterhead", "commune", "district"), [
    (("UBND THÀNH PHỐ THANH", "HÓA", "UBND PHƯỜNG PHÚ SƠN"), "14770", "380"),
    (("UBND HUYỆN QUẢNG", "XƯƠNG", "UBND XÃ QUẢNG YÊN"), "16480", "406"),
    (("UBND THÀNH PHỐ THANH", "HÓA", "UBND XÃ ĐÔNG PHÚ"), "16420", "380"),
])
def test_a_district_name_wrapped_in_the_letterhead(letterhead, commune, district):
    meta = read_metadata(report(*letterhead, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                                "Độc lập - Tự do - Hạnh phúc",
                                "Số: /BC-UBND ngày 13 tháng 3 năm 2024", "BÁO CÁO",
                                "Kết quả công tác CCHC quý I năm 2024"))
    assert (meta.commune_code, meta.district_code) == (commune, district)


def test_an_ambiguous_name_is_never_read_as_a_shorter_one():
    """"Xã Đông Phú" names communes in several provinces; "Xã Đông" names one elsewhere."""
    meta = read_metadata(report("UBND XÃ ĐÔNG PHÚ", "BÁO CÁO", "quý I năm 2024"))
    assert (meta.commune_code, meta.district_code) == (None, None)


def test_a_workbook_whose_letterhead_is_only_above_its_table():
    title = ("UBND HUYỆN QUAN HÓA CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM UBND XÃ NAM TIẾN Độc lập - "
             "Tự do - Hạnh phúc Phụ lục 01b THỐNG KÊ SỐ LIỆU VỀ KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI "
             "CÁCH HÀNH CHÍNH CỦA UBND XÃ NAM TIẾN Kỳ báo cáo: Quý I năm 2024")
    meta = read_metadata(report(title=title))
    assert (meta.commune_code, meta.district_code, meta.period) == ("14902", "385", "2024-Q1")


@pytest.mark.parametrize(("title", "period"), [
    # The seed: the year only in the line that looks ahead, the same year.
    (("Tình hình, kết quả công tác cải cách hành chính 9 tháng đầu năm",
      "Phương hướng, nhiệm vụ 3 tháng cuối năm 2024"), "2024-9M"),
    # A year's report: the year ahead is the next one.
    (("Tình hình, kết quả công tác cải cách hành chính năm",
      "Phương hướng, nhiệm vụ năm 2025"), "2024-FY"),
])
def test_a_title_whose_year_is_only_in_the_plan_ahead(title, period):
    meta = read_metadata(report("UBND HUYỆN HOẰNG HÓA", "UBND XÃ HOẰNG ĐỨC", "BÁO CÁO", *title,
                                "I. CÔNG TÁC CHỈ ĐẠO, TRIỂN KHAI THỰC HIỆN"))
    assert meta.period == period
