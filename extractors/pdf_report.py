"""PDF reports: exported from Word or printed from Excel, with a text layer.

Steps: open the document and read every page's text with pypdfium2 (about a millisecond a page)
→ refuse what has no text layer or no appendix → pick the pages from the appendix's first page on
→ let pdfplumber's ruled-table finder read only those pages (the costly step) → each row's cells
from the words its ruled boxes hold (pdf_cells: geometry, never text adjacency) → rows, with a
row that a page break cut in two joined back together.
"""

from __future__ import annotations

import io
import logging
import re
import threading
from collections.abc import Iterator, Sequence

from cchc.errors import UnreadableReport
from cchc.extractors.damaged import damaged_reason, reading
from cchc.extractors.pdf_cells import cell_text, header_overflow, page_words
from cchc.extractors.table import (
    Columns,
    data_cells,
    find_columns,
    is_header_row,
)
from cchc.extractors.text_report import appendix_rows
from cchc.template.appendix import Template
from cchc.template.catalog import label_begins, normalise_code
from cchc.template.raw import Place, RawReport, RawRow, TextLine
from cchc.template.text import clean, fold

_MIN_TEXT_CHARS = 20
_CODE_LINE = re.compile(r"(?m)^\s*\d+(?:\.\d+)+\.?\s*$")
_PDFIUM = threading.Lock()  # see page_texts
MAX_PAGES = 500
# pdfminer logs a warning for each broken font or stream of a damaged file; the file is
# refused (or read) with cchc's own words, and those lines would only break the CLI's one line.
logging.getLogger("pdfminer").setLevel(logging.ERROR)


def extract_pdf(data: bytes, name: str, template: Template) -> RawReport:
    """Read a PDF report's running text and its appendix rows."""
    pages = page_texts(data, name)
    if sum(len(text.strip()) for text in pages) < _MIN_TEXT_CHARS:
        raise UnreadableReport(
            name, "PDF không có lớp chữ (bản quét hoặc ảnh chụp), phải nhận dạng chữ (OCR) mới "
            "đọc được. Đề nghị xã xuất báo cáo từ Word/Excel ra PDF thay vì quét")
    lines = tuple(TextLine(clean(line), Place(page=number))
                  for number, text in enumerate(pages, start=1)
                  for line in text.splitlines() if clean(line))
    first = appendix_page(pages, template)
    if first is None:
        raise UnreadableReport(
            name, f"không có Phụ lục 01b (bảng 'Chỉ tiêu thống kê') trong {len(pages)} trang; "
            "tệp PDF này không phải báo cáo CCHC")
    appendix = range(first, len(pages) + 1)
    rows = tuple(join_split_rows(table_rows(data, appendix, name, template), template))
    if _rows_unruled(rows):
        rows = appendix_rows(_positioned_lines(data, appendix, name), template)[1]
    if not rows:
        raise UnreadableReport(
            name, f"trang {first} có tên Phụ lục 01b nhưng từ đó trở đi không có bảng kẻ ô với "
            "các cột 'Chỉ tiêu thống kê' và 'Số liệu'")
    return RawReport(format="pdf", lines=lines, rows=rows,
                     appendix_title=_appendix_title(pages[first - 1], template))


def page_texts(data: bytes, name: str) -> list[str]:
    """Each page's text, from pypdfium2; refuses encrypted and damaged files with a reason.

    PDFium is not thread-safe, not even across documents (two threads in it crash the
    process), so one thread at a time reads; it takes about a millisecond a page.
    """
    with _PDFIUM:
        return _page_texts(data, name)


