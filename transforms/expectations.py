"""Validate a night's reports with Great Expectations, the way a careful Nội vụ analyst would.

All reports of a run go through GX at once, as two frames (not one GX run per file: GX takes
seconds to import and a context per file would dominate the night):

    observation_frame  one row per (report, catalog row): value checks from the catalog —
                       counts are non-negative integers, percentages 0–100, a choice is one of
                       its codes, required rows are filled, codes are the catalog's;
    wide_frame         one row per report: the cross-field rules of reference/rules.yaml, each
                       as a pair expectation over two derived columns, its left and right sums.

A blank side makes a rule undecided, never failed: the sums are NaN when the rule's blank policy
says the side is unknown, and every pair expectation ignores rows with a missing value. GX names
the failing rows by report_id (and code); the issues are then written here, in Vietnamese, with
the figures and where each was read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from cchc.template.appendix import Template
from cchc.template.catalog import Indicator
from cchc.transforms.data_docs import make_offline
from cchc.transforms.model import Issue, Observation, Report
from cchc.transforms.rules import Rule, load_rules, render, vi_number

log = logging.getLogger(__name__)

# Reports write at most two decimals; sums are rounded to this many digits before GX compares
# them, so that float noise (0.1 + 0.2) never decides a rule. A tolerance of 1e-6.
ROUND_DIGITS = 6
DOCS_SITE = "cchc"
_LONG_INDEX = ["report_id", "code"]
_WIDE_INDEX = ["report_id"]


def observation_frame(reports: Sequence[Report], template: Template) -> pd.DataFrame:
    """One row per report and catalog value row: report_id, code, kind, value, present, required.

    ``value`` is float with NaN for a blank cell (blank is not zero); ``present`` is False when
    the row itself was missing from the appendix.
    """
    catalog = template.by_code
    rows = [
        (report.source.sha256, o.code, _kind(catalog, o.code), o.value, o.present,
         o.code in catalog and catalog[o.code].required)
        for report in reports for o in report.observations
    ]
    frame = pd.DataFrame(rows, columns=["report_id", "code", "kind", "value", "present",
                                        "required"])
    return frame.astype({"value": "float64", "present": bool, "required": bool})


def _kind(catalog: dict[str, Indicator], code: str) -> str:
    return catalog[code].kind if code in catalog else "unknown"


def wide_frame(reports: Sequence[Report], template: Template,
               rules: Sequence[Rule] | None = None) -> pd.DataFrame:
    """One row per report_id, one float column per value code, and each rule's two side sums.

    The sums are columns ``<rule>__left`` and ``<rule>__right``, NaN when the side is unknown
    under the rule's blank policy (see ``side_sum``).
    """
    rules = load_rules(template) if rules is None else rules
    codes = [indicator.code for indicator in template.value_indicators]
    ids = [report.source.sha256 for report in reports]
    long = observation_frame(reports, template)
    values = long.pivot(index="report_id", columns="code", values="value")
    values = values.reindex(index=ids, columns=codes).rename_axis(index="report_id", columns=None)
    sums = {}
    for rule in rules:
        sums[left_column(rule)] = side_sum(values, rule.left, rule.blank)
        sums[right_column(rule)] = side_sum(values, rule.right, rule.blank)
    return pd.concat([values, pd.DataFrame(sums, index=values.index)], axis=1).reset_index()


def side_sum(values: pd.DataFrame, codes: Sequence[str], blank: str) -> pd.Series:
    """A rule side's sum per report, NaN when the blank policy says it is unknown.

    skip_if_any_blank: unknown as soon as one code is blank; skip_if_all_blank: blank codes are
    left out, unknown only when all of them are blank.
    """
    needed = len(codes) if blank == "skip_if_any_blank" else 1
    return values[list(codes)].sum(axis=1, min_count=needed).round(ROUND_DIGITS)


def left_column(rule: Rule) -> str:
    return f"{rule.name}__left"


def right_column(rule: Rule) -> str:
    return f"{rule.name}__right"


def validate_run(reports: Sequence[Report], template: Template, docs_dir: Path | None = None
                 ) -> dict[str, tuple[Issue, ...]]:
    """Every report's validation issues, by report_id (the source's sha256); () when clean.

    One ephemeral GX context for the whole run. With ``docs_dir``, GX Data Docs for the run are
    written there as local HTML; the page to open is ``data_docs_index(docs_dir)``. The
    cross-field rules are the template's (the office's own when the setting ``rules`` says).
    """
    by_id = _by_id(reports)
    if not by_id:
        return {}
    context = _context(docs_dir)
    found: dict[str, list[Issue]] = {report_id: [] for report_id in by_id}
    rules = load_rules(template)
    for report_id, issue in (*_value_issues(context, by_id, template),
                             *_rule_issues(context, by_id, rules, template)):
        found[report_id].append(issue)
    if docs_dir is not None:
        _build_docs(context, docs_dir)
    return {report_id: tuple(issues) for report_id, issues in found.items()}


def _value_issues(context: Any, by_id: dict[str, Report], template: Template
                  ) -> list[tuple[str, Issue]]:
    """The catalog's value checks over the long frame, one issue per failing (report, code)."""
    long = observation_frame(list(by_id.values()), template)
    # Integer-ness as GX can see it: the distance to the nearest integer, rounded at 1e-9.
    long["off_integer"] = (long["value"] - long["value"].round()).abs().round(9)
    issues = []
    for result in _run(context, "observations", long, value_expectations(template),
                       _LONG_INDEX):
        check = result.expectation_config.meta["check"]
        issues += [(row["report_id"],
                    value_issue(check, by_id[row["report_id"]], row["code"], template))
                   for row in _failures(result)]
    return issues


