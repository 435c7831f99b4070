"""A PDF page as an image with one figure's value cell outlined, so the officer checks a
number against the document in one look.

The box is found again from the archived bytes: the page's ruled tables (pdfplumber, as the
extractor reads them), each row's value cell, and transforms' own row matching to tell which
catalog code each row is. TODO(files branch): once extraction stores each figure's ``bbox``
in the warehouse, read it from there instead.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from cchc.extractors.pdf_report import appendix_page, page_texts
from cchc.extractors.raw import Place, RawRow
from cchc.extractors.table import data_cells, find_columns, is_header_row
from cchc.transforms.rows import match_rows
from cchc.transforms.text import clean

Box = tuple[float, float, float, float]  # x0, top, x1, bottom in PDF points, top-left origin
SCALE = 1.5


def value_boxes(data: bytes, name: str = "report.pdf") -> dict[str, tuple[int, Box]]:
    """catalog code → (page, box of its value cell), for the rows the table finder sees."""
    import pdfplumber

    first = appendix_page(page_texts(data, name)) or 1
    rows: list[RawRow] = []
    boxes: dict[int, tuple[int, Box]] = {}
    columns = None
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number in range(first, len(pdf.pages) + 1):
            page = pdf.pages[number - 1]
            for table in page.find_tables():
                texts = table.extract()
                header = [r for r in texts[:3] if is_header_row([clean(c) for c in r])]
                if header:
                    columns = find_columns([[clean(c) for c in r] for r in header]) or columns
                if columns is None:
                    continue
                for cells, row in zip(texts[len(header):], table.rows[len(header):],
                                      strict=False):
                    found = data_cells([clean(c) for c in cells], columns)
                    box = row.cells[columns.value] if columns.value < len(row.cells) else None
                    if found is None:
                        continue
                    raw = RawRow(found.code, found.label, found.unit, found.value, found.note,
                                 Place(page=number), Place(page=number))
                    rows.append(raw)
                    if box is not None:
                        boxes[id(raw)] = (number, box)
            page.close()
    matched, _ = match_rows(rows)
    return {code: boxes[id(row)] for code, row in matched.items() if id(row) in boxes}


def render(data: bytes, page_number: int, boxes: Sequence[Box] = ()) -> bytes:
    """The page as PNG (pypdfium2), each box outlined in red."""
    import pypdfium2
    from PIL import ImageDraw

    pdf = pypdfium2.PdfDocument(data)
    try:
        image = pdf[page_number - 1].render(scale=SCALE).to_pil().convert("RGB")
    finally:
        pdf.close()
    draw = ImageDraw.Draw(image)
    for x0, top, x1, bottom in boxes:
        draw.rectangle([x0 * SCALE - 3, top * SCALE - 3, x1 * SCALE + 3, bottom * SCALE + 3],
                       outline=(220, 0, 0), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