def _page_texts(data: bytes, name: str) -> list[str]:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise UnreadableReport(
                name, "PDF có đặt mật khẩu; đề nghị xã gửi bản không đặt mật khẩu (ký số thì "
                "được, mã hóa thì không)") from None
        raise UnreadableReport(name, damaged_reason("PDF")) from None
    try:
        with reading(name, "PDF"):
            count = len(document)
        if count > MAX_PAGES:
            raise UnreadableReport(name, (
                f"PDF có {count} trang, quá nhiều cho một báo cáo (giới hạn {MAX_PAGES} "
                "trang); cần kiểm tra xã đã gửi tệp gì"))
        texts = []
        for i in range(count):
            with reading(name, "PDF"):
                page = document[i]
                textpage = page.get_textpage()
                texts.append(textpage.get_text_range())
                textpage.close()
                page.close()
        return texts
    finally:
        document.close()


def appendix_page(pages: Sequence[str], template: Template) -> int | None:
    """The 1-based number of the first page that names the appendix or its table header."""
    for number, text in enumerate(pages, start=1):
        if _names_appendix(fold(text), template):
            return number
    return None


def _names_appendix(folded: str, template: Template) -> bool:
    """Folded text carrying the appendix's title, or its label column's header (a page the
    title is missing from, or a commune that left it out)."""
    return template.title.search(folded) is not None or template.header_label in folded


def table_rows(data: bytes, page_numbers: range, name: str, template: Template
               ) -> Iterator[RawRow]:
    """Every data row of the ruled tables on the given pages, in reading order.

    A page whose table repeats the header sets the columns; a page without one (Excel printed
    without "rows to repeat at top") keeps the previous page's columns.
    """
    columns: Columns | None = None
    for number, page in _pages(data, page_numbers, name):
        with reading(name, "PDF"):
            tables = [(found.extract(), [row.cells for row in found.rows])
                      for found in page.find_tables()]
            words = page_words(page) if tables else []
        for table, boxes in tables:
            header = [r for r in table[:3] if is_header_row([clean(c) for c in r], template)]
            if header:
                columns = find_columns([[clean(c) for c in r] for r in header], template) \
                    or columns
            if columns is None:
                continue
            overflow = header_overflow(words, [b for row in boxes[:len(header)] for b in row
                                               if b is not None])
            own = [w for w in words if w not in overflow]
            for row_boxes in boxes[len(header):]:
                cells = [cell_text(own, box) for box in row_boxes]
                row = _row(cells, columns, number, row_boxes, template)
                if row is not None:
                    yield row


def _pages(data: bytes, page_numbers: range, name: str) -> Iterator[tuple[int, object]]:
    """The given pages as pdfplumber reads them, each closed once the caller is done with it.

    pdfminer may count fewer pages than PDFium did (a damaged page tree): a damaged file.
    """
    import pdfplumber

    with reading(name, "PDF"):
        pdf = pdfplumber.open(io.BytesIO(data))
    try:
        with reading(name, "PDF"):
            count = len(pdf.pages)
        if page_numbers and page_numbers[-1] > count:
            raise UnreadableReport(name, damaged_reason("PDF"))
        for number in page_numbers:
            with reading(name, "PDF"):
                page = pdf.pages[number - 1]
            yield number, page
            with reading(name, "PDF"):
                page.close()
    finally:
        with reading(name, "PDF"):
            pdf.close()


def _row(cells: Sequence[str | None], columns: Columns, page: int,
         boxes: Sequence[tuple[float, float, float, float] | None], template: Template
         ) -> RawRow | None:
    """One table row; its value's place carries the value cell's box on the page (pdfplumber's
    x0, top, x1, bottom in points from the top-left corner), for a reader to outline it."""
    found = data_cells([clean(c) for c in cells], columns, template)
    if found is None:
        return None
    box = boxes[columns.value] if columns.value < len(boxes) else None
    return RawRow(code=found.code, label=found.label, unit=found.unit, value=found.value,
                  note=found.note, place=Place(page=page),
                  value_place=Place(page=page, bbox=_rounded(box)))


def _rounded(box: tuple[float, float, float, float] | None
             ) -> tuple[float, float, float, float] | None:
    if box is None:
        return None
    x0, top, x1, bottom = (round(float(v), 2) for v in box)
    return (x0, top, x1, bottom)


