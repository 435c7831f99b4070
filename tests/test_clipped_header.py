"""A "Trong đó" group broken across two pages under a clipped repeated header (Word PDFs whose
header rows have a fixed height their text overflows, labels retyped): the group's first row on
the second page keeps its figure and its page, and validation does not call it missing.

Before the fix, the header's spilled last line ("9 tháng, năm)") opened that row's label, the
row no longer began like a "Trong đó" label, and it was joined to the row above as the rest of
a row cut by the page break: its figure came back blank with no page.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cchc.extractors.table import without_header_spill
from cchc.transforms.report import extract_report

REPORTS = Path(__file__).parent / "fixtures" / "reports"
# fixture → the "Trong đó" row that opens the second page of its group
BROKEN_GROUPS = {"pdf_word_15928_2024-H1.pdf": "3.3.2.a", "pdf_word_15976_2024-H1.pdf": "3.3.1.b"}


@pytest.mark.parametrize(("name", "code"), BROKEN_GROUPS.items())
def test_first_row_on_the_groups_second_page_keeps_its_figure(name, code):
    truth = json.loads((REPORTS / name).with_suffix(".expected.json").read_text())
    report = extract_report(REPORTS / name)
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


def test_only_the_headings_end_is_taken_off():
    assert without_header_spill("9 tháng, năm) Trả trực tiếp") == "Trả trực tiếp"
    assert without_header_spill("hàng quý, 6 tháng, 9 tháng, năm) Trả trực tiếp") == \
        "Trả trực tiếp"
    assert without_header_spill("Trả trực tiếp") == "Trả trực tiếp"
    assert without_header_spill("Số TTHC (năm) đã rà soát") == "Số TTHC (năm) đã rà soát"
