"""When a commune's report is due, and whether it came on time.

The default deadline is the 20th of the period's last month (Q1 → 20/03, H1 → 20/06,
9M → 20/09, FY → 20/12): the CCHC windows close on the 14th, and the district asks for the
reports a few days later. A district that sets another day for a period says so in a setting,
``deadlines = {"2024-9M" = "2024-09-25"}``, which wins over the default for that period only.

A commune is on time when the first report it sent for the period that was not rejected was
received (``received_at``: when the file arrived in the inbox, its mtime, not when the nightly
load read it) on or before the deadline;
late by the number of days after it otherwise; missing when it has no such report. A later
correction does not make an on-time commune late; a rejected report does not count as sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from cchc.summary.errors import DeadlineError
from cchc.summary.model import Timeliness
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
        raise DeadlineError(f"deadlines: {key} = {value!r} is not a date; write it as "
                            f"\"YYYY-MM-DD\", e.g. {key} = \"2024-09-25\"") from None


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
