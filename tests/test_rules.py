"""Cross-field rules: refused loudly when malformed, and each one passes and fails where it should.

Every rule gets one valid and one invalid report, made from the seed by changing a few figures.
All of them go through Great Expectations in one run (module fixture), as the nightly flow does.
"""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from pathlib import Path

import pytest

from cchc.errors import ReferenceDataError
from cchc.flows.reading import extract_report
from cchc.transforms.expectations import validate_run
from cchc.transforms.model import Report
from cchc.transforms.rules import code_list, load_rules, render, vi_number
from tests.shipped import TEMPLATE

SEED = Path(__file__).parent / "fixtures" / "seed" / "000_2efa1e083bc69a65.txt"

# rule → (figures that keep it true, figures that break it), changed on the seed. The seed has
# 1.1.1=28 1.1.2=18 3.1.3=204 3.2.1=109 3.2.3=95 3.3.1=841 (a 94, b blank, c 658, d 89)
# 3.3.2=841 (a 94, b blank, c 658, d 89) 3.4.2=841 3.5=0 4.1.2=27 7.4.1=140 7.4.2=50.
CASES: dict[str, tuple[dict, dict]] = {
    "completed_le_planned": ({"1.1.2": 28}, {"1.1.2": 29}),
    "issues_fixed_le_found": ({"1.2.2": 5, "1.2.3": 5}, {"1.2.2": 5, "1.2.3": 6}),
    # 1.3.3 blank counts as absent: 11 done on time alone is already more than 10 assigned.
    "district_tasks_done_le_assigned": ({"1.3.1": 10, "1.3.2": 7, "1.3.3": 3},
                                        {"1.3.1": 10, "1.3.2": 11}),
    "legal_docs_handled_le_recommended": ({"2.4": 2, "2.5": 2}, {"2.4": 2, "2.5": 3}),
    "legal_docs_recommended_le_checked": ({"2.2": 3, "2.4": 3},
                                          {"2.2": 1, "2.3": 1, "2.4": 3}),
    "new_procedures_le_applied": ({"3.1.1": 5}, {"3.1.1": 205}),
    "one_stop_le_applied": ({"3.2.1": 204}, {"3.2.1": 205}),
    "interlinked_le_applied": ({"3.2.2": 109}, {"3.2.2": 110}),
    "location_free_le_applied": ({"3.2.6": 50}, {"3.2.6": 300}),
    "online_payment_le_applied": ({"3.4.3": 100}, {"3.4.3": 205}),
    "online_payment_le_online": ({"3.4.3": 190}, {"3.4.3": 191}),
    "online_services_le_applied": ({"7.4.2": 64}, {"7.4.2": 65}),
    # The narrative's 67 by post is already inside the other channels: typed in, it breaks 3.3.1.
    "received_equals_channels": ({"3.3.1.b": 0}, {"3.3.1.b": 67}),
    "on_time_equals_channels": ({"3.3.2.b": 0}, {"3.3.2.a": 93}),
    "on_time_le_received": ({"3.3.1": 900, "3.3.1.a": 153},
                            {"3.3.2": 842, "3.3.2.a": 95}),
    "land_building_le_on_time": ({"3.3.3": 500, "3.3.4": 341}, {"3.3.3": 500, "3.3.4": 342}),
    "portal_published_le_received": ({"3.4.1": 841}, {"3.4.1": 842}),
    "site_published_le_received": ({"3.4.2": 800}, {"3.4.2": 842}),
    "apologies_le_late": ({"3.3.2": 830, "3.3.2.a": 83, "3.5": 11}, {"3.5": 1}),
    "staff_cut_le_present": ({"4.1.3": 2}, {"4.1.3": 28}),
    "disciplined_le_present": ({"5.4": 1, "5.5": 2}, {"5.5": 28}),
}


def planted(seed: Report, report_id: str, values: dict) -> Report:
    """The seed with some figures changed (None = blank), under its own report_id."""
    observations = tuple(dataclasses.replace(o, value=values[o.code]) if o.code in values else o
                         for o in seed.observations)
    source = dataclasses.replace(seed.source, sha256=report_id)
    return dataclasses.replace(seed, source=source, observations=observations)


@pytest.fixture(scope="module")
def seed() -> Report:
    return extract_report(SEED, TEMPLATE)


@pytest.fixture(scope="module")
def outcome(seed):
    """Rule names failed per case id ("<rule>:valid" / "<rule>:invalid"), and their issues."""
    reports = [planted(seed, f"{name}:{kind}", values)
               for name, pair in CASES.items()
               for kind, values in zip(("valid", "invalid"), pair, strict=True)]
    return validate_run(reports, TEMPLATE)


def test_every_rule_has_a_valid_and_an_invalid_case():
    assert sorted(CASES) == sorted(rule.name for rule in load_rules(TEMPLATE))


@pytest.mark.parametrize("rule", load_rules(TEMPLATE), ids=lambda rule: rule.name)
def test_valid_case_passes(outcome, rule):
    issues = outcome[f"{rule.name}:valid"]
    assert [i.message for i in issues if i.rule == rule.issue_rule] == []
    assert [i.message for i in issues if i.severity == "error"] == []


@pytest.mark.parametrize("rule", load_rules(TEMPLATE), ids=lambda rule: rule.name)
def test_invalid_case_fails_naming_its_codes_and_places(outcome, seed, rule):
    found = [i for i in outcome[f"{rule.name}:invalid"] if i.rule == rule.issue_rule]
    assert len(found) == 1
    issue = found[0]
    assert issue.severity == rule.severity
    assert issue.codes == rule.codes
    places = {o.code: o.place.describe() for o in seed.observations}
    for code in rule.codes:
        assert f"mã {code} " in issue.message
        assert f"({places[code]})" in issue.message
    assert "{" not in issue.message


