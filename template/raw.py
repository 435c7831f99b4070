"""The source-faithful shape every extractor returns, before any interpretation.

An extractor's only job is to say what text stands where: the narrative's lines (for metadata and
the narrative cross-check) and the appendix table's rows, cell by cell, each with the place it was
read from. Deciding which catalog row a table row is, and what number a cell means, happens in
``transforms``, identically for every format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Format = Literal["pdf", "xlsx", "docx", "txt"]


@dataclass(frozen=True)
class Place:
    """Where a piece of text was read: a PDF page, an XLSX sheet and cell, a text line, or in a
    Word document a paragraph or a table's row and cell (1-based, ``cell`` the grid column).

    ``bbox``, on a figure read from a ruled PDF table, is its value cell's box on the page in
    PDF points, pdfplumber's (x0, top, x1, bottom) measured from the page's top-left corner;
    None elsewhere (other formats, and PDF tables read as text because they are not ruled).
    """

    page: int | None = None
    sheet: str | None = None
    cell: str | None = None
    line: int | None = None
    paragraph: int | None = None
    table: int | None = None
    row: int | None = None
    bbox: tuple[float, float, float, float] | None = None

    def describe(self) -> str:
        """The place as a person would look it up: "trang 9", "PL01b!D42", "dòng 787",
        "bảng 3, dòng 14, cột 4"."""
        if self.sheet is not None:
            return f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        if self.table is not None:
            return f"bảng {self.table}, dòng {self.row}, cột {self.cell}"
        if self.paragraph is not None:
            return f"đoạn {self.paragraph}"
        if self.page is not None:
            return f"trang {self.page}"
        if self.line is not None:
            return f"dòng {self.line}"
        return "?"


@dataclass(frozen=True)
class TextLine:
    """One line of the document's running text. ``boxes``, for a line read from a PDF page's
    positions, is each word's box (one per word of ``text.split()``, as ``Place.bbox``):
    a figure read from an unruled table is outlined by its word's box. Empty elsewhere."""

    text: str
    place: Place
    boxes: tuple[tuple[float, float, float, float], ...] = ()


@dataclass(frozen=True)
class RawRow:
    """One row of the appendix table, cells as printed (already ``clean``-ed, nothing parsed).

    ``code`` is the STT cell ("3.3.1", "2.3.", "" for a "Trong đó" sub-row). ``value_place`` is
    where the value cell is (the XLSX cell of the number, the page the value was printed on).
    """

    code: str
    label: str
    unit: str
    value: str
    note: str
    place: Place
    value_place: Place


@dataclass(frozen=True)
class RawReport:
    """Everything an extractor found in one file."""

    format: Format
    lines: tuple[TextLine, ...]
    rows: tuple[RawRow, ...]
    appendix_title: str = ""
