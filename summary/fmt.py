"""The summary's wording: statuses, timeliness, follow-ups, so the workbook and the HTML say the
same thing; figures and dates are cchc.shown's, as on the desk."""

from __future__ import annotations

from cchc.shown import NONE, day, moment, number, percent
from cchc.summary.model import Commune

__all__ = ["NONE", "day", "moment", "number", "percent"]

SUBMISSION = {"submitted": "Đã nộp", "rejected": "Bị trả lại (có lỗi)", "missing": "Chưa nộp"}
FOLLOW_UP = {"rollup": "Số liệu tổng hợp", "error": "Lỗi", "warning": "Cảnh báo",
             "missing": "Chưa nộp",
             "quarantined": "Tệp không đọc được", "unidentified": "Không rõ xã/kỳ"}
LEVEL = {"district": "huyện", "province": "tỉnh"}


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