def _rows_unruled(rows: Sequence[RawRow]) -> bool:
    """Did the table finder miss the table's real rows or its value column?

    Excel users often rule only the frame and the columns (the finder then returns one cell
    holding a whole section's codes, one per line) or leave the value column unruled (no value
    is found at all; for a report whose values are truly all blank, the fallback finds the same).
    """
    if not any(row.value for row in rows):
        return True
    return any(len(_CODE_LINE.findall(row.code.replace(" ", "\n"))) > 1 for row in rows)


def _positioned_lines(data: bytes, page_numbers: range, name: str) -> tuple[TextLine, ...]:
    """The appendix pages as text lines in reading-position order, for the text-row reader,
    each with its words' boxes (the text is pdfplumber's ``extract_text``, from the same map)."""
    lines = []
    for number, page in _pages(data, page_numbers, name):
        with reading(name, "PDF"):
            pairs = page.get_textmap().tuples
        for text, boxes in _lines_and_boxes(pairs):
            if clean(text):
                aligned = len(clean(text).split()) == len(boxes)
                lines.append(TextLine(clean(text), Place(page=number),
                                      boxes if aligned else ()))
    return tuple(lines)


def _lines_and_boxes(pairs: Sequence[tuple[str, dict | None]]
                     ) -> Iterator[tuple[str, tuple[tuple[float, float, float, float], ...]]]:
    """(line, the box of each of its words) from a text map's (text, char) pairs; a word's box
    spans its characters' (the layout's implied spaces and line breaks have none)."""
    text: list[str] = []
    boxes: list[tuple[float, float, float, float]] = []
    word: list[dict] = []
    for piece, char in [*pairs, ("\n", None)]:
        if piece.isspace():
            if word:
                boxes.append(_rounded((min(c["x0"] for c in word), min(c["top"] for c in word),
                                       max(c["x1"] for c in word),
                                       max(c["bottom"] for c in word))))
                word = []
            if piece == "\n":
                yield "".join(text), tuple(boxes)
                text, boxes = [], []
                continue
        elif char is not None:
            word.append(char)
        text.append(piece)


def join_split_rows(rows: Iterator[RawRow], template: Template) -> Iterator[RawRow]:
    """Join a row that a page break cut in two (Word lets a table row break across pages).

    The second half arrives as an uncoded row on the next page. It is a real row only when it
    begins like a "Trong đó" label of the total above; otherwise its text continues the previous
    row's cells.
    """
    previous: RawRow | None = None
    total: str | None = None
    for row in rows:
        code = normalise_code(row.code)
        if code:
            total = code if template.breakdowns_of(code) else None
        continuation = (previous is not None and not code
                        and row.place.page != previous.place.page
                        and not any(label_begins(row.label, b)
                                    for b in template.breakdowns_of(total or "")))
        if continuation:
            previous = _joined(previous, row)
            continue
        if previous is not None:
            yield previous
        previous = row
    if previous is not None:
        yield previous


def _joined(first: RawRow, second: RawRow) -> RawRow:
    def both(a: str, b: str) -> str:
        return f"{a} {b}".strip()

    return RawRow(code=first.code, label=both(first.label, second.label),
                  unit=both(first.unit, second.unit), value=first.value or second.value,
                  note=both(first.note, second.note), place=first.place,
                  value_place=first.value_place if first.value else second.value_place)


def _appendix_title(text: str, template: Template) -> str:
    """The lines of the appendix's first page above its table header."""
    title = []
    for line in text.splitlines():
        if fold(line).startswith(template.header_starts):
            break
        if clean(line):
            title.append(clean(line))
    start = next((i for i, t in enumerate(title) if _names_appendix(fold(t), template)), 0)
    return " ".join(title[start + 1:] if start < len(title) else title)
