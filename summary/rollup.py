"""The consolidated Phụ lục 01b: the roll-up view's rows laid out as the template, with notes.

The figures are the view's (docs/views.md, district_rollup): this module adds nothing to them
but the template's group headings and the Vietnamese note that says how each was consolidated,
so the officer can defend every number ("tỷ lệ tính lại từ 3.1.3", "Có: 20/31 xã (64,5%)").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from cchc.shown import number, percent
from cchc.summary.model import Line
from cchc.template.appendix import Template
from cchc.template.catalog import Indicator


def lines(rows: Sequence[Mapping[str, Any]], n_expected: int, n_submitted: int,
          template: Template) -> tuple[Line, ...]:
    """Every catalog row in template order: headings, then value rows filled from ``rows``
    (the area's roll-up rows; a row absent there is one nobody reported)."""
    found = {row["code"]: row for row in rows}
    return tuple(_line(i, found.get(i.code), n_expected, n_submitted)
                 for i in template.indicators)


def _line(indicator: Indicator, row: Mapping[str, Any] | None, n_expected: int,
          n_submitted: int) -> Line:
    if not indicator.has_value:
        return Line(indicator.code, indicator.label, indicator.unit, indicator.kind)
    row = row or {}
    line = Line(
        code=indicator.code, label=indicator.label, unit=indicator.unit, kind=indicator.kind,
        aggregation=indicator.aggregation, breakdown=indicator.is_breakdown,
        value=row.get("value"), n_reporting=row.get("n_reporting") or 0,
        n_submitted=row.get("n_submitted", n_submitted), n_expected=n_expected,
        n_weighted=row.get("n_weighted"), share=row.get("share"), mean=row.get("mean"),
        min=row.get("min"), max=row.get("max"), by_code=row.get("by_code"),
    )
    return replace(line, note=note(indicator, line))


def note(indicator: Indicator, line: Line) -> str:
    """How the figure was consolidated, and how many submitted communes left it blank."""
    parts = [_how(indicator, line)]
    blank = line.n_submitted - line.n_reporting
    if blank > 0:
        parts.append(f"{blank} xã để trống")
    return "; ".join(p for p in parts if p)


def _how(indicator: Indicator, line: Line) -> str:
    aggregation = indicator.aggregation
    if not line.n_reporting:
        return ""
    if aggregation == "weighted_percent":
        if line.value is None:
            return (f"không tính được: không xã nào báo cáo đủ cả {indicator.code} và "
                    f"{indicator.weight}")
        return f"tỷ lệ tính lại từ {indicator.weight} ({line.n_weighted or 0} xã đủ số liệu)"
    if aggregation == "mean_min_max":
        return f"trung bình; min {number(line.min)} max {number(line.max)}"
    if aggregation == "yes_share":
        yes = indicator.choices[indicator.yes_code]
        return (f"{yes}: {number(line.value)}/{line.n_reporting} xã "
                f"({percent(100 * line.share)})")
    if aggregation == "count_by_code" and line.by_code:
        return choice_counts(indicator, line.by_code)
    return ""


def choice_counts(indicator: Indicator, by_code: Mapping[int, int]) -> str:
    """"Trực tuyến: 3; Phát phiếu: 10; Kết hợp: 5" — every choice, then any code outside them."""
    known = [f"{label}: {by_code.get(code, 0)}" for code, label in indicator.choices.items()]
    other = [f"mã {code} (không có trong mẫu): {n}" for code, n in sorted(by_code.items())
             if code not in indicator.choices]
    return "; ".join(known + other)
