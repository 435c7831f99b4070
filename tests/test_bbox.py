"""Each figure of a PDF table carries its value's box on its page (for the web desk to outline
it): its cell's in a ruled table, its printed word's in an unruled one. PDFium, another reader
than the one that found the table, reads the figure inside that box and nothing else of the
table."""

import json
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest

REPORTS = Path(__file__).parent / "fixtures" / "reports"
RULED = ["pdf_word_15928_2024-9M.pdf", "pdf_word_15976_2024-H1.pdf", "pdf_word_15691_2024-H1.pdf"]
UNRULED = ["pdf_excel_15988_2024-9M.pdf", "pdf_excel_15928_2024-Q1.pdf"]


def extract_json(path: Path) -> dict:
    result = subprocess.run([sys.executable, "-m", "cchc.cli", "extract", "--json", str(path)],
                            capture_output=True, text=True, timeout=300, check=True)
    return json.loads(result.stdout)


def text_in_box(document: pdfium.PdfDocument, page: int, box: list[float]) -> str:
    """The text PDFium finds inside a box given in pdfplumber's top-left coordinates."""
    x0, top, x1, bottom = box
    pdf_page = document[page - 1]
    height = pdf_page.get_height()
    text = pdf_page.get_textpage().get_text_bounded(left=x0, bottom=height - bottom, right=x1,
                                                     top=height - top)
    return " ".join(text.split())


@pytest.mark.parametrize("name", RULED)
def test_each_figure_is_inside_its_box(name):
    document = pdfium.PdfDocument(REPORTS / name)
    indicators = extract_json(REPORTS / name)["indicators"]
    figures = [i for i in indicators if i["raw"]]
    assert figures
    for item in figures:
        x0, top, x1, bottom = item["bbox"]
        assert 0 <= x0 < x1 and 0 <= top < bottom, item
        assert text_in_box(document, item["page"], item["bbox"]) == item["raw"], item


@pytest.mark.parametrize("name", UNRULED)
def test_a_figure_of_an_unruled_table_is_inside_its_words_box(name):
    """Printed from Excel with only the frame and column lines, a value has no cell of its
    own: its box is its printed word's, and PDFium reads exactly the figure in it. A blank
    figure printed nothing, so it has no box (the desk then claims no outline)."""
    document = pdfium.PdfDocument(REPORTS / name)
    indicators = extract_json(REPORTS / name)["indicators"]
    figures = [i for i in indicators if i["raw"]]
    assert len(figures) > 30
    for item in figures:
        assert text_in_box(document, item["page"], item["bbox"]) == item["raw"], item
    assert all("bbox" not in i for i in indicators if not i["raw"])


def test_a_blank_figure_still_has_its_empty_cell():
    document = pdfium.PdfDocument(REPORTS / RULED[0])
    blanks = [i for i in extract_json(REPORTS / RULED[0])["indicators"] if not i["raw"]]
    assert blanks
    for item in blanks:
        assert text_in_box(document, item["page"], item["bbox"]) == "", item


@pytest.mark.parametrize("name", ["xlsx_15976_2024-9M.xlsx", "docx_15976_2024-9M.docx",
                                  "txt_15865_2024-9M.txt"])
def test_other_formats_have_no_box(name):
    assert all("bbox" not in i for i in extract_json(REPORTS / name)["indicators"])


def test_word_figures_name_their_table_row_and_cell():
    item = next(i for i in extract_json(REPORTS / "docx_15976_2024-9M.docx")["indicators"]
                if i["code"] == "1.1.1")
    assert {key: item[key] for key in ("table", "row", "cell")} == {"table": 3, "row": 6,
                                                                    "cell": "4"}
