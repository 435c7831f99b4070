"""A "Trong đó" group broken across two pages under a clipped repeated header (Word PDFs whose
header rows have a fixed height their text overflows, labels retyped): the group's first row on
the second page keeps its figure and its page, and validation does not call it missing.

Before the fix, the header's spilled last line ("9 tháng, năm)") opened that row's label, the
row no longer began like a "Trong đó" label, and it was joined to the row above as the rest of
a row cut by the page break: its figure came back blank with no page. Cells are now read by
geometry (extractors/pdf_cells.py): the spilled line starts above the row's top rule and keeps
the header's font and line pitch, so it is the header's, never the row's.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cchc.flows.reading import extract_report
from tests.shipped import TEMPLATE

REPORTS = Path(__file__).parent / "fixtures" / "reports"
# fixture → the "Trong đó" row that opens the second page of its group
BROKEN_GROUPS = {"pdf_word_15928_2024-H1.pdf": "3.3.2.a", "pdf_word_15976_2024-H1.pdf": "3.3.1.b"}


@pytest.mark.parametrize(("name", "code"), BROKEN_GROUPS.items())
def test_first_row_on_the_groups_second_page_keeps_its_figure(name, code):
    truth = json.loads((REPORTS / name).with_suffix(".expected.json").read_text())
    report = extract_report(REPORTS / name, TEMPLATE)
    row = next(o for o in report.observations if o.code == code)
    total = next(o for o in report.observations if o.code == code[:-2])
    assert row.present and row.value == truth["values"][code] is not None
    assert row.place.page > total.place.page  # the group does break across the pages


@pytest.mark.parametrize("name", BROKEN_GROUPS)
def test_validation_does_not_call_the_row_missing(name):
    result = subprocess.run([sys.executable, "-m", "cchc.cli", "validate", "--json",
                             str(REPORTS / name)], capture_output=True, text=True, timeout=300)
    document = json.loads(result.stdout)
    assert document["issues"] == []
    assert document["status"] == "accepted"


def test_the_spilled_line_is_the_headers_by_geometry():
    """Page 5 of pdf_word_15928_2024-H1.pdf: the header's "9 tháng, năm)" is drawn across the
    rule above "Cải cách thể chế"; the row's label cell holds only its own words."""
    import pdfplumber

    from cchc.extractors.pdf_cells import cell_text, header_overflow, page_words

    with pdfplumber.open(REPORTS / "pdf_word_15928_2024-H1.pdf") as pdf:
        page = pdf.pages[4]
        table = page.find_tables()[0]
        words = page_words(page)
        header = [box for row in table.rows[:2] for box in row.cells if box is not None]
        label = table.rows[2].cells[1]
        assert "9 tháng, năm)" in table.extract()[2][1]  # pdfplumber's own cell text
        assert cell_text(words, table.rows[0].cells[1]).endswith("\n9 tháng, năm)")
        assert header_overflow(words, header) == set()  # nothing below the header's box
        assert cell_text(words, label) == "Cải cách thể chế"


def test_lines_that_overflow_a_header_into_the_row_below_are_the_headers():
    """A header cell clipped two lines short: its last two lines fall inside the first row's
    box, between that row's own lines, in the header's italic 12 pt on the header's pitch."""
    from cchc.extractors.pdf_cells import Word, cell_text, header_overflow

    def line(top: float, font: str, size: float, *texts: str) -> list[Word]:
        return [Word(t, 130 + 40 * i, 160 + 40 * i, top, top + size, font, size)
                for i, t in enumerate(texts)]

    header_box, row_box = (125.0, 57.0, 357.5, 80.0), (125.0, 80.0, 357.5, 140.0)
    spilled = [*line(85.2, "Italic", 12, "6", "tháng,"), *line(99.0, "Italic", 12, "năm)")]
    words = [*line(56.4, "Bold", 13, "Chỉ", "tiêu"), *line(71.4, "Italic", 12, "(Sử", "dụng"),
             *spilled, *line(90.1, "Regular", 13, "Trả", "trực"),
             *line(105.0, "Regular", 13, "tiếp")]
    overflow = header_overflow(words, [header_box])
    assert overflow == set(spilled)
    assert cell_text([w for w in words if w not in overflow], row_box) == "Trả trực\ntiếp"
