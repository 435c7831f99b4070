"""When a commune's report is due, and whether it came on time.

The default deadline is the 20th of the period's last month (Q1 → 20/03, H1 → 20/06,
9M → 20/09, FY → 20/12): the CCHC windows close on the 14th, and the district asks for the
reports a few days later. A district that sets another day for a period says so in a setting,
``deadlines = {"2024-9M" = "2024-09-25"}``, which wins over the default for that period only.

Timeliness is the first receipt's: a commune is on time when the first report it sent for the
period was received (``received_at``: when the file arrived in the inbox, its mtime, not when
the nightly load read it) on or before the deadline; late by the number of days after it
otherwise; missing when it has sent none. A report the night rejected and no officer returned
does not count as sent. A later correction does not make an on-time commune late.

A report the officer returned to the commune counts as received, and the return gives the
commune the deadline written in the return letter (core.letters): a fix received by it is on
time, one received after it late by the days after it. A letter's date never shortens the
period's deadline, and a return with no letter made gives no new date.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from cchc.summary.errors import DeadlineError
from cchc.summary.model import Timeliness
from cchc.transforms.areas import Receipt
from cchc.transforms.periods import Period, parse_period

DEFAULT_DEADLINE_DAY = 20


def default_deadline(period: Period) -> date:
    """The 20th of the month in which the period's window ends."""
    return date(period.end.year, period.end.month, DEFAULT_DEADLINE_DAY)


def parse_deadlines(setting: Mapping[str, object] | None) -> dict[str, date]:
    """Check a ``deadlines`` setting: period key → ISO date text or ``date`` (TOML gives both).

    Raises DeadlineError naming the bad entry, rather than ignore it: a deadline silently not
    applied would mark communes late that were not.
    """
    deadlines: dict[str, date] = {}
    for key, value in (setting or {}).items():
        try:
            period = parse_period(str(key))
        except ValueError as exc:
            raise DeadlineError(f"deadlines: {exc}") from None
        deadlines[period.key] = _as_date(period.key, value)
    return deadlines


def _as_date(key: str, value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise DeadlineError(f"deadlines: {key} = {value!r} không phải một ngày; hãy viết "
                            f"\"YYYY-MM-DD\", ví dụ {key} = \"2024-09-25\"") from None


def deadline_for(period: Period, deadlines: Mapping[str, date] | None = None) -> date:
    """The period's deadline: the setting's when it names the period, else the default."""
    return (deadlines or {}).get(period.key) or default_deadline(period)


def classify(received_at: datetime | date | None, deadline: date) -> tuple[Timeliness, int | None]:
    """("on_time", 0), ("late", days after the deadline) or ("missing", None)."""
    if received_at is None:
        return "missing", None
    day = received_at.date() if isinstance(received_at, datetime) else received_at
    late = (day - deadline).days
    return ("late", late) if late > 0 else ("on_time", 0)


@dataclass(frozen=True)
class Judged:
    """A commune's timeliness, its first receipt, the fix that settled it after a return, and
    ``letter_due`` when it was judged against a return letter's deadline, not the period's."""

    timeliness: Timeliness
    days_late: int | None
    first_received_at: datetime | None = None
    resubmitted_at: datetime | None = None
    letter_due: date | None = None


def judge(receipts: Sequence[Receipt], deadline: date) -> Judged:
    """Walk the commune's receipts in the order they came: each must come by the day due (the
    period's deadline, then after each return its letter's, when later); the first that is not
    returned settles it. Missing when every report sent was returned and no fix came yet."""
    ordered = sorted(receipts, key=lambda r: r.received_at)
    first = ordered[0].received_at if ordered else None
    due, letter_due = deadline, None
    for n, receipt in enumerate(ordered):
        timeliness, days_late = classify(receipt.received_at, due)
        if timeliness == "late" or not receipt.returned:
            return Judged(timeliness, days_late, first, receipt.received_at if n else None,
                          letter_due)
        if receipt.resubmit_by and receipt.resubmit_by > due:
            due = letter_due = receipt.resubmit_by
    return Judged("missing", None, first, None, letter_due)