def _rule_issues(context: Any, by_id: dict[str, Report], rules: Sequence[Rule],
                 template: Template) -> list[tuple[str, Issue]]:
    """The cross-field rules over the wide frame, one issue per failing (report, rule)."""
    by_name = {rule.name: rule for rule in rules}
    wide = wide_frame(list(by_id.values()), template, rules)
    sums = wide.set_index("report_id")
    issues = []
    for result in _run(context, "rules", wide, rule_expectations(rules), _WIDE_INDEX):
        rule = by_name[result.expectation_config.meta["rule"]]
        for row in _failures(result):
            report_id = row["report_id"]
            left, right = sums.loc[report_id, [left_column(rule), right_column(rule)]]
            issues.append((report_id, rule_issue(rule, by_id[report_id], left, right, template)))
    return issues


def data_docs_index(docs_dir: Path) -> Path:
    """The Data Docs page to open after ``validate_run(..., docs_dir)``."""
    return Path(docs_dir) / "index.html"


def _by_id(reports: Sequence[Report]) -> dict[str, Report]:
    by_id: dict[str, Report] = {}
    for report in reports:
        report_id = report.source.sha256
        if report_id in by_id:
            raise ValueError(f"two reports with the same sha256 {report_id} in one run "
                             f"({by_id[report_id].source.path}, {report.source.path}); "
                             "the same bytes must be validated once")
        by_id[report_id] = report
    return by_id


# --- the suites ------------------------------------------------------------------------------

