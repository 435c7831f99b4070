"""Numbers, dates and statuses the way a Vietnamese officer writes them (1.327; 64,5%; 20/09/2024).

One place for the wording, so the workbook and the HTML say the same thing.
"""

from __future__ import annotations

from datetime import date, datetime

from cchc.summary.model import Commune

NONE = "—"

SUBMISSION = {"submitted": "Đã nộp", "rejected": "Bị trả lại (có lỗi)", "missing": "Chưa nộp"}
FOLLOW_UP = {"rollup": "Số liệu tổng hợp", "error": "Lỗi", "warning": "Cảnh báo",
             "missing": "Chưa nộp",
             "quarantined": "Tệp không đọc được", "unidentified": "Không rõ xã/kỳ"}
LEVEL = {"district": "huyện", "province": "tỉnh"}


def number(value: float | None, digits: int | None = None) -> str:
    """1327 → "1.327"; 93.456 → "93,46". ``digits`` None: 0 for whole numbers, else 2."""
    if value is None:
        return NONE
    if digits is None:
        digits = 0 if float(value).is_integer() else 2
    text = f"{float(value):,.{digits}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def percent(value: float | None, digits: int = 1) -> str:
    """A percentage given as 0–100: 64.52 → "64,5%"."""
    return NONE if value is None else f"{number(value, digits)}%"


def day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return f"{value:%d/%m/%Y}"


def moment(value: datetime | None) -> str:
    return "" if value is None else f"{value:%d/%m/%Y %H:%M}"


def timeliness(commune: Commune) -> str:
    """"Đúng hạn", "Muộn 3 ngày", or "Chưa có báo cáo hợp lệ"."""
    if commune.timeliness == "on_time":
        return "Đúng hạn"
    if commune.timeliness == "late":
        return f"Muộn {commune.days_late} ngày"
    return "Chưa có báo cáo hợp lệ"


def reporting(n: int, expected: int) -> str:
    """The "communes reporting of expected" cell: "31/36"."""
    return f"{n}/{expected}"
