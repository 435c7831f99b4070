"""Reporting periods (``2024-Q1``, ``2024-H1``, ``2024-9M``, ``2024-FY``), read from
``reference/periods.yaml``.

Windows and names are data: the CCHC year runs from the 15th of December to the 14th of the next
December, and a change of that rule must be an edit to a file, not to code. The loader is strict
because a wrong window silently files figures under the wrong days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

from cchc.errors import ReferenceDataError, UnknownPeriod
from cchc.transforms.model import ReportMeta

PERIODS_PATH = Path(__file__).resolve().parent.parent / "reference" / "periods.yaml"

PeriodKind = Literal["quarter", "half", "nine_months", "year"]
KINDS: tuple[str, ...] = ("quarter", "half", "nine_months", "year")
ACCEPTED_FORMS = ("YYYY-Q1, YYYY-Q2, YYYY-Q3, YYYY-Q4 (quý), YYYY-H1 (6 tháng đầu năm), "
                  "YYYY-9M (9 tháng đầu năm), YYYY-FY (cả năm)")
NO_PERIOD = "chưa chọn kỳ báo cáo"

_REQUIRED = {"kind", "label", "start", "end", "cumulative"}
_KEYS = _REQUIRED | {"start_previous_year"}
_MONTH_DAY = re.compile(r"(\d{2})-(\d{2})")
_KEY = re.compile(r"([12]\d{3})-([A-Z0-9]+)")
_LEAP_YEAR = 2024  # a start or end MM-DD must exist in some year: 02-29 is allowed


@dataclass(frozen=True)
class Rule:
    """One entry of periods.yaml: how a period of that suffix is laid out in its year."""

    suffix: str
    kind: PeriodKind
    label: str
    start: tuple[int, int]
    start_previous_year: bool
    end: tuple[int, int]
    cumulative: bool


@dataclass(frozen=True)
class Period:
    """One reporting period: its key, its default window (both days included) and its name."""

    key: str
    kind: PeriodKind
    year: int
    start: date
    end: date
    cumulative: bool
    label: str
    # The key's part after the year, an entry of periods.yaml ("9M"); the key already says it.
    suffix: str = field(default="", compare=False)


@cache
def load_rules(path: Path = PERIODS_PATH) -> dict[str, Rule]:
    """The period rules by suffix ("Q1", "H1", "9M", "FY"); raises ReferenceDataError if bad."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ReferenceDataError(f"{path}: cannot read the period rules: {exc}") from exc
    entries = document.get("periods") if isinstance(document, dict) else None
    if not isinstance(entries, dict) or not entries or set(document) != {"periods"}:
        raise ReferenceDataError(
            f"{path}: expected one top-level key 'periods' holding a non-empty mapping")
    return {str(suffix): _rule(path, str(suffix), entry) for suffix, entry in entries.items()}


def _rule(path: Path, suffix: str, entry: object) -> Rule:
    where = f"{path.name}, period {suffix}"
    if not re.fullmatch(r"[A-Z0-9]+", suffix):
        raise ReferenceDataError(f"{where}: a suffix is capital letters and digits (Q1, 9M)")
    if not isinstance(entry, dict):
        raise ReferenceDataError(f"{where}: expected a mapping of {sorted(_KEYS)}")
    unknown, missing = set(entry) - _KEYS, _REQUIRED - set(entry)
    if unknown or missing:
        raise ReferenceDataError(f"{where}: unknown keys {sorted(unknown)}, missing keys "
                                 f"{sorted(missing)}; allowed: {sorted(_KEYS)}")
    if entry["kind"] not in KINDS:
        raise ReferenceDataError(f"{where}: kind {entry['kind']!r} is not one of {KINDS}")
    label = str(entry["label"])
    if "{year}" not in label:
        raise ReferenceDataError(f"{where}: label {label!r} must contain {{year}}")
    flags = {k: entry.get(k, False) for k in ("cumulative", "start_previous_year")}
    for key, value in flags.items():
        if not isinstance(value, bool):
            raise ReferenceDataError(f"{where}: {key} must be true or false, not {value!r}")
    return Rule(suffix, entry["kind"], label, _month_day(where, "start", entry["start"]),
                flags["start_previous_year"], _month_day(where, "end", entry["end"]),
                flags["cumulative"])


def _month_day(where: str, key: str, text: object) -> tuple[int, int]:
    match = _MONTH_DAY.fullmatch(str(text))
    try:
        if match is None:
            raise ValueError("not MM-DD")
        date(_LEAP_YEAR, int(match.group(1)), int(match.group(2)))
    except ValueError:
        raise ReferenceDataError(f"{where}: {key} {text!r} is not a day of the year as "
                                 "MM-DD (\"12-15\")") from None
    return int(match.group(1)), int(match.group(2))


def parse_period(key: str) -> Period:
    """The period a key names; UnknownPeriod naming the accepted forms for anything else, in
    Vietnamese, since the desk shows it to the officer as it is."""
    match = _KEY.fullmatch(key.strip()) if isinstance(key, str) else None
    rules = load_rules()
    if match is None or match.group(2) not in rules:
        what = NO_PERIOD if not key or not str(key).strip() else (
            f"{key!r} không phải mã kỳ báo cáo")
        raise UnknownPeriod(f"{what}; các mã được nhận: {ACCEPTED_FORMS}")
    year, rule = int(match.group(1)), rules[match.group(2)]
    start_year = year - 1 if rule.start_previous_year else year
    return Period(
        key=f"{year}-{rule.suffix}",
        kind=rule.kind,
        year=year,
        start=date(start_year, *rule.start),
        end=date(year, *rule.end),
        cumulative=rule.cumulative,
        label=rule.label.format(year=year),
        suffix=rule.suffix,
    )


def period_key(year: int | str, kind: PeriodKind, number: int = 1) -> str:
    """The key of a period a report names by its kind: the ``number``-th period of that kind in
    periods.yaml (quý II → the second quarter), so that suffixes are spelled only there."""
    of_kind = [rule for rule in load_rules().values() if rule.kind == kind]
    if not 1 <= number <= len(of_kind):
        raise UnknownPeriod(f"không có kỳ {kind} thứ {number} trong periods.yaml")
    return f"{int(year)}-{of_kind[number - 1].suffix}"


def same_period_last_year(key: str) -> str:
    """"2024-9M" → "2023-9M": what a report's figures are compared with."""
    period = parse_period(key)
    return parse_period(f"{period.year - 1}-{period.suffix}").key


def report_window(meta: ReportMeta) -> tuple[date | None, date | None]:
    """The days a report's figures cover: the window it states, else its period's default.

    Each end is taken from the report when stated (clerks write their real cut-off dates, e.g.
    "từ ngày 05/11/2023 đến 01/9/2024"). (None, None) when the report names no period and
    states no window: such a report cannot be filed, but it is still stored as rejected.
    """
    default = parse_period(meta.period) if meta.period else None
    start = date.fromisoformat(meta.window_start) if meta.window_start else None
    end = date.fromisoformat(meta.window_end) if meta.window_end else None
    return (start or (default.start if default else None),
            end or (default.end if default else None))
