"""Open one file and hand its bytes to the extractor its format calls for."""

from __future__ import annotations

from pathlib import Path

from cchc.errors import UnreadableReport
from cchc.extractors.bounds import bounded
from cchc.extractors.detect import MAX_FILE_BYTES, detect_format, too_large
from cchc.template.appendix import Template
from cchc.template.raw import RawReport


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing before reading what cannot be a report.

    A missing, unreadable or folder path is the operator's to fix, not the commune's, so those
    refusals stay in English like the rest of the command line."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UnreadableReport(path.name, too_large(size))
        return path.read_bytes()
    except IsADirectoryError:
        raise UnreadableReport(str(path), "is a folder, not a report file") from None
    except FileNotFoundError:
        raise UnreadableReport(str(path), "no such file") from None
    except PermissionError:
        raise UnreadableReport(
            str(path), "permission denied; check the file's owner and mode") from None


def read_raw(data: bytes, name: str, template: Template) -> RawReport:
    """Detect the format from the bytes and extract the report's text and appendix rows, the
    appendix being the one ``template`` describes, within the time and memory bounds of
    ``extractors.bounds``."""
    with bounded(name):
        return _extract(data, name, template)


def _extract(data: bytes, name: str, template: Template) -> RawReport:
    kind = detect_format(data, name)
    if kind == "pdf":
        from cchc.extractors.pdf_report import extract_pdf

        return extract_pdf(data, name, template)
    if kind == "xlsx":
        from cchc.extractors.xlsx_report import extract_xlsx

        return extract_xlsx(data, name, template)
    if kind == "docx":
        from cchc.extractors.docx_report import extract_docx

        return extract_docx(data, name, template)
    from cchc.extractors.text_report import decode, extract_text

    return extract_text(decode(data, name), name, template)
