"""One message from the office mailbox, read as plain data: who sent it, and its files.

Every attachment that could be a report is taken, whatever its name says (the night decides
from the bytes what a file is, and tells the commune when it is not a report): a RAR, a photo,
a Word 97 file are taken too, so that the commune is told what to send instead. Left out are
only the parts a mail program adds by itself: the text of the message, pictures placed inside
it, signatures, business cards and invitations. A ZIP attachment is opened and its files taken
one by one, within the caps a report has (64 MB a file, 200 MB unpacked); a ZIP that cannot be
opened within them is taken whole, and the night refuses it with its reason.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from cchc.extractors.detect import MAX_FILE_BYTES
from cchc.extractors.xlsx_report import MAX_UNCOMPRESSED_BYTES

# Parts a mail program adds by itself, never a commune's file.
_NOT_FILES = {"application/pkcs7-signature", "application/x-pkcs7-signature",
              "application/pgp-signature", "application/pgp-keys", "text/vcard",
              "text/x-vcard", "text/directory", "text/calendar", "message/delivery-status",
              "message/disposition-notification"}
_JUNK_MEMBERS = {"thumbs.db", "desktop.ini"}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_NAME_LENGTH = 100
NO_ATTACHMENT = ("thư không có tệp đính kèm; đề nghị xã gửi lại thư kèm tệp báo cáo (PDF, "
                 "Word .docx hoặc Excel .xlsx)")
ONLY_DECORATIONS = ("thư chỉ có ảnh chèn trong nội dung, chữ ký số hoặc danh thiếp, không có "
                    "tệp báo cáo đính kèm; đề nghị xã gửi lại thư kèm tệp báo cáo (PDF, Word "
                    ".docx hoặc Excel .xlsx)")


@dataclass(frozen=True)
class Piece:
    """A file of the message to put in the inbox: an attachment, or a file of a ZIP one.

    ``attachment`` is the attachment's name as the message gives it, ``member`` the file's path
    inside it when it came out of a ZIP; ``note`` says, for the officer, why a ZIP was taken
    whole rather than opened."""

    name: str
    data: bytes
    attachment: str
    member: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Letter:
    """What cchc keeps of a message: its headers, its files, or why it has none.

    ``sender`` is the From address in lower case; ``reply_to`` where an answer goes (Reply-To,
    else From); ``automatic`` marks a message no program should answer (RFC 3834: an automatic
    reply, a bounce, a mailing list), so that two robots never write to each other all night."""

    message_id: str | None
    sender: str | None
    sender_name: str | None
    reply_to: str | None
    subject: str
    sent_at: datetime | None
    automatic: bool
    pieces: tuple[Piece, ...]
    reason: str | None


def read_letter(raw: bytes) -> Letter:
    """The message's headers and files, from its bytes as the IMAP server returns them."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    sender_name, sender = _first_address(message, "From")
    _, reply_to = _first_address(message, "Reply-To")
    pieces, skipped = [], 0
    for part in message.walk():
        if part.is_multipart():
            continue
        if not _is_file(part):
            skipped += _is_decoration(part)
            continue
        data = part.get_payload(decode=True) or b""
        name = safe_name(part.get_filename() or "", f"tep-dinh-kem-{len(pieces) + 1}")
        pieces += _unpacked(name, data)
    reason = None if pieces else (ONLY_DECORATIONS if skipped else NO_ATTACHMENT)
    return Letter(_header(message, "Message-ID"), sender, sender_name, reply_to or sender,
                  _header(message, "Subject") or "", _date(message), _automatic(message, sender),
                  tuple(pieces), reason)


def _is_file(part: EmailMessage) -> bool:
    """A part a person attached: named, or marked as an attachment, and not one a mail
    program adds by itself (the message's own text, a picture shown inside it, a signature)."""
    kind, disposition = part.get_content_type(), part.get_content_disposition()
    if kind in _NOT_FILES:
        return False
    if disposition == "attachment":
        return True
    if part.get_content_maintype() == "image" and (disposition == "inline" or part["Content-ID"]):
        return False
    if part.get_filename():
        return True
    return part.get_content_maintype() not in ("text", "multipart", "message")


def _is_decoration(part: EmailMessage) -> bool:
    return part.get_content_maintype() != "text" or part.get_content_type() in _NOT_FILES


