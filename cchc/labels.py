"""How the warehouse's English keys are said in Vietnamese, wherever a person reads them: the
run summary, ``cchc status``, the desk's pages and audit log, the mail to a commune. The
warehouse keeps the keys; they are said at display, from here, so every page says them alike."""

FILE_STATUS = {"accepted": "chấp nhận", "rejected": "từ chối", "quarantined": "không đọc được",
               "duplicate": "trùng", "superseded": "đã được thay thế"}
RUN_KIND = {"ingest": "nạp", "reprocess": "đọc lại", "upload": "tải lên"}
RUN_STATE = {"running": "đang chạy", "finished": "xong", "failed": "lỗi"}
# A desk account's role (core.users.role), as the header, the accounts page and its menu say it.
ROLE = {"viewer": "xem", "officer": "cán bộ", "admin": "quản trị", "commune": "xã"}
# What an officer did at the desk (core.actions.kind): the audit log, a report's history and
# an action still waiting for the warehouse all say it so.
ACTION_KIND = {"correct": "Sửa số liệu", "accept": "Chấp nhận dù có lỗi",
               "return": "Trả lại xã", "undo": "Hoàn tác"}
# An issue's severity as the desk's report page, the return letter and the reply to a commune
# all say it: the three must read word for word alike.
SEVERITY = {"error": "Lỗi", "warning": "Lưu ý"}


def said(labels: dict[str, str], key: str) -> str:
    """The label of ``key``, or the key itself should a new one appear before its label."""
    return labels.get(key, key)
