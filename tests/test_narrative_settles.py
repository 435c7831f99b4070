"""A commune name shared across provinces, settled by the province (before the reform, the
district) the report's own text names among the candidates' (docs/admin_units.md).

"Xã Tân Thành" is a commune of seven provinces on the 2025 map (reference/admin_units.csv:
Thái Nguyên 5923, Lạng Sơn 6445, Thanh Hóa 15661, Quảng Trị 18919, Lâm Đồng 23143, Tây Ninh
25534, Đồng Tháp 29938); "Xã Quảng Phú" of five legacy districts in five provinces (Thọ Xuân's
is 15571).
"""

from cchc.template.raw import Place, RawReport, TextLine
from cchc.transforms.metadata import read
from cchc.transforms.report import build_report
from tests.shipped import TEMPLATE

TAN_THANH = ("ỦY BAN NHÂN DÂN", "XÃ TÂN THÀNH", "Số: 61/BC-UBND",
             "Tân Thành, ngày 15 tháng 9 năm 2025", "BÁO CÁO",
             "Kết quả công tác cải cách hành chính 9 tháng đầu năm 2025")
QUANG_PHU = ("ỦY BAN NHÂN DÂN", "XÃ QUẢNG PHÚ", "Số: 33/BC-UBND",
             "Quảng Phú, ngày 14 tháng 6 năm 2024", "BÁO CÁO",
             "Kết quả công tác cải cách hành chính 6 tháng đầu năm 2024")


def report(*lines: str) -> RawReport:
    return RawReport("txt", tuple(TextLine(t, Place(line=n)) for n, t in enumerate(lines, 1)),
                     ())


def plan(superior: str) -> str:
    return ("UBND xã đã tập trung lãnh đạo, chỉ đạo thực hiện Nghị quyết số 76/NQ-CP ngày "
            f"15/7/2021 của Chính phủ và Kế hoạch CCHC năm 2025 của {superior}.")


def test_the_province_the_narrative_names_settles_it():
    reading = read(report(*TAN_THANH, plan("UBND tỉnh Lâm Đồng")))
    assert (reading.meta.commune_code, reading.meta.province_code) == ("23143", "68")
    assert reading.candidates == ()


def test_a_province_of_no_candidate_does_not_count():
    """Gia Lai has no Xã Tân Thành: naming it beside Lâm Đồng still names one of theirs."""
    lines = (*TAN_THANH, plan("UBND tỉnh Lâm Đồng"), "Học tập kinh nghiệm của tỉnh Gia Lai.")
    assert read(report(*lines)).meta.commune_code == "23143"


def test_a_narrative_naming_two_provinces_settles_nothing():
    lines = (*TAN_THANH, plan("UBND tỉnh Lâm Đồng"),
             "Phối hợp với UBND xã Tân Thành, tỉnh Tây Ninh trao đổi kinh nghiệm.")
    built = build_report(report(*lines), TEMPLATE, "x.txt", "0" * 64)
    assert built.meta.commune_code is None
    issue = next(i for i in built.issues if i.rule == "meta.commune")
    assert "ứng với 7 đơn vị" in issue.message
    assert "Xã Tân Thành (mã 23143, Tỉnh Lâm Đồng)" in issue.message
    assert "Xã Tân Thành (mã 25534, Tỉnh Tây Ninh)" in issue.message


def test_without_a_province_in_the_text_it_is_rejected_as_before():
    assert len(read(report(*TAN_THANH, plan("UBND tỉnh"))).candidates) == 7


def test_the_text_wins_over_the_inbox_setting_and_the_setting_still_settles_the_rest():
    assert read(report(*TAN_THANH, plan("UBND tỉnh Lâm Đồng")), "38").meta.commune_code == \
        "23143"
    assert read(report(*TAN_THANH, plan("UBND tỉnh")), "38").meta.commune_code == "15661"


def test_before_the_reform_the_district_the_narrative_names_settles_it():
    reading = read(report(*QUANG_PHU, plan("UBND huyện Thọ Xuân")))
    assert (reading.meta.commune_code, reading.meta.district_code) == ("15571", "395")
    two = read(report(*QUANG_PHU, plan("UBND huyện Thọ Xuân"),
                      "Tham quan mô hình một cửa của huyện Quảng Điền."))
    assert two.meta.commune_code is None and len(two.candidates) == 5