def _unpacked(name: str, data: bytes) -> list[Piece]:
    """The attachment itself, or the files of a ZIP attachment (an XLSX or DOCX is a ZIP too,
    and stays whole)."""
    if not data.startswith(b"PK\x03\x04"):
        return [Piece(name, data, name)]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return [Piece(name, data, name, note="tệp ZIP bị hỏng, không mở được")]
    listed = {m.filename for m in members}
    if "xl/workbook.xml" in listed or "word/document.xml" in listed:
        return [Piece(name, data, name)]
    files = [m for m in members if not m.is_dir() and not _junk(m.filename)]
    note = _refusal(files)
    if note:
        return [Piece(name, data, name, note=note)]
    try:
        return [Piece(f"{name}-{safe_name(_member_name(m), 'tep')}", archive.read(m), name,
                      _member_name(m)) for m in files]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError,
            NotImplementedError):
        return [Piece(name, data, name, note="tệp ZIP bị hỏng, không giải nén được")]


def _refusal(files: list[zipfile.ZipInfo]) -> str | None:
    """Why a ZIP is kept whole rather than opened; None when it opens within the caps."""
    if not files:
        return "tệp ZIP không chứa tệp nào"
    if any(m.flag_bits & 0x1 for m in files):
        return "tệp ZIP có mật khẩu, không giải nén được"
    if sum(m.file_size for m in files) > MAX_UNCOMPRESSED_BYTES:
        return (f"tệp ZIP giải nén ra hơn {MAX_UNCOMPRESSED_BYTES // 2**20} MB, vượt giới hạn "
                "của một báo cáo")
    if any(m.file_size > MAX_FILE_BYTES for m in files):
        return f"tệp ZIP chứa tệp lớn hơn {MAX_FILE_BYTES // 2**20} MB, vượt giới hạn"
    return None


def _junk(path: str) -> bool:
    base = path.rsplit("/", 1)[-1]
    return path.startswith("__MACOSX/") or base.startswith(".") or base.lower() in _JUNK_MEMBERS


def _member_name(member: zipfile.ZipInfo) -> str:
    """A member's name; Windows' own ZIP tool writes UTF-8 names without saying so, which
    Python then reads as code page 437 ("BÃ¡o cÃ¡o"): those are read as UTF-8 again."""
    if member.flag_bits & 0x800:
        return member.filename
    try:
        return member.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return member.filename


def safe_name(name: str, fallback: str) -> str:
    """A file name that can go in the inbox: no folder, no control or reserved character,
    Vietnamese letters kept (NFC), at most 100 characters with the extension kept."""
    base = unicodedata.normalize("NFC", re.split(r"[/\\]", name)[-1])
    base = _UNSAFE.sub("_", base).strip(" ._")
    if not base:
        return fallback
    stem, dot, extension = base.rpartition(".")
    if not dot or len(extension) > 8:
        return base[:_NAME_LENGTH]
    return f"{stem[:_NAME_LENGTH - len(extension) - 1]}.{extension}"


def _first_address(message: EmailMessage, header: str) -> tuple[str | None, str | None]:
    values = message.get_all(header) or []
    try:
        found = getaddresses([str(v) for v in values])
    except (TypeError, ValueError, IndexError):
        found = []
    for name, address in found:
        if "@" in address:
            return (name or None), address.strip().lower()
    return None, None


def _header(message: EmailMessage, name: str) -> str | None:
    try:
        value = message[name]
    except (TypeError, ValueError, IndexError):  # a header the parser cannot make sense of
        return None
    return " ".join(str(value).split()) if value is not None else None


def _date(message: EmailMessage) -> datetime | None:
    text = _header(message, "Date")
    try:
        return parsedate_to_datetime(text) if text else None
    except (TypeError, ValueError, IndexError):
        return None


def _automatic(message: EmailMessage, sender: str | None) -> bool:
    auto = (_header(message, "Auto-Submitted") or "no").lower()
    precedence = (_header(message, "Precedence") or "").lower()
    local = (sender or "").split("@", 1)[0]
    return (auto != "no" or precedence in ("bulk", "list", "junk")
            or message["List-Id"] is not None
            or local in ("mailer-daemon", "postmaster") or local.startswith(("noreply",
                                                                            "no-reply")))
