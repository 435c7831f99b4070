"""A reader library failing on a file's content means the file is damaged, not that cchc is.

Files arrive cut short by a mail server, with bytes flipped by a USB stick, or with one member of
a workbook's archive broken. The reader libraries (pdfminer through pdfplumber, PDFium, openpyxl,
python-docx, lxml, zipfile, the UTF-8 codec) then raise whatever their parser was doing when the
bytes stopped making sense: their own exception types, but also KeyError, IndexError,
struct.error, … Those are caught here and only around the calls into a library (``with
reading(name, "PDF"): …``), so that a failure of cchc's own logic still escapes as the bug it is.
"""

from __future__ import annotations

import struct
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ExpatError

from cchc.errors import UnreadableReport


def damaged_reason(what: str) -> str:
    """The refusal of a damaged file, in the words the commune reads."""
    return (f"tệp {what} bị hỏng hoặc không trọn vẹn (có thể do tải lên, gửi thư hoặc sao chép "
            "bị lỗi), hệ thống không đọc được; đề nghị xã gửi lại tệp")


def _reader_errors() -> tuple[type[BaseException], ...]:
    """What the reader libraries raise on bytes that do not make sense.

    The generic types are there because the parsers index, unpack and decode what the file
    declares (an object number, a length, a font's widths) without checking it first; OSError
    because openpyxl raises it for a package that names no workbook (the bytes are already in
    memory, so no real input/output happens inside ``reading``).
    """
    from docx.exceptions import PythonDocxError
    from docx.opc.exceptions import OpcError
    from lxml.etree import LxmlError
    from openpyxl.utils.exceptions import InvalidFileException
    from pdfminer.psexceptions import PSException
    from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException
    from pypdfium2 import PdfiumError

    return (PSException, PdfminerException, MalformedPDFException, PdfiumError,
            InvalidFileException, LxmlError, OpcError, PythonDocxError, zipfile.BadZipFile,
            zipfile.LargeZipFile, zlib.error,
            ParseError, ExpatError, struct.error, UnicodeError, ValueError, KeyError,
            IndexError, TypeError, AttributeError, AssertionError, EOFError, OSError,
            OverflowError,
            NotImplementedError, RecursionError)


@contextmanager
def reading(name: str, what: str) -> Iterator[None]:
    """Turn a reader library's failure inside the block into UnreadableReport(damaged).

    The library's warnings about the file ("… contains invalid dependency definitions") are
    silenced too: cchc says what matters in its own words, and a warning printed on stderr
    would break the command line's one line.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    except UnreadableReport:
        raise
    except _reader_errors():
        raise UnreadableReport(name, damaged_reason(what)) from None
