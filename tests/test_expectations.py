"""Great Expectations over a run: the seed passes, planted errors are caught and named exactly.

One GX run (module fixture) validates a batch holding every case below, with Data Docs; each
test then reads its report's issues. Reports are the seed with a few figures changed.
"""

from __future__ import annotations

import dataclasses
import math
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from cchc.flows.reading import extract_report
from cchc.template.raw import Place
from cchc.transforms.data_docs import LOCAL, remote_assets
from cchc.transforms.expectations import (
    _context,
    _run,
    data_docs_index,
    observation_frame,
    side_sum,
    validate_run,
    wide_frame,
)
from cchc.transforms.model import Observation, Report
from tests.shipped import TEMPLATE

SEED = Path(__file__).parent / "fixtures" / "seed" / "000_2efa1e083bc69a65.txt"
CHROMIUM = Path("/usr/bin/chromium")

# report_id → figures changed on the seed (None = blank cell).
CASES: dict[str, dict] = {
    "clean copy": {},
    "total is not the sum": {"3.3.1.a": 83},
    "completed over planned": {"1.1.2": 30},
    "percent over 100": {"3.2.4": 120.5},
    "negative count": {"1.1.3": -2},
    "fractional count": {"1.1.3": 12.5},
    "choice out of range": {"1.4.2": 3},
    "required blank": {"3.1.3": None},
    "decimal percent": {"7.2.2.a": 99.47, "7.2.2.b": 0.53},
    # Blank is undecided: every channel blank, and the issues found with 1.2.2 unknown.
    "all parts blank": {"3.3.1.a": None, "3.3.1.c": None, "3.3.1.d": None, "1.2.3": 6},
    # skip_if_all_blank: a blank channel counts as absent, the others still must add up.
    "one part blank": {"3.3.1.a": None},
}
CLEAN = {"seed", "clean copy", "decimal percent", "all parts blank"}


def planted(seed: Report, report_id: str, values: dict) -> Report:
    observations = tuple(dataclasses.replace(o, value=values[o.code]) if o.code in values else o
                         for o in seed.observations)
    source = dataclasses.replace(seed.source, sha256=report_id)
    return dataclasses.replace(seed, source=source, observations=observations)


def absent(seed: Report, report_id: str, code: str) -> Report:
    """The seed as if the appendix had no row ``code`` at all."""
    observations = tuple(
        dataclasses.replace(o, value=None, raw="", place=None, present=False)
        if o.code == code else o for o in seed.observations)
    source = dataclasses.replace(seed.source, sha256=report_id)
    return dataclasses.replace(seed, source=source, observations=observations)


def with_unknown_code(seed: Report, report_id: str) -> Report:
    extra = Observation("9.9", 5, "", "5", Place(line=999))
    source = dataclasses.replace(seed.source, sha256=report_id)
    return dataclasses.replace(seed, source=source, observations=(*seed.observations, extra))


@pytest.fixture(scope="module")
def seed() -> Report:
    return extract_report(SEED, TEMPLATE)


@pytest.fixture(scope="module")
def docs_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("docs")


@pytest.fixture(scope="module")
def issues(seed, docs_dir):
    reports = [dataclasses.replace(seed, source=dataclasses.replace(seed.source, sha256="seed"))]
    reports += [planted(seed, name, values) for name, values in CASES.items()]
    reports += [absent(seed, "required row missing", "3.3.2"),
                with_unknown_code(seed, "unknown code")]
    return validate_run(reports, TEMPLATE, docs_dir=docs_dir)


def rules_of(issues, report_id):
    return [(i.rule, i.severity, i.codes) for i in issues[report_id]]


def test_every_report_gets_an_entry_and_only_the_bad_ones_have_issues(issues):
    assert len(issues) == len(CASES) + 3
    assert {report_id for report_id, found in issues.items() if not found} == CLEAN


def test_the_seed_passes(issues):
    assert issues["seed"] == ()


def test_total_not_the_sum_of_its_parts(issues):
    (issue,) = issues["total is not the sum"]
    assert (issue.rule, issue.severity) == ("rule.received_equals_channels", "error")
    assert issue.codes == ("3.3.1", "3.3.1.a", "3.3.1.b", "3.3.1.c", "3.3.1.d")
    assert "mã 3.3.1 = 841 (dòng 787)" in issue.message
    assert "3.3.1.a–d cộng lại được 830" in issue.message
    assert "mã 3.3.1.a = 83 (dòng 797), mã 3.3.1.b để trống (dòng 799)" in issue.message


def test_completed_over_planned(issues):
    (issue,) = issues["completed over planned"]
    assert (issue.rule, issue.severity, issue.codes) == (
        "rule.completed_le_planned", "error", ("1.1.2", "1.1.1"))
    assert issue.message == (
        "Số nhiệm vụ đã hoàn thành (30) lớn hơn số nhiệm vụ đề ra trong kế hoạch CCHC (28): "
        "mã 1.1.2 = 30 (dòng 642), mã 1.1.1 = 28 (dòng 640). Đề nghị kiểm tra lại hai số liệu "
        "này.")


def test_percent_over_100(issues):
    (issue,) = issues["percent over 100"]
    assert (issue.rule, issue.severity, issue.codes) == ("value.percent_range", "error",
                                                          ("3.2.4",))
    assert issue.message.startswith(
        "Mã 3.2.4 «Tỷ lệ TTHC đã được phê duyệt quy trình nội bộ (Theo quy trình ISO)» = "
        "120,5% (dòng 767): tỷ lệ phải nằm trong khoảng 0–100%.")


def test_negative_count(issues):
    (issue,) = issues["negative count"]
    assert (issue.rule, issue.codes) == ("value.negative", ("1.1.3",))
    assert issue.message.startswith("Mã 1.1.3 «Số văn bản chỉ đạo CCHC đã ban hành» = -2 "
                                    "(dòng 644): số lượng không thể là số âm.")


