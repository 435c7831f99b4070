"""Text reports as the benchmark renders them (bench/inbox.py, N = 2,000, seed 1): a Word report
with page numbers in its footer, exported to PDF by LibreOffice, its text layer saved as text.

What they carry that the seed does not: a footer page number alone on an indented line at
every page break, a wrapped header cell that spills past the "Số liệu" line ("9 tháng, năm)"),
and a letterhead whose two columns run together with the district name wrapped. Read wrongly,
the page number or the "9" became the value of the row the page cut (6.2 = 7, 2.5 = 5), and
the report was rejected for figures the commune never wrote.
"""

import json
from pathlib import Path

import pytest

from cchc.flows.reading import extract_report
from tests.shipped import TEMPLATE

HERE = Path(__file__).parent / "fixtures" / "bench_txt"
REPORTS = sorted(HERE.glob("*.txt"))


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.name)
def test_every_value_and_metadata_field_is_exact(path):
    truth = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
    report = extract_report(path, TEMPLATE)
    assert {o.code: o.value for o in report.observations} == truth["values"]
    assert {key: getattr(report.meta, key) for key in truth["report"]} == truth["report"]
    assert report.issues == ()


def test_the_fixtures_have_what_they_are_here_for():
    texts = {p.name[8:13]: p.read_text(encoding="utf-8-sig") for p in REPORTS}
    assert all("9 tháng, năm)" in text for text in texts.values())
    page_numbered = {code for code, text in texts.items()
                     if any(line.startswith(" ") and line.strip().isdigit()
                            for line in text.splitlines())}
    assert page_numbered == {"14878", "15196"}
    assert "UBND HUYỆN THẠCH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts["15196"]
    lines = [line.strip() for line in texts["14806"].splitlines() if line.strip()]
    assert lines[lines.index("UBND PHƯỜNG QUẢNG") + 1] == "THÀNH"
