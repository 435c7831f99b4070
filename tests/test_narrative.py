"""Narrative cross-check: the seed's text against its appendix, and the pattern file's loader."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import replace
from pathlib import Path

import pytest

from cchc.errors import ReferenceDataError
from cchc.extractors.read import read_bytes, read_raw
from cchc.template.raw import Place, TextLine
from cchc.transforms.narrative import check_narrative, load_patterns, narrative_claims
from cchc.transforms.report import build_report
from tests.shipped import TEMPLATE

SEED = Path(__file__).parent / "fixtures" / "seed" / "000_2efa1e083bc69a65.txt"
STALE = Path(__file__).parent / "fixtures" / "reports" / "pdf_word_15910_2024-H1.pdf"


@pytest.fixture(scope="module")
def raw():
    return read_raw(read_bytes(SEED), SEED.name, TEMPLATE)


@pytest.fixture(scope="module")
def report(raw):
    return build_report(raw, TEMPLATE, str(SEED), "seed")


def test_what_the_seed_text_states(raw):
    claims = {c.code: (c.value, c.place.line) for c in narrative_claims(raw.lines, TEMPLATE)}
    assert claims == {
        "1.1.1": (28, 186), "1.1.2": (18, 188), "2.1": (1, 204),
        "3.1.3": (204, 280), "3.2.1": (109, 280), "3.2.3": (95, 282),
        "3.3.1": (841, 324), "3.3.1.a": (94, 326), "3.3.1.c": (658, 328),
        "3.3.1.d": (89, 330), "3.3.1.b": (67, 334), "4.1.2": (27, 392),
    }
    # "Số hồ sơ đã giải quyết trả kết quả: 841" and "… trả đúng hạn: 159" are not 3.3.2.
    assert "3.3.2" not in claims


def test_the_seed_two_warnings_name_both_places(raw, report):
    issues = check_narrative(report, narrative_claims(raw.lines, TEMPLATE), TEMPLATE)
    assert [(i.rule, i.severity, i.codes) for i in issues] == [
        ("narrative.blank_cell", "warning", ("2.1",)),
        ("narrative.blank_cell", "warning", ("3.3.1.b",)),
    ]
    vbqppl, post = issues
    assert vbqppl.message == (
        "Phần thuyết minh của báo cáo (dòng 204) nêu «…đầu năm 2024 UBND thị trấn đã ban hành "
        "73 quyết định và 01 văn bản quy phạm pháp luật», nhưng ô mã 2.1 «Số VBQPPL đã ban "
        "hành/tham mưu ban hành» trong Phụ lục 01b để trống (dòng 707). Đề nghị ghi 1 vào phụ "
        "lục, hoặc sửa phần thuyết minh nếu số liệu đó không đúng.")
    assert post.message.startswith(
        "Phần thuyết minh của báo cáo (dòng 334) nêu «tiếp nhận và trả qua bưu chính công ích: "
        "67», nhưng ô mã 3.3.1.b «Tiếp nhận qua BCCI» trong Phụ lục 01b để trống (dòng 799).")
    assert "Lưu ý: trong phụ lục, mục 3.3.1.b là một hình thức tiếp nhận riêng" in post.message


def test_a_figure_that_disagrees(raw, report):
    observations = tuple(dataclasses.replace(o, value=840) if o.code == "3.3.1" else o
                         for o in report.observations)
    changed = dataclasses.replace(report, observations=observations)
    issues = check_narrative(changed, narrative_claims(raw.lines, TEMPLATE), TEMPLATE)
    mismatch = [i for i in issues if i.rule == "narrative.mismatch"]
    assert [i.codes for i in mismatch] == [("3.3.1",)]
    assert mismatch[0].message == (
        "Phần thuyết minh của báo cáo (dòng 324) nêu «Tổng số hồ sơ đã tiếp nhận: 841», nhưng "
        "Phụ lục 01b ghi mã 3.3.1 «Số lượng hồ sơ đã tiếp nhận» = 840 (dòng 787). Đề nghị "
        "thống nhất số liệu giữa phần thuyết minh và phụ lục.")


def test_a_row_missing_from_the_appendix(raw, report):
    observations = tuple(
        dataclasses.replace(o, value=None, raw="", place=None, present=False)
        if o.code == "1.1.1" else o for o in report.observations)
    changed = dataclasses.replace(report, observations=observations)
    issues = check_narrative(changed, narrative_claims(raw.lines, TEMPLATE), TEMPLATE)
    missing = [i for i in issues if i.rule == "narrative.missing_row"]
    assert [i.codes for i in missing] == [("1.1.1",)]
    assert missing[0].message == (
        "Phần thuyết minh của báo cáo (dòng 186) nêu «Số nhiệm vụ được giao theo kế hoạch: 28», "
        "nhưng Phụ lục 01b không có dòng mã 1.1.1 «Số nhiệm vụ đề ra trong kế hoạch». Đề nghị "
        "bổ sung dòng này với số liệu 28.")


def test_a_stale_narrative_in_a_pdf():
    """The fixture whose narrative states 3.3.1.a as 12 more than its appendix."""
    expected = json.loads(STALE.with_suffix(".expected.json").read_text(encoding="utf-8"))
    raw = read_raw(read_bytes(STALE), STALE.name, TEMPLATE)
    issues = check_narrative(build_report(raw, TEMPLATE, str(STALE), "stale"),
                             narrative_claims(raw.lines, TEMPLATE), TEMPLATE)
    assert [(i.rule, i.codes) for i in issues] == [("narrative.mismatch", ("3.3.1.a",))]
    stated, typed = expected["narrative"]["3.3.1.a"], expected["values"]["3.3.1.a"]
    assert stated == typed + 12
    assert f"(trang 2) nêu «hồ sơ tiếp nhận trực tiếp: {stated}»" in issues[0].message
    assert f"= {typed} (trang 5)" in issues[0].message


def _lines(*texts: str) -> tuple[TextLine, ...]:
    return tuple(TextLine(text, Place(page=n)) for n, text in enumerate(texts, start=1))


def test_wrapped_sentences_match_and_the_appendix_is_not_narrative():
    lines = _lines(
        "- Tổng số hồ sơ đã tiếp",
        "nhận: 1.234 hồ sơ. Trong đó:",
        "Phụ lục 01b",
        "Số nhiệm vụ đã hoàn thành: 5",
    )
    claims = narrative_claims(lines, TEMPLATE)
    assert [(c.code, c.value, c.place.describe()) for c in claims] == [("3.3.1", 1234, "trang 2")]
    assert claims[0].text == "Tổng số hồ sơ đã tiếp nhận: 1.234"


def test_the_first_statement_counts():
    lines = _lines("Số nhiệm vụ đã hoàn thành: 5", "Số nhiệm vụ đã hoàn thành: 7")
    claims = narrative_claims(lines, TEMPLATE)
    assert [(c.code, c.value) for c in claims] == [("1.1.2", 5)]


def test_the_pattern_file():
    patterns = {p.code: p for p in load_patterns(TEMPLATE)}
    assert {"1.1.1", "1.1.2", "2.1", "3.1.3", "3.2.1", "3.2.3", "3.3.1", "3.3.1.a", "3.3.1.b",
            "3.3.1.c", "3.3.1.d", "3.3.2"} <= set(patterns)
    assert all(p.groups == 1 for entry in patterns.values() for p in entry.patterns)


GOOD = """\
  - code: "1.1.2"
    patterns: ['so nhiem vu da hoan thanh: ([0-9]+)']
    description: done
