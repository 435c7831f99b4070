"""What cchc writes to a commune, in Vietnamese: the answer to a message, the reminder before
a deadline. Plain text from plain data (the warehouse's rows); sending is mail/send.py's job.

Each file of a message gets one paragraph: accepted, rejected with every issue the desk shows
(its severity and message, word for word, from ``warehouse.desk.issues``) and what to do,
unreadable with the reason (which already says what to send instead), a duplicate. Nothing
is said that the warehouse does not hold: a reminder says the office has *not recorded* a
report, not that the commune sent none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

FOOTER = ("Thư này do hệ thống tiếp nhận báo cáo (cchc) tự động gửi sau khi kiểm tra. Nếu "
          "có điều chưa rõ, xin liên hệ trực tiếp cán bộ phụ trách.")
FIX = ("Đề nghị xã sửa các lỗi trên trong báo cáo và gửi lại cả báo cáo (kèm Phụ lục 01b) "
       "vào địa chỉ này; bản gửi sau sẽ thay thế bản này.")
HEADLINES = {"accepted": "đã chấp nhận", "rejected": "bị từ chối, cần sửa và gửi lại",
             "quarantined": "không đọc được, cần gửi lại", "duplicate": "trùng tệp đã nhận",
             "superseded": "đã được thay thế bởi bản gửi sau"}


@dataclass(frozen=True)
class Written:
    """A message's subject and text."""

    subject: str
    body: str


@dataclass(frozen=True)
class FileResult:
    """One file of a message and what the night made of it, with the issues the desk shows."""

    name: str
    attachment: str | None
    member: str | None
    status: str
    reason: str | None
    commune_name: str | None
    period_label: str | None
    doc_number: str | None
    issues: tuple[dict[str, Any], ...] = ()


def reply(office: str, addressee: str | None, message: dict[str, Any],
          files: Sequence[FileResult]) -> Written:
    """The answer to one message: received when, then each file's verdict."""
    arrived = message["arrived_at"]
    subject_said = f' (tiêu đề "{message["subject"]}")' if message.get("subject") else ""
    lines = [f"Kính gửi: {addressee or 'Quý cơ quan'},", "",
             f"{office} đã nhận thư gửi lúc {_when(arrived)}{subject_said}."]
    if not files:
        lines += ["", f"Thư không kèm tệp báo cáo nào đọc được: {message['reason']}."]
    else:
        lines += [f"Thư kèm {len(files)} tệp. Kết quả kiểm tra tự động:", ""]
        for number, result in enumerate(files, start=1):
            lines += _file_lines(number, result)
    lines += ["", FOOTER, "", office]
    return Written(f"Kết quả tiếp nhận báo cáo CCHC: {_headline(files)}", "\n".join(lines))


def _file_lines(number: int, result: FileResult) -> list[str]:
    where = (f" (trong tệp nén {result.attachment})" if result.member and result.attachment
             else "")
    name = result.member or result.name
    head = f"{number}. Tệp {name}{where}"
    what = _what(result)
    if result.status == "accepted":
        lines = [f"{head}: {what}ĐÃ CHẤP NHẬN."]
        if result.issues:
            lines.append("   Lưu ý khi lập báo cáo kỳ sau:")
    elif result.status == "rejected":
        lines = [f"{head}: {what}BỊ TỪ CHỐI. Những điểm cần sửa:"]
    elif result.status == "superseded":
        lines = [f"{head}: {what}đã được thay thế bởi báo cáo xã gửi sau cho cùng kỳ."]
    elif result.status == "duplicate":
        lines = [f"{head}: {result.reason}."]
    else:
        lines = [f"{head}: KHÔNG ĐỌC ĐƯỢC, {result.reason}."]
    lines += [f"   - {issue['severity_label']}: {issue['message']}" for issue in result.issues]
    if result.status == "rejected":
        lines.append(f"   {FIX}")
    return [*lines, ""]


def _what(result: FileResult) -> str:
    """"Báo cáo của Xã Hoằng Đức, 9 tháng đầu năm 2024, số 112/BC-UBND: " when known."""
    parts = [f"của {result.commune_name}" if result.commune_name else "",
             result.period_label or "", f"số {result.doc_number}" if result.doc_number else ""]
    said = ", ".join(p for p in parts if p)
    return f"báo cáo {said}: " if said else ""


def _headline(files: Sequence[FileResult]) -> str:
    if not files:
        return "thư không kèm tệp báo cáo"
    statuses = [f.status for f in files]
    if len(set(statuses)) == 1:
        return HEADLINES.get(statuses[0], statuses[0])
    counts = {s: statuses.count(s) for s in dict.fromkeys(statuses)}
    return f"{len(files)} tệp: " + ", ".join(f"{n} {HEADLINES.get(s, s)}"
                                             for s, n in counts.items())


def reminder(office: str, commune_name: str, period_label: str, deadline: date,
             today: date, address: str) -> Written:
    """The reminder to a commune the warehouse holds no report from for a period."""
    body = "\n".join([
        f"Kính gửi: Ủy ban nhân dân {_in_text(commune_name)},", "",
        f"Đến ngày {today:%d/%m/%Y}, {office} chưa ghi nhận báo cáo công tác cải cách hành "
        f"chính {period_label} (kèm Phụ lục 01b) của {_in_text(commune_name)}. Hạn gửi là "
        f"ngày {deadline:%d/%m/%Y}.",
        "",
        f"Đề nghị xã gửi báo cáo (PDF, Word .docx hoặc Excel .xlsx) đến địa chỉ {address} "
        "trước hạn. Nếu xã đã gửi, xin xem thư trả lời về tệp đã gửi: tệp có thể chưa đọc "
        "được.",
        "", FOOTER, "", office])
    return Written(f"Nhắc gửi báo cáo CCHC {period_label}: hạn ngày {deadline:%d/%m/%Y}", body)


def addressee(commune_name: str | None) -> str | None:
    """Whom a message to a commune is for: its people's committee."""
    return f"Ủy ban nhân dân {_in_text(commune_name)}" if commune_name else None


def _in_text(name: str) -> str:
    """A unit's name inside a sentence: its type word in lower case ("xã Hoằng Xuyên")."""
    return name[0].lower() + name[1:] if name else "xã"


def _when(moment: datetime) -> str:
    return f"{moment:%H:%M} ngày {moment:%d/%m/%Y}"
