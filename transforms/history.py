"""The history check: a figure far outside the commune's own past for the same kind of period.

A commune's 9-month figures are compared with its earlier 9-month figures (never with quarters:
cumulative and single periods differ by design). With five or more past values, a modified
z-score on the median and the MAD (Iglewicz and Hoaglin) flags a value beyond 3.5; with two to
four, a band from half the smallest to twice the largest past value. Fewer than two past values,
or a blank value, decide nothing. Always a warning, never an error: a surprising figure can be
true, and only the commune can say.

A commune is its code on its map: codes were reused by the 2025 map, so a 2025 commune's past is
its own 2025-map reports and, for earlier years, the sum of its predecessors (the legacy communes
that went into it) where that sum stands for the same area; never one predecessor's figures
(warehouse.history gives it both under the 2025 commune's code).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from cchc.template.appendix import Template
from cchc.transforms.model import Issue, Report
from cchc.transforms.periods import parse_period
from cchc.transforms.rules import vi_number

MIN_HISTORY = 2
ROBUST_HISTORY = 5
Z_LIMIT = 3.5
HISTORY_COLUMNS = ("admin_map", "commune_code", "period", "code", "value")


def history_issues(report: Report, history: pd.DataFrame, template: Template
                   ) -> tuple[Issue, ...]:
    """Warnings for this report's counts and percentages against the commune's own history.

    ``history`` has HISTORY_COLUMNS: current figures of earlier reports (blanks absent).
    """
    meta = report.meta
    if history.empty or not meta.commune_code or not meta.period or not report.admin_map:
        return ()
    suffix = parse_period(meta.period).suffix
    same_kind = history["period"].map(lambda key: parse_period(key).suffix == suffix)
    past = history[(history["admin_map"] == report.admin_map)
                   & (history["commune_code"] == meta.commune_code)
                   & same_kind.astype(bool)
                   & (history["period"] < meta.period)]
    by_indicator = {code: group["value"].dropna().tolist() for code, group in past.groupby("code")}
    catalog = template.by_code
    issues = []
    for observation in report.observations:
        values = by_indicator.get(observation.code, [])
        indicator = catalog[observation.code]
        if observation.value is None or indicator.kind not in ("count", "percent"):
            continue
        verdict = outlier(float(observation.value), values)
        if verdict:
            issues.append(Issue("history.outlier", "warning", (observation.code,), (
                f"Mã {observation.code} «{indicator.label}» = {vi_number(observation.value)} "
                f"({observation.place.describe() if observation.place else '?'}) khác xa số "
                f"liệu các kỳ cùng loại trước đây của đơn vị ({verdict}). Đề nghị kiểm tra lại; "
                "nếu số liệu đúng, ghi rõ lý do ở cột Ghi chú.")))
    return tuple(issues)


def outlier(value: float, past: Sequence[float]) -> str | None:
    """Why ``value`` is far from ``past`` (in Vietnamese), or None when it is not."""
    if len(past) < MIN_HISTORY:
        return None
    series = pd.Series(past, dtype="float64")
    low, high, median = series.min(), series.max(), series.median()
    summary = (f"trung vị {vi_number(_tidy(median))}, từ {vi_number(_tidy(low))} đến "
               f"{vi_number(_tidy(high))}; {len(past)} kỳ")
    if len(past) >= ROBUST_HISTORY:
        mad = (series - median).abs().median()
        if mad > 0:
            return summary if abs(0.6745 * (value - median) / mad) > Z_LIMIT else None
    return summary if value < low / 2 or value > max(high * 2, high + 2) else None


def _tidy(number: float) -> int | float:
    return int(number) if float(number).is_integer() else round(float(number), 2)