def test_fractional_count(issues):
    (issue,) = issues["fractional count"]
    assert (issue.rule, issue.codes) == ("value.not_integer", ("1.1.3",))
    assert "= 12,5 (dòng 644)" in issue.message
    assert "phải là số nguyên" in issue.message


def test_choice_out_of_range(issues):
    (issue,) = issues["choice out of range"]
    assert (issue.rule, issue.codes) == ("value.choice", ("1.4.2",))
    assert issue.message == (
        "Mã 1.4.2 «Hình thức khảo sát» = 3 (dòng 681) không phải là một mã lựa chọn của mẫu "
        "(Trực tuyến = 0 / Phát phiếu = 1 / Kết hợp = 2). Đề nghị ghi đúng một trong các mã này.")


def test_required_row_blank_and_its_rules_undecided(issues):
    # 3.1.3 is the right side of seven rules: all undecided, none failed.
    assert rules_of(issues, "required blank") == [("value.required", "error", ("3.1.3",))]
    assert issues["required blank"][0].message.startswith(
        "Mã 3.1.3 «Tổng số TTHC đang áp dụng» để trống (dòng 749): đây là chỉ tiêu bắt buộc.")


def test_required_row_missing(issues):
    assert rules_of(issues, "required row missing") == [("value.required", "error", ("3.3.2",))]
    assert "không có trong phụ lục" in issues["required row missing"][0].message


def test_unknown_code(issues):
    assert rules_of(issues, "unknown code") == [("value.unknown_code", "error", ("9.9",))]
    assert "Mã 9.9 = 5 (dòng 999)" in issues["unknown code"][0].message


def test_blank_parts_are_absent_not_undecided_when_others_are_given(issues):
    (issue,) = issues["one part blank"]
    assert issue.rule == "rule.received_equals_channels"
    assert "cộng lại được 747" in issue.message


def test_blanks_make_rules_undecided(issues):
    assert issues["all parts blank"] == ()


def test_data_docs_are_built(issues, docs_dir):
    index = data_docs_index(docs_dir)
    assert index.is_file()
    page = index.read_text(encoding="utf-8")
    assert "cchc.observations" in page
    assert "cchc.rules" in page


def test_data_docs_load_nothing_from_the_internet(issues, docs_dir):
    pages = [p for p in docs_dir.rglob("*.html") if LOCAL not in p.parts]
    assert len(pages) >= 5  # the index, two suites, two validation results
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert remote_assets(text) == [], page
        assert "cdn" not in text.lower() and "unpkg" not in text, page
        for local in re.findall(r'(?:src|href)="([^"]*_offline/[^"]+)"', text):
            assert (page.parent / local).is_file(), (page, local)


@pytest.mark.skipif(not CHROMIUM.exists(),
                    reason="/usr/bin/chromium is absent: `apt-get install -y chromium` (CI does)")
def test_data_docs_index_lists_the_run_offline_in_chromium(issues, docs_dir, tmp_path):
    """bootstrap-table draws the index's table in the browser: no scripts, no rows."""
    dom = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={tmp_path}", "--virtual-time-budget=5000",
         "--dump-dom", data_docs_index(docs_dir).as_uri()],
        capture_output=True, text=True, timeout=120, check=True).stdout
    assert 'class="bootstrap-table bootstrap4"' in dom
    assert "Showing 1 to 2 of 2 rows" in dom  # the two validations of the run, drawn by its JS


def test_frames(seed):
    long = observation_frame([seed], TEMPLATE)
    assert list(long.columns) == ["report_id", "code", "kind", "value", "present", "required"]
    assert len(long) == 65
    row = long.set_index("code").loc["3.3.1"]
    assert (row["kind"], row["value"], row["present"], row["required"]) == (
        "count", 841.0, True, True)
    assert math.isnan(long.set_index("code").loc["3.3.1.b", "value"])
    wide = wide_frame([seed], TEMPLATE).set_index("report_id")
    assert wide.loc[seed.source.sha256, "3.3.1"] == 841.0
    assert wide.loc[seed.source.sha256, "received_equals_channels__right"] == 841.0
    # skip_if_any_blank: 3.4.3 is blank, so the payment side is unknown.
    assert math.isnan(wide.loc[seed.source.sha256, "online_payment_le_applied__left"])
    assert wide.loc[seed.source.sha256, "online_services_le_applied__left"] == 190.0


def test_sums_are_rounded_so_float_noise_never_decides():
    values = pd.DataFrame({"a": [0.1, None], "b": [0.2, None], "t": [0.3, 1.0]})
    assert side_sum(values, ["a", "b"], "skip_if_all_blank").tolist()[0] == 0.3
    assert math.isnan(side_sum(values, ["a", "b"], "skip_if_all_blank").tolist()[1])
    assert math.isnan(side_sum(values.assign(b=[None, 1.0]), ["a", "b"],
                               "skip_if_any_blank").tolist()[0])


def test_one_report_id_per_run(seed):
    with pytest.raises(ValueError, match="two reports with the same sha256"):
        validate_run([seed, seed], TEMPLATE)


def test_an_expectation_that_cannot_run_is_a_bug_not_a_pass(issues):
    import great_expectations.expectations as gxe

    broken = gxe.ExpectColumnValuesToBeBetween(column="no_such_column", min_value=0)
    with pytest.raises(RuntimeError) as raised:
        _run(_context(None), "probe", pd.DataFrame({"report_id": ["a"]}), [broken],
             ["report_id"])
    assert str(raised.value) == (
        "Great Expectations could not run expect_column_values_to_be_between on the probe "
        'frame: Error: The column "no_such_column" in BatchData does not exist.')