def value_expectations(template: Template) -> list[Any]:
    """The catalog's checks on single values, over the observation frame."""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    catalog = template.value_indicators
    kind = Column("kind")
    expectations = [
        gxe.ExpectColumnValuesToBeInSet(
            column="code", value_set=[i.code for i in catalog],
            meta={"check": "value.unknown_code"},
            notes="Mỗi dòng phải là một chỉ tiêu của Phụ lục 01b."),
        gxe.ExpectColumnValuesToNotBeNull(
            column="value", row_condition=Column("code").is_in([i.code for i in catalog
                                                                 if i.required]),
            meta={"check": "value.required"},
            notes="Chỉ tiêu bắt buộc (required trong indicators.yaml) phải có số liệu."),
        gxe.ExpectColumnValuesToBeBetween(
            column="value", min_value=0, row_condition=kind == "count",
            meta={"check": "value.negative"}, notes="Số lượng không âm."),
        # Integer-ness: the derived column off_integer (see _value_issues) must be 0.
        gxe.ExpectColumnValuesToBeInSet(
            column="off_integer", value_set=[0.0], row_condition=kind == "count",
            meta={"check": "value.not_integer"}, notes="Số lượng là số nguyên."),
        gxe.ExpectColumnValuesToBeBetween(
            column="value", min_value=0, max_value=100, row_condition=kind == "percent",
            meta={"check": "value.percent_range"}, notes="Tỷ lệ nằm trong khoảng 0–100%."),
    ]
    choice_sets: dict[tuple[int, ...], list[str]] = {}
    for indicator in catalog:
        if indicator.kind == "choice":
            choice_sets.setdefault(tuple(sorted(indicator.choices)), []).append(indicator.code)
    for choice_codes, codes in choice_sets.items():
        expectations.append(gxe.ExpectColumnValuesToBeInSet(
            column="value", value_set=[float(c) for c in choice_codes],
            row_condition=Column("code").is_in(codes), meta={"check": "value.choice"},
            notes=f"Chỉ tiêu lựa chọn {', '.join(codes)}: chỉ nhận mã {list(choice_codes)}."))
    return expectations


def rule_expectations(rules: Sequence[Rule]) -> list[Any]:
    """One pair expectation per cross-field rule, over its two side sums in the wide frame."""
    import great_expectations.expectations as gxe

    expectations = []
    for rule in rules:
        left, right = left_column(rule), right_column(rule)
        common = {"ignore_row_if": "either_value_is_missing", "meta": {"rule": rule.name},
                  "notes": rule.description,
                  "severity": "critical" if rule.severity == "error" else "warning"}
        if rule.op == "=":
            expectations.append(gxe.ExpectColumnPairValuesToBeEqual(
                column_A=left, column_B=right, **common))
        else:
            greater, smaller = (right, left) if rule.op == "<=" else (left, right)
            expectations.append(gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=greater, column_B=smaller, or_equal=True, **common))
    return expectations


# --- running GX ------------------------------------------------------------------------------

