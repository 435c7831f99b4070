"""Which accepted format a file is, decided from its bytes (never from its name).

Everything refused here is refused with a sentence the person running the night's ingest can
act on: what the file is, and what the commune should send instead.
"""

from __future__ import annotations

import io
import zipfile

from cchc.errors import UnreadableReport
from extractors.raw import Format

ACCEPTED = "PDF with a text layer, XLSX, or plain text (UTF-8)"
MAX_FILE_BYTES = 64 * 1024 * 1024
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def detect_format(data: bytes, name: str) -> Format:
    """"pdf", "xlsx" or "txt"; raises UnreadableReport for anything else."""
    if not data:
        raise UnreadableReport(f"{name}: the file is empty (0 bytes); ask the commune to send it "
                               "again")
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableReport(f"{name}: {len(data) // 2**20} MB is far larger than any report "
                               f"(limit {MAX_FILE_BYTES // 2**20} MB); check what was sent")
    if data.lstrip(b"\xef\xbb\xbf\x00\t\r\n ")[:5] == b"%PDF-":
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_format(data, name)
    if data.startswith(_OLE2):
        raise UnreadableReport(
            f"{name}: an old Word/Excel 97-2003 file (.doc/.xls), which cchc does not read; "
            f"accepted formats: {ACCEPTED}. Ask the commune to save it as PDF or XLSX")
    if data.lstrip().startswith(b"{\\rtf"):
        raise UnreadableReport(f"{name}: an RTF document; accepted formats: {ACCEPTED}")
    if _is_text(data):
        return "txt"
    raise UnreadableReport(
        f"{name}: the bytes match none of the accepted formats ({ACCEPTED}); the file may be "
        "damaged or of another kind")


def _zip_format(data: bytes, name: str) -> Format:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        raise UnreadableReport(f"{name}: a damaged or truncated ZIP/XLSX file; ask the commune "
                               "to send it again") from None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        raise UnreadableReport(
            f"{name}: a Word document (.docx), which cchc does not read; accepted formats: "
            f"{ACCEPTED}. Ask the commune to export it to PDF (File → Save As → PDF)")
    raise UnreadableReport(f"{name}: a ZIP archive that is not an XLSX workbook; accepted "
                           f"formats: {ACCEPTED}")


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
