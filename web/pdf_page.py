"""A PDF page as an image with one figure's value cell outlined, so the officer checks a
number against the document in one look. The box is the one extraction recorded for the figure
(``core.observations.bbox``, pdfplumber's coordinates: PDF points from the page's top-left).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from cchc.warehouse.desk import DeskError

Box = tuple[float, float, float, float]  # x0, top, x1, bottom in PDF points, top-left origin
SCALE = 1.5


def render(data: bytes, page_number: int, boxes: Sequence[Box] = ()) -> bytes:
    """The page as PNG (pypdfium2), each box outlined in red; DeskError for a page the file
    does not have or bytes that are not a PDF."""
    import pypdfium2
    from PIL import ImageDraw

    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        raise DeskError("tệp của báo cáo không mở được như một tệp PDF") from None
    try:
        if not 1 <= page_number <= len(pdf):
            raise DeskError(f"báo cáo không có trang {page_number}: tệp có {len(pdf)} trang")
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
