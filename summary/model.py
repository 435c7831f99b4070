"""The summary as plain data: what the warehouse says about one area and one period.

``summary.gather`` fills it from the views; ``summary.workbook`` and ``summary.html`` only
format it, so both outputs show the same figures and a test can check them against the fixtures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from cchc.template.appendix import Template
from cchc.transforms.areas import Area
from cchc.transforms.periods import Period

SubmissionStatus = Literal["submitted", "rejected", "missing"]
Timeliness = Literal["on_time", "late", "missing"]
# "rollup": the area's totals break the template's arithmetic (summary/arithmetic.py).
FollowUpKind = Literal["rollup", "error", "warning", "missing", "quarantined", "unidentified"]


@dataclass(frozen=True)
class Line:
    """One row of the consolidated Phụ lục 01b: a group heading (no value) or a value row.

    ``value`` follows the row's aggregation as the roll-up views define it (sum, weighted
    percent, mean, number answering yes; None for a count by code or when nobody reported).
    ``note`` is the Vietnamese explanation printed beside it.
    """

    code: str
    label: str
    unit: str
    kind: str
    aggregation: str | None = None
    breakdown: bool = False
    value: float | None = None
    n_reporting: int = 0
    n_submitted: int = 0
    n_expected: int = 0
    n_weighted: int | None = None
    share: float | None = None
    mean: float | None = None
    min: float | None = None
    max: float | None = None
    by_code: dict[int, int] | None = None
    note: str = ""

    @property
    def is_group(self) -> bool:
        return self.kind == "group"


@dataclass(frozen=True)
class RateValue:
    """A derived rate (percent, 0–100) from summed parts, and what it was computed from."""

    key: str
    label: str
    formula: str
    value: float | None
    numerator: float | None
    denominator: float | None
    n: int  # communes that reported every part


@dataclass(frozen=True)
class Commune:
    """One commune of the area: whether and when it reported, and its current figures."""

    code: str
    name: str
    district_code: str
    district_name: str
    status: SubmissionStatus
    timeliness: Timeliness
    days_late: int | None = None
    report_id: str | None = None
    report_date: date | None = None
    doc_number: str | None = None
    received_at: datetime | None = None
    # The commune's first report (a returned one too), the fix after a return that settled its
    # timeliness, and the return letter's deadline when it was judged against that one.
    first_received_at: datetime | None = None
    resubmitted_at: datetime | None = None
    letter_due: date | None = None
    file_name: str | None = None
    n_reports: int = 0
    n_errors: int = 0
    n_warnings: int = 0
    values: dict[str, float | None] = field(default_factory=dict)
    rates: dict[str, RateValue] = field(default_factory=dict)


@dataclass(frozen=True)
class FollowUp:
    """Something the officer must chase: an issue, a missing report, an unreadable file."""

    kind: FollowUpKind
    message: str
    commune_code: str | None = None
    commune_name: str | None = None
    file_name: str | None = None
    rule: str | None = None
    codes: tuple[str, ...] = ()
    received_at: datetime | None = None


@dataclass(frozen=True)
class Previous:
    """The same period a year earlier, when the warehouse has current reports for it."""

    period: Period
    lines: dict[str, Line]
    rates: dict[str, RateValue]
    n_submitted: int
    values: dict[str, dict[str, float | None]] = field(default_factory=dict)  # commune → code


@dataclass(frozen=True)
class YearOnYear:
    """One 2025 commune's figure this period beside the same period a year earlier, summed
    over its predecessors (the legacy communes that went into it; successor_rollup).

    ``comparable`` is false when a predecessor was split: part of its figures belong to
    another commune, so the change is shown but must not be read as growth.
    """

    commune_code: str
    commune_name: str
    code: str
    label: str
    value: float | None
    before: float | None
    n_reporting: int  # predecessors that reported the figure a year earlier
    n_expected: int  # its predecessors
    comparable: bool

    @property
    def like_for_like(self) -> bool:
        """Whether the change may be printed: no predecessor split, and every one reported
        (one predecessor's figures against the whole merged commune is not growth)."""
        return self.comparable and self.n_reporting == self.n_expected


@dataclass(frozen=True)
class Summary:
    """Everything both outputs show for one area and period."""

    area: Area
    period: Period
    deadline: date
    lines: tuple[Line, ...]
    rates: tuple[RateValue, ...]
    communes: tuple[Commune, ...]
    follow_up: tuple[FollowUp, ...]
    unattributed_window: tuple[date, date]
    template: Template  # what the reports were rolled up with: its rates, charts, comparisons
    previous: Previous | None = None
    data_as_of: datetime | None = None
    year_on_year: tuple[YearOnYear, ...] = ()

    @property
    def n_expected(self) -> int:
        return len(self.communes)

    @property
    def n_submitted(self) -> int:
        return sum(1 for c in self.communes if c.status == "submitted")

    def line(self, code: str) -> Line:
        return next(line for line in self.lines if line.code == code)

    def rate(self, key: str) -> RateValue:
        return next(rate for rate in self.rates if rate.key == key)
