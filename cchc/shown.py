"""Figures, dates and periods the way a Vietnamese officer writes them (1.327; 64,5%;
20/09/2024; 9 tháng đầu năm 2024), the one place the desk, the summary and the papers take
them from, so they read alike."""

from __future__ import annotations

from datetime import date, datetime

from cchc.errors import UnknownPeriod
from cchc.transforms.periods import parse_period

NONE = "—"


def number(value: float | None, digits: int | None = None, blank: str = NONE) -> str:
    """1327 → "1.327"; 93.456 → "93,46". ``digits`` None: 0 for whole numbers, else 2;
    ``blank`` for a figure that is not there."""
    if value is None:
        return blank
    if digits is None:
        digits = 0 if float(value).is_integer() else 2
    text = f"{float(value):,.{digits}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def percent(value: float | None, digits: int = 1) -> str:
    """A percentage given as 0–100: 64.52 → "64,5%"."""
    return NONE if value is None else f"{number(value, digits)}%"


def day(value: date | datetime | None) -> str:
    return "" if value is None else f"{value:%d/%m/%Y}"


def moment(value: datetime | None) -> str:
    return "" if value is None else f"{value:%d/%m/%Y %H:%M}"


def period(key: str | None) -> str:
    """A period key as its name: "2024-9M" → "9 tháng đầu năm 2024" (periods.yaml's label);
    "" for none, and the key itself should it name no period (it is shown, never hidden)."""
    if not key:
        return ""
    try:
        return parse_period(key).label
    except UnknownPeriod:
        return key

