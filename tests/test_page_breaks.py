"""The page-break sweep (issue 19): one Word report with a ruled table (its header rows clipped,
their last line drawn over the first row of every later page) and one Excel printout, each
rendered with the page breaks falling right before row after row of the appendix (under the
repeated header, inside the "Trong đó" groups), read exactly at every break.

The renders and the figures written into them come from tests/fixtures/page_breaks.py (`make
fixtures`); where each break fell is read again here from the text layer with pdfplumber, not
by cchc, so a render that no longer breaks where the sweep says fails here.
"""

import json

import pytest

from cchc.flows.reading import extract_report
from tests.fixtures.page_breaks import HERE, SWEEP, rows_opening_pages
from tests.fixtures.template import template_rows
from tests.shipped import TEMPLATE

MANIFEST = json.loads(SWEEP.read_text(encoding="utf-8"))
RENDERS = sorted(MANIFEST["renders"])
GROUPS = {row.code for row in template_rows() if row.kind == "group"}


def test_the_committed_renders_are_the_sweep():
    assert sorted(p.stem for p in HERE.glob("*.pdf")) == RENDERS
    assert {MANIFEST["renders"][name]["report"] for name in RENDERS} == {"word", "excel"}


@pytest.mark.parametrize("report", ["word", "excel"])
def test_the_breaks_fall_before_the_rows_the_issue_names(report):
    opened = {code for name in RENDERS if MANIFEST["renders"][name]["report"] == report
              for _, code in MANIFEST["renders"][name]["opens"] if code}
    breakdowns = {code for code in opened if code[-1].isalpha()}
    first_of_group = {code for code in breakdowns if code.endswith(".a")}
    assert len(breakdowns - first_of_group) >= 2, "no break inside a Trong đó group"
    assert first_of_group, "no break between a total and its Trong đó group"
    assert len(opened) >= 25


@pytest.mark.parametrize("name", RENDERS)
def test_every_value_is_exact_at_every_break(name):
    render = MANIFEST["renders"][name]
    path = HERE / f"{name}.pdf"
    opens = [tuple(pair) for pair in render["opens"]]
    assert rows_opening_pages(path) == opens
    truth = MANIFEST["reports"][render["report"]]
    report = extract_report(path, TEMPLATE)
    assert {o.code: o.value for o in report.observations} == truth["values"]
    assert [o.code for o in report.observations if not o.present] == []
    where = {o.code: o.place.page for o in report.observations
             if o.value is not None and o.place is not None}
    for page, code in opens:
        if code and code not in GROUPS and code in where:
            assert where[code] == page, (code, page)
    assert report.meta.commune_code == truth["report"]["commune_code"]
    assert report.meta.period == truth["report"]["period"]
