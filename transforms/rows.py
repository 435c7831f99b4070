"""Appendix rows → observations: which catalog row each table row is, and what its value means.

Shared by every format, so that a PDF, a workbook and a text file of the same report give the same
observations. Rows are matched by their printed code; a row printed without a code is a
"Trong đó" breakdown of the last total that has them, matched by label (and else by order).
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz

from cchc.template.appendix import Template
from cchc.template.catalog import Indicator, normalise_code
from cchc.template.raw import RawRow
from cchc.template.text import NotANumber, fold, parse_number
from cchc.transforms.model import Issue, Observation, Value

_LABEL_MATCH = 70


def observations(rows: Sequence[RawRow], template: Template
                 ) -> tuple[tuple[Observation, ...], tuple[Issue, ...]]:
    """One observation per value row of the catalog (blank or absent rows as None)."""
    matched, issues = match_rows(rows, template)
    result = []
    for indicator in template.value_indicators:
        row = matched.get(indicator.code)
        if row is None:
            result.append(Observation(indicator.code, None, unit_text(indicator), "", None,
                                      present=False))
            continue
        value, issue = parse_value(indicator, row)
        if issue:
            issues.append(issue)
        result.append(Observation(indicator.code, value, unit_text(indicator), row.value,
                                  row.value_place))
    return tuple(result), tuple(issues)


def match_rows(rows: Sequence[RawRow], template: Template
               ) -> tuple[dict[str, RawRow], list[Issue]]:
    """Assign each table row its catalog code; say which rows could not be placed."""
    codes = template.by_code
    matched: dict[str, RawRow] = {}
    issues: list[Issue] = []
    total: str | None = None
    for row in rows:
        code = normalise_code(row.code)
        if not code:
            breakdown = _breakdown(row, template.breakdowns_of(total or ""), matched)
            if breakdown:
                matched[breakdown.code] = row
            elif row.label and fold(row.label) not in {"trong do", "trong do:"}:
                issues.append(_issue("row.uncoded", "warning", (), (
                    f"Dòng «{row.label[:60]}» ({row.place.describe()}) không có mã số và không "
                    "thuộc mục «Trong đó» nào của mẫu; số liệu của dòng này không được tính.")))
            continue
        indicator = codes.get(code)
        if indicator is None:
            issues.append(_issue("row.unknown_code", "warning", (code,), (
                f"Mã {code} «{row.label[:60]}» ({row.place.describe()}) không có trong mẫu "
                f"{template.name}; số liệu của dòng này không được tính.")))
            continue
        if code in matched:
            issues.append(_issue("row.duplicate_code", "error", (code,), (
                f"Mã {code} xuất hiện hai lần ({matched[code].place.describe()} và "
                f"{row.place.describe()}); chỉ dòng đầu tiên được tính. Đề nghị xóa dòng trùng.")))
            continue
        matched[code] = row
        total = code if template.breakdowns_of(code) else None
    return matched, issues


def _breakdown(row: RawRow, breakdowns: Sequence[Indicator], matched: dict[str, RawRow]
               ) -> Indicator | None:
    """The "Trong đó" row an uncoded row is, among its total's ``breakdowns``: best label
    match, else the next one in order."""
    candidates = [b for b in breakdowns if b.code not in matched]
    if not candidates:
        return None
    label = fold(row.label)
    scored = [(max(fuzz.token_set_ratio(label, fold(text))
                   for text in (c.label, *c.variants)), c) for c in candidates]
    score, best = max(scored, key=lambda pair: pair[0])
    return best if score >= _LABEL_MATCH else candidates[0]


def parse_value(indicator: Indicator, row: RawRow) -> tuple[Value, Issue | None]:
    """The cell's number; for a choice, a label written instead of its code is accepted."""
    try:
        return parse_number(row.value), None
    except NotANumber:
        pass
    if indicator.kind == "choice":
        for code, label in indicator.choices.items():
            if fold(row.value) in {fold(label), fold(f"{label} = {code}")}:
                return code, None
    if row.value.startswith("="):
        message = (f"Chỉ tiêu {indicator.code} «{indicator.label}»: ô Số liệu "
                   f"({row.value_place.describe()}) chứa công thức {row.value} chưa được tính "
                   "(tệp không được lưu bằng Excel). Đề nghị mở tệp bằng Excel, lưu lại rồi gửi "
                   "lại, hoặc ghi số trực tiếp vào ô.")
        return None, _issue("value.formula_not_computed", "error", (indicator.code,), message)
    message = (f"Chỉ tiêu {indicator.code} «{indicator.label}»: ô Số liệu ghi «{row.value}» "
               f"({row.value_place.describe()}), không đọc được thành số. Đề nghị ghi số "
               "(ví dụ 1.234 hoặc 99,47) hoặc để trống nếu không có số liệu.")
    return None, _issue("value.not_a_number", "error", (indicator.code,), message)


def unit_text(indicator: Indicator) -> str:
    """The catalog unit on one line ("Không = 0 / Có = 1" for a choice)."""
    return " / ".join(indicator.legend)


def _issue(rule: str, severity: str, codes: tuple[str, ...], message: str) -> Issue:
    return Issue(rule=rule, severity=severity, codes=codes, message=message)