def test_the_rules_file(seed):
    rules = {rule.name: rule for rule in load_rules(TEMPLATE)}
    assert len(rules) == 21
    received = rules["received_equals_channels"]
    assert (received.left, received.op, received.right) == (
        ("3.3.1",), "=", ("3.3.1.a", "3.3.1.b", "3.3.1.c", "3.3.1.d"))
    assert (received.severity, received.blank) == ("error", "skip_if_all_blank")
    assert rules["legal_docs_recommended_le_checked"].severity == "warning"
    assert rules["online_payment_le_applied"].right == ("3.1.3",)


def test_message_names_values_and_places(seed):
    rule = next(r for r in load_rules(TEMPLATE) if r.name == "received_equals_channels")
    observations = {o.code: o for o in planted(seed, "x", {"3.3.1.a": 83}).observations}
    assert render(rule, observations, 841, 830, TEMPLATE) == (
        "Số lượng hồ sơ đã tiếp nhận không bằng tổng các mục «Trong đó» theo hình thức tiếp "
        "nhận: mã 3.3.1 = 841 (dòng 787), còn các mục 3.3.1.a–d cộng lại được 830: "
        "mã 3.3.1.a = 83 (dòng 797), mã 3.3.1.b để trống (dòng 799), mã 3.3.1.c = 658 "
        "(dòng 809), mã 3.3.1.d = 89 (dòng 815). Đề nghị kiểm tra lại tổng số và từng mục "
        "(mục không có hồ sơ xin ghi 0).")


def test_numbers_and_code_lists_read_as_communes_write_them():
    assert [vi_number(v) for v in (841, 1234, 99.47, -2, 12.5, 1234567.25)] == [
        "841", "1.234", "99,47", "-2", "12,5", "1.234.567,25"]
    assert code_list(("3.3.1.a", "3.3.1.b", "3.3.1.c", "3.3.1.d")) == "3.3.1.a–d"
    assert code_list(("5.4", "5.5")) == "5.4 + 5.5"


GOOD = """\
  - name: ok
    left: ["1.1.2"]
    op: "<="
    right: ["1.1.1"]
    severity: error
    blank: skip_if_any_blank
    message: "{left_detail} > {right_detail}"
    description: "done within planned"
"""


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n" + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(("body", "message"), [
    (GOOD + "    colour: red\n",
     "rules.yaml, rule ok: unknown keys ['colour']; allowed: ['name', 'left', 'op', 'right', "
     "'severity', 'blank', 'message', 'description']"),
    (GOOD + GOOD, "rules.yaml: duplicate rule names ['ok']"),
    (GOOD.replace('["1.1.1"]', '["9.9"]'),
     "rules.yaml, rule ok: right codes ['9.9'] are not value rows of the catalog "
     "(reference/indicators.yaml)"),
    (GOOD.replace('["1.1.1"]', '["3.3"]'),
     "rules.yaml, rule ok: right codes ['3.3'] are not value rows of the catalog"),
    (GOOD.replace('["1.1.1"]', '["1.5"]'),
     "rules.yaml, rule ok: right codes ['1.5'] are choices (coded answers), which cannot be "
     "added"),
    (GOOD.replace('["1.1.1"]', '["1.1.2"]'), "rules.yaml, rule ok: codes ['1.1.2'] are on both "
     "sides"),
    (GOOD.replace('"<="', '"<"'), "rules.yaml, rule ok: op '<' is not one of ('<=', '=', '>=')"),
    (GOOD.replace("error", "fatal"),
     "rules.yaml, rule ok: severity 'fatal' is not one of ('error', 'warning')"),
    (GOOD.replace("skip_if_any_blank", "treat_as_zero"),
     "rules.yaml, rule ok: blank 'treat_as_zero' is not one of ('skip_if_any_blank', "
     "'skip_if_all_blank')"),
    (GOOD.replace("{left_detail} >", "{left_detail} {left_sum} >"),
     "rules.yaml, rule ok: message placeholder {left_sum} is not one of ['{left_codes}', "
     "'{left_labels}', '{left_value}', '{left_detail}', '{right_codes}', '{right_labels}', "
     "'{right_value}', '{right_detail}']"),
    (GOOD.replace("{left_detail} >", "{left_value:.2f} {left_detail} >"),
     "rules.yaml, rule ok: message placeholder {left_value:.2f} is not one of"),
    (GOOD.replace("{left_detail} >", "{left_value} >"),
     "rules.yaml, rule ok: message must say where the figures are: add ['{left_detail}']"),
    (GOOD.replace('    description: "done within planned"\n', ""),
     "rules.yaml, rule ok: missing keys ['description']"),
    (GOOD.replace("name: ok", "name: Completed Le Planned"),
     "rules.yaml, rule Completed Le Planned: name 'Completed Le Planned' must be snake_case"),
    (GOOD.replace('["1.1.2"]', "[]"), "rules.yaml, rule ok: left must be a non-empty list"),
])
def test_malformed_rules_are_refused_with_the_reason(tmp_path, body, message):
    path = _write(tmp_path, body)
    with pytest.raises(ReferenceDataError) as raised:
        load_rules(replace(TEMPLATE, rules_path=path))
    assert str(raised.value).startswith(message)


def test_a_valid_file_loads(tmp_path):
    (rule,) = load_rules(replace(TEMPLATE, rules_path=_write(tmp_path, GOOD)))
    assert (rule.name, rule.left, rule.op, rule.right) == ("ok", ("1.1.2",), "<=", ("1.1.1",))
    assert rule.codes == ("1.1.2", "1.1.1")
    assert rule.issue_rule == "rule.ok"
    with pytest.raises(dataclasses.FrozenInstanceError):
        rule.name = "other"