def _context(docs_dir: Path | None) -> Any:
    """The run's one ephemeral context: in memory, no progress bars, a local docs site if asked."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    if docs_dir is not None:
        context.add_data_docs_site(DOCS_SITE, {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(Path(docs_dir).resolve())},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
    return context


def _run(context: Any, name: str, frame: pd.DataFrame, expectations: list[Any],
         index_columns: list[str]) -> list[Any]:
    """Validate one frame against one suite; the per-expectation results."""
    import great_expectations as gx

    source = context.data_sources.add_pandas(f"cchc_{name}")
    batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("run")
    suite = context.suites.add(gx.ExpectationSuite(name=f"cchc.{name}"))
    for expectation in expectations:
        suite.add_expectation(expectation)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"cchc.{name}", data=batch, suite=suite))
    result = definition.run(batch_parameters={"dataframe": frame}, result_format={
        "result_format": "COMPLETE", "unexpected_index_column_names": index_columns})
    for item in result.results:
        failure = _exception(item.exception_info)
        if failure:
            raise RuntimeError(f"Great Expectations could not run {item.expectation_config.type}"
                               f" on the {name} frame: {failure}")
    return list(result.results)


def _exception(info: dict) -> str | None:
    """An expectation that raised, as its message; GX nests it per metric when a metric failed.

    Such a result has success False and no failing rows: read as a pass, it would hide a bug.
    """
    infos = [info] if "raised_exception" in info else list(info.values())
    raised = [i for i in infos if isinstance(i, dict) and i.get("raised_exception")]
    return str(raised[0].get("exception_message")) if raised else None


def _failures(result: Any) -> list[dict]:
    """The failing rows of one expectation, as dicts holding the index columns."""
    if result.success:
        return []
    return list(result.result.get("unexpected_index_list") or [])


def _build_docs(context: Any, docs_dir: Path) -> Path:
    context.build_data_docs(site_names=[DOCS_SITE])
    index = data_docs_index(docs_dir)
    if not index.is_file():
        raise RuntimeError(f"Great Expectations built no Data Docs page at {index}")
    make_offline(Path(docs_dir))
    log.info("Data Docs: %s", index)
    return index


# --- issues ----------------------------------------------------------------------------------

def rule_issue(rule: Rule, report: Report, left: float, right: float, template: Template
               ) -> Issue:
    observations = {o.code: o for o in report.observations}
    return Issue(rule=rule.issue_rule, severity=rule.severity, codes=rule.codes,
                 message=render(rule, observations, left, right, template))


def value_issue(check: str, report: Report, code: str, template: Template) -> Issue:
    observation = next((o for o in report.observations if o.code == code), None)
    indicator = template.by_code.get(code)
    return Issue(rule=check, severity="error", codes=(code,),
                 message=_VALUE_MESSAGES[check](code, indicator, observation))


def _named(code: str, indicator: Indicator | None, observation: Observation | None,
           suffix: str = "") -> str:
    """"Mã 3.3.1 «Số lượng hồ sơ đã tiếp nhận» = 841 (dòng 787)", or "… để trống (…)"."""
    label = f" «{indicator.label}»" if indicator else ""
    if observation is None or not observation.present or observation.place is None:
        return f"Mã {code}{label} không có trong phụ lục"
    where = observation.place.describe()
    if observation.value is None:
        return f"Mã {code}{label} để trống ({where})"
    return f"Mã {code}{label} = {vi_number(observation.value)}{suffix} ({where})"


def _unknown_code(code: str, indicator: Indicator | None, observation: Observation | None) -> str:
    return (f"{_named(code, indicator, observation)}: mã này không có trong danh mục chỉ tiêu "
            "của Phụ lục 01b; số liệu của dòng này không được tính.")


def _required(code: str, indicator: Indicator | None, observation: Observation | None) -> str:
    if observation is None or not observation.present:
        return (f"{_named(code, indicator, observation)}: đây là chỉ tiêu bắt buộc. Đề nghị "
                "bổ sung dòng này vào phụ lục và ghi số liệu.")
    return (f"{_named(code, indicator, observation)}: đây là chỉ tiêu bắt buộc. Đề nghị ghi số "
            "liệu (ghi 0 nếu trong kỳ không có).")


def _negative(code: str, indicator: Indicator | None, observation: Observation | None) -> str:
    return (f"{_named(code, indicator, observation)}: số lượng không thể là số âm. Đề nghị kiểm "
            "tra lại.")


def _not_integer(code: str, indicator: Indicator | None, observation: Observation | None) -> str:
    unit = indicator.unit if indicator and indicator.unit else "số lượng"
    return (f"{_named(code, indicator, observation)}: chỉ tiêu này đếm số lượng ({unit}) nên "
            "phải là số nguyên. Đề nghị kiểm tra lại.")


def _percent(code: str, indicator: Indicator | None, observation: Observation | None) -> str:
    return (f"{_named(code, indicator, observation, '%')}: tỷ lệ phải nằm trong khoảng 0–100%. "
            "Đề nghị kiểm tra lại.")


def _choice(code: str, indicator: Indicator | None, observation: Observation | None) -> str:
    legend = " / ".join(f"{label} = {c}" for c, label in indicator.choices.items())
    return (f"{_named(code, indicator, observation)} không phải là một mã lựa chọn của mẫu "
            f"({legend}). Đề nghị ghi đúng một trong các mã này.")


_VALUE_MESSAGES: dict[str, Callable[[str, Indicator | None, Observation | None], str]] = {
    "value.unknown_code": _unknown_code,
    "value.required": _required,
    "value.negative": _negative,
    "value.not_integer": _not_integer,
    "value.percent_range": _percent,
    "value.choice": _choice,
}