"""


@pytest.mark.parametrize(("body", "message"), [
    (GOOD + "    colour: red\n",
     "narrative.yaml, claim 1.1.2: unknown keys ['colour']; allowed: ['code', 'patterns', "
     "'description', 'hint']"),
    (GOOD + GOOD, "narrative.yaml: duplicate codes ['1.1.2']"),
    (GOOD.replace('"1.1.2"', '"3.3"'),
     "narrative.yaml, claim 3.3: code '3.3' is not a value row of the catalog"),
    (GOOD.replace("([0-9]+)", "[0-9]+"),
     "narrative.yaml, claim 1.1.2: pattern 'so nhiem vu da hoan thanh: [0-9]+' has 0 capturing "
     "groups; it needs exactly one, around the figure"),
    (GOOD.replace("([0-9]+)", "(([0-9]+)"),
     "narrative.yaml, claim 1.1.2: pattern 'so nhiem vu da hoan thanh: (([0-9]+)' does not "
     "compile: missing ), unterminated subpattern"),
    (GOOD.replace("['so nhiem vu da hoan thanh: ([0-9]+)']", "[]"),
     "narrative.yaml, claim 1.1.2: patterns must be a non-empty list of regexes"),
])
def test_malformed_patterns_are_refused_with_the_reason(tmp_path, body, message):
    path = tmp_path / "narrative.yaml"
    path.write_text("claims:\n" + body, encoding="utf-8")
    with pytest.raises(ReferenceDataError) as raised:
        load_patterns(replace(TEMPLATE, narrative_path=path))
    assert str(raised.value).startswith(message)
