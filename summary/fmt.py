"""The summary's wording: statuses, timeliness, follow-ups, so the workbook and the HTML say the
same thing; figures and dates are cchc.shown's, as on the desk."""

from __future__ import annotations

from cchc.shown import day
from cchc.summary.model import Commune

SUBMISSION = {"submitted": "Đã nộp", "rejected": "Bị trả lại (có lỗi)", "missing": "Chưa nộp"}
FOLLOW_UP = {"rollup": "Số liệu tổng hợp", "error": "Lỗi", "warning": "Cảnh báo",
             "missing": "Chưa nộp",
             "quarantined": "Tệp không đọc được", "unidentified": "Không rõ xã/kỳ"}
LEVEL = {"district": "huyện", "province": "tỉnh"}


def timeliness(commune: Commune) -> str:
    """"Đúng hạn", "Muộn 3 ngày", or "Chưa có báo cáo hợp lệ"; judged against a return
    letter's deadline, it says so ("Đúng hạn (gửi lại trước hạn 12/12/2026 của thư trả lại)")."""
    letter = commune.letter_due
    if commune.timeliness == "on_time":
        return f"Đúng hạn (gửi lại trước hạn {day(letter)} của thư trả lại)" if letter \
            else "Đúng hạn"
    if commune.timeliness == "late":
        late = f"Muộn {commune.days_late} ngày"
        return f"{late} so với hạn {day(letter)} của thư trả lại" if letter else late
    return "Chưa có báo cáo hợp lệ"


def reporting(n: int, expected: int) -> str:
    """The "communes reporting of expected" cell: "31/36"."""
    return f"{n}/{expected}"
