"""Which accepted format a file is, decided from its bytes (never from its name).

Everything refused here is refused with a sentence in Vietnamese, since it reaches the Nội vụ
officer's summary and, from there, the commune: what the file is, and what to send instead.
"""

from __future__ import annotations

import io
import zipfile

from cchc.errors import UnreadableReport
from cchc.extractors.damaged import reading
from cchc.template.raw import Format

ACCEPTED = "PDF có lớp chữ, Word (.docx), Excel (.xlsx) hoặc văn bản thuần (UTF-8)"
MAX_FILE_BYTES = 64 * 1024 * 1024
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Archives cchc does not open: the commune is asked for the files themselves. (A ZIP attached
# to a message is opened when it is fetched, mail/message.py; one left in the inbox is not.)
_ARCHIVES = {b"Rar!\x1a\x07": "RAR", b"7z\xbc\xaf\x27\x1c": "7-Zip"}


def detect_format(data: bytes, name: str) -> Format:
    """"pdf", "xlsx", "docx" or "txt"; raises UnreadableReport for anything else."""
    if not data:
        raise UnreadableReport(name, "tệp rỗng (0 byte); đề nghị xã gửi lại")
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableReport(name, too_large(len(data)))
    if data.lstrip(b"\xef\xbb\xbf\x00\t\r\n ")[:5] == b"%PDF-":
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_format(data, name)
    for magic, kind in _ARCHIVES.items():
        if data.startswith(magic):
            raise UnreadableReport(name, archive_refused(kind))
    if data.startswith(_OLE2):
        raise UnreadableReport(name, _legacy_office(data))
    if data.lstrip().startswith(b"{\\rtf"):
        raise UnreadableReport(name, f"văn bản RTF, hệ thống không đọc được; định dạng được nhận: "
                                     f"{ACCEPTED}. Đề nghị xã xuất ra PDF")
    if _is_text(data):
        return "txt"
    raise UnreadableReport(
        name, f"nội dung tệp không thuộc định dạng nào được nhận ({ACCEPTED}); tệp có thể bị "
        "hỏng hoặc là loại tệp khác")


def _zip_format(data: bytes, name: str) -> Format:
    with reading(name, "ZIP/XLSX"):
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    raise UnreadableReport(name, f"tệp nén ZIP nhưng không phải sổ tính XLSX hay tệp Word "
                                 f"DOCX; định dạng được nhận: {ACCEPTED}")


def _legacy_office(data: bytes) -> str:
    """Why an Office 97-2003 (OLE2) file is refused, naming Word or Excel when its directory
    holds the "WordDocument" or "Workbook"/"Book" stream (names stored in UTF-16)."""
    if "WordDocument".encode("utf-16-le") in data:
        what, save_as = "tệp Word 97-2003 (.doc)", "Word (.docx) hoặc PDF"
    elif any(n.encode("utf-16-le") in data for n in ("Workbook", "Book")):
        what, save_as = "tệp Excel 97-2003 (.xls)", "Excel (.xlsx) hoặc PDF"
    else:
        what, save_as = "tệp Word/Excel 97-2003 (.doc/.xls)", ".docx, .xlsx hoặc PDF"
    return (f"{what}, định dạng cũ hệ thống không đọc được; đề nghị xã mở tệp, lưu lại thành "
            f"{save_as} (File → Save As) rồi gửi lại")


def archive_refused(kind: str) -> str:
    """Why a compressed archive other than a mail's ZIP is refused: what to send instead."""
    return (f"tệp nén {kind}, hệ thống không mở được tệp nén loại này; đề nghị xã gửi chính "
            f"các tệp báo cáo ({ACCEPTED}), đính kèm trực tiếp vào thư hoặc nén bằng ZIP")


def too_large(size: int) -> str:
    """Why a file too big to be a report is refused, shared by the inbox reader."""
    return (f"tệp {size // 2**20} MB, lớn hơn nhiều so với một báo cáo (giới hạn "
            f"{MAX_FILE_BYTES // 2**20} MB); cần kiểm tra xã đã gửi tệp gì")


def _is_text(data: bytes) -> bool:
    """UTF-8 (or UTF-16 with a BOM) with almost no control characters."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    try:
        text = data[:65536].decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        if exc.start < len(data[:65536]) - 4:
            return False
        text = data[: exc.start].decode("utf-8")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    return controls <= len(text) // 1000
