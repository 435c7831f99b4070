"""The return letter as an official document (Decree 30/2020/NĐ-CP, Phụ lục I, mẫu công văn):
checked in the .docx's structure, and rendered by LibreOffice to PDF (and PNG, to look at) and
checked where each block lands on the A4 page, against the Decree's sample layout: agency
top-left with the motto beside it, number and subject under the agency, place and date under
the motto, "Kính gửi" then the body, "Nơi nhận" bottom-left and the signer bottom-right.

The office that sends it follows the map: the district's Phòng Nội vụ before the reform, the
province's Sở Nội vụ after it (districts were abolished on 1 July 2025).
"""

from __future__ import annotations

import io
from datetime import date

import pdfplumber
import pypdfium2
import pytest
from docx import Document

from cchc.web.letter import LetterDetails, file_name, plain, return_letter
from tests.fixtures.office import convert

LEGACY = {"admin_map": "legacy", "district_name": "Huyện Hoằng Hóa", "district_code": "399",
          "province_code": "38", "province_name": "Tỉnh Thanh Hóa",
          "commune_name": "Xã Hoằng Xuyên", "doc_number": "41/BC-UBND",
          "report_date": date(2024, 9, 17), "received_at": date(2024, 9, 18),
          "period_label": "9 tháng đầu năm 2024", "file_name": "BC 9T Hoang Xuyen.pdf"}
ISSUES = [{"severity": "error", "codes": ["1.1.2", "1.1.1"],
           "message": "Mã 1.1.2 = 999 (PL01b!D12) lớn hơn mã 1.1.1 = 15 (PL01b!D11): số nhiệm "
                      "vụ đã hoàn thành không thể vượt số nhiệm vụ đề ra."}]
FIGURES = [{"code": "1.1.1", "label": "Số nhiệm vụ đề ra trong kế hoạch", "value_read": 15},
           {"code": "1.1.2", "label": "Số nhiệm vụ đã hoàn thành", "value_read": 999},
           {"code": "1.1.3", "label": "Số văn bản đã ban hành", "value_read": None}]
DETAILS = LetterDetails("125/PNV", date(2026, 12, 14), "Lê Văn Nam", "TRƯỞNG PHÒNG")
TODAY = date(2026, 12, 4)


def letter(report: dict = LEGACY, details: LetterDetails = DETAILS, today: date = TODAY,
           issues=ISSUES, figures=FIGURES) -> Document:
    return Document(io.BytesIO(return_letter(report, issues, figures, "thiếu chữ ký",
                                             details, today=today)))


def cells(doc: Document, table: int) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in doc.tables[table].rows]


def test_the_letterhead_is_agency_and_motto_side_by_side_with_number_subject_and_date():
    doc = letter()
    (agency, motto), (number, dated) = cells(doc, 0)
    assert agency.split("\n")[:2] == ["UBND HUYỆN HOẰNG HÓA", "PHÒNG NỘI VỤ"]
    assert motto.split("\n")[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                                     "Độc lập - Tự do - Hạnh phúc"]
    assert number.split("\n") == ["Số: 125/PNV", "V/v trả lại báo cáo công tác cải cách "
                                                 "hành chính 9 tháng đầu năm 2024 để hoàn thiện"]
    assert dated == "Hoằng Hóa, ngày 04 tháng 12 năm 2026"
    # The agency's name and the motto are bold, with the Decree's short rule beneath each.
    for cell in doc.tables[0].rows[0].cells:
        rules = [p for p in cell.paragraphs if p._p.find(".//{*}pBdr") is not None]
        assert len(rules) == 1
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.left_margin.mm), round(section.right_margin.mm)) == (30, 15)


def test_the_body_speaks_plainly_of_what_the_file_says_and_gives_the_deadline():
    doc = letter()
    text = [p.text for p in doc.paragraphs if p.text]
    assert text[0] == "Kính gửi: Ủy ban nhân dân xã Hoằng Xuyên."
    assert text[1].startswith("Phòng Nội vụ nhận được Báo cáo số 41/BC-UBND ngày 17/09/2024 "
                              "của Ủy ban nhân dân xã Hoằng Xuyên về kết quả công tác cải cách "
                              "hành chính 9 tháng đầu năm 2024 (nhận ngày 18/09/2024).")
    assert text[2] == ("1. Mã 1.1.2 = 999 (ô D12, trang tính PL01b) lớn hơn mã 1.1.1 = 15 "
                       "(ô D11, trang tính PL01b): số nhiệm vụ đã hoàn thành không thể vượt số "
                       "nhiệm vụ đề ra.")
    assert "!" not in "\n".join(text) and "rule." not in "\n".join(text)
    assert text[3] == "Ngoài ra: thiếu chữ ký."
    assert text[-1].endswith("trước ngày 14 tháng 12 năm 2026./.")
    # The figures as the commune wrote them, blank said as blank.
    assert cells(doc, 1) == [["Mã", "Nội dung", "Xã báo cáo"],
                             ["1.1.1", "Số nhiệm vụ đề ra trong kế hoạch", "15"],
                             ["1.1.2", "Số nhiệm vụ đã hoàn thành", "999"],
                             ["1.1.3", "Số văn bản đã ban hành", "để trống"]]


def test_recipients_and_the_signer_close_it_and_no_account_name_appears():
    doc = letter()
    (recipients, signer), = cells(doc, 2)
    assert recipients.split("\n") == ["Nơi nhận:", "- Như trên;", "- Lưu: VT."]
    lines = [line for line in signer.split("\n") if line]
    assert lines == ["TRƯỞNG PHÒNG", "Lê Văn Nam"]
    deputy = letter(details=LetterDetails("1/PNV", date(2026, 12, 9), "Trần Thị Hoa",
                                          "KT. Trưởng phòng\nPhó Trưởng phòng"))
    lines = [line for line in cells(deputy, 2)[0][1].split("\n") if line]
    assert lines == ["KT. TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG", "Trần Thị Hoa"]


def test_a_2025_report_is_returned_by_the_province_office():
    report = {**LEGACY, "admin_map": "2025", "district_name": None, "district_code": None,
              "commune_name": "Xã Hoằng Hóa", "period_label": "Năm 2025"}
    doc = letter(report, LetterDetails("9/SNV", date(2026, 12, 20), "Lê Thị Mai", "GIÁM ĐỐC"))
    (agency, _), (_, dated) = cells(doc, 0)
    assert agency.split("\n")[:2] == ["UBND TỈNH THANH HÓA", "SỞ NỘI VỤ"]
    assert dated == "Thanh Hóa, ngày 04 tháng 12 năm 2026"
    text = "\n".join(p.text for p in doc.paragraphs)
    assert text.startswith("Kính gửi: Ủy ban nhân dân xã Hoằng Hóa.")
    assert "Sở Nội vụ nhận được Báo cáo" in text and "huyện" not in text.lower()


def test_a_report_with_no_commune_or_number_still_gets_a_letter():
    report = {"admin_map": None, "commune_name": None, "file_name": "scan.pdf"}
    doc = letter(report, issues=[], figures=[])
    text = [p.text for p in doc.paragraphs if p.text]
    assert text[0] == "Kính gửi: Ủy ban nhân dân xã."
    assert "Báo cáo (không ghi số)" in text[1]
    assert text[2] == "- thiếu chữ ký."
    assert cells(doc, 0)[1][1] == "ngày 04 tháng 12 năm 2026"


@pytest.mark.parametrize("day, line", [(date(2026, 1, 5), "ngày 05 tháng 01 năm 2026"),
                                       (date(2026, 2, 28), "ngày 28 tháng 02 năm 2026"),
                                       (date(2026, 3, 9), "ngày 09 tháng 3 năm 2026"),
                                       (date(2026, 11, 30), "ngày 30 tháng 11 năm 2026")])
def test_the_date_line_follows_decree_30_2020(day, line):
    """Days below 10 and the months 1 and 2 are written with a leading 0."""
    assert cells(letter(today=day), 0)[1][1] == f"Hoằng Hóa, {line}"


def test_the_file_is_named_for_the_commune_and_period():
    assert file_name(LEGACY) == "Thu tra lai - Xa Hoang Xuyen - 9 thang dau nam 2024.docx"


def test_plain_leaves_other_places_alone():
    assert plain("Mã 3.3.1 = 5 (trang 3)") == "Mã 3.3.1 = 5 (trang 3)"
    assert plain("(bảng 2, dòng 5, cột 4)") == "(bảng 2, dòng 5, cột 4)"


def test_rendered_on_a4_it_lays_out_as_the_decrees_sample(tmp_path):
    """LibreOffice renders the letter; the words land where the Decree's sample puts them."""
    source = tmp_path / "thu.docx"
    source.write_bytes(return_letter(LEGACY, ISSUES, FIGURES, "thiếu chữ ký", DETAILS,
                                     today=TODAY))
    pdf, = convert([source], "pdf", tmp_path)
    rendered = pypdfium2.PdfDocument(pdf.read_bytes())
    rendered[0].render(scale=1).to_pil().save(tmp_path / "trang-1.png")  # to look at
    rendered.close()
    with pdfplumber.open(pdf) as document:
        assert len(document.pages) == 1
        page = document.pages[0]
        assert (round(page.width), round(page.height)) == (595, 842)  # A4 in points
        lines = _lines(page)

    def where(text: str) -> tuple[float, float]:
        found = [(x, top) for words, x, top in lines if words.startswith(text)]
        assert found, (text, [w for w, _, _ in lines])
        return found[0]

    agency, motto = where("UBND HUYỆN HOẰNG HÓA"), where("CỘNG HÒA XÃ HỘI")
    number, dated = where("Số: 125/PNV"), where("Hoằng Hóa, ngày 04")
    addressed, recipients = where("Kính gửi"), where("Nơi nhận")
    signer, name = where("TRƯỞNG PHÒNG"), where("Lê Văn Nam")
    middle = (30 + 65) * 72 / 25.4  # the margin and the agency's column (6.5 cm)
    assert abs(agency[1] - motto[1]) < 4 and agency[0] < middle < motto[0]  # side by side
    assert number[1] > agency[1] and number[0] < middle  # number under the agency
    assert dated[1] > motto[1] and dated[0] > middle  # date under the motto
    assert addressed[1] > max(number[1], dated[1])
    assert recipients[0] < middle < signer[0] and abs(recipients[1] - signer[1]) < 4
    assert name[1] > signer[1] + 40  # room to sign
    assert agency[0] >= 80 and agency[1] >= 50  # inside the Decree's margins (30 mm, 20 mm)
    assert (tmp_path / "trang-1.png").stat().st_size > 10_000


def _lines(page) -> list[tuple[str, float, float]]:
    """Each text line of the page as (its words, left, top), top to bottom, left to right;
    words closer than a space apart on one baseline make one line."""
    words = sorted(page.extract_words(keep_blank_chars=False, x_tolerance=2),
                   key=lambda w: (round(w["top"]), w["x0"]))
    lines: list[list[dict]] = []
    for word in words:
        if lines and abs(lines[-1][-1]["top"] - word["top"]) < 3 and \
                word["x0"] - lines[-1][-1]["x1"] < 12:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [(" ".join(w["text"] for w in line), line[0]["x0"], line[0]["top"])
            for line in lines]


