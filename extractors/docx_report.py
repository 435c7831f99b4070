"""Word reports (.docx): the document a commune's clerk typed, read from its own XML.

Nothing is guessed from a layout here: the body's paragraphs and tables come in document order,
each table cell with its place in the grid. The letterhead is a borderless table (issuer and
number left, motto and date right), the title and narrative are paragraphs, and the appendix is
the table whose header names "Chỉ tiêu thống kê" and "Số liệu". Merged cells are read as Word
stores them: a vertically merged cell ("Trong đó" beside a run of breakdown rows) holds its
text in its first row only, and a cell spanning several grid columns counts once, at its first.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from cchc.errors import UnreadableReport
from cchc.extractors.damaged import reading
from cchc.extractors.table import Columns, data_cells, find_columns, is_header_row
from cchc.template.appendix import Template
from cchc.template.raw import Place, RawReport, RawRow, TextLine
from cchc.template.text import clean, fold

_HEADER_SEARCH_ROWS = 4


def extract_docx(data: bytes, name: str, template: Template) -> RawReport:
    """Read a Word report's running text and its appendix rows."""
    from cchc.extractors.xlsx_report import check_archive

    check_archive(data, name, "DOCX")
    with reading(name, "Word (.docx)"):
        blocks = list(_blocks(data))
    lines = tuple(_lines(blocks))
    found = _find_appendix(blocks, template)
    if found is None:
        raise UnreadableReport(
            name, "không có bảng Phụ lục 01b (dòng tiêu đề có 'Chỉ tiêu thống kê' và 'Số "
            "liệu') trong tệp Word; tệp này không phải báo cáo CCHC")
    table_number, grid, header_end, columns = found
    rows = tuple(_rows(table_number, grid, header_end, columns, template))
    if not rows:
        raise UnreadableReport(name, f"bảng {table_number} có tiêu đề phụ lục nhưng bên dưới "
                                     "không có dòng chỉ tiêu nào")
    return RawReport(format="docx", lines=lines, rows=rows,
                     appendix_title=_title(blocks, table_number, template))


# A paragraph is ("p", its text); a table is ("table", its number, its rows of cell texts).
_Block = tuple


def _blocks(data: bytes) -> Iterator[_Block]:
    """The body's paragraphs and tables in document order, cell texts already in their grid."""
    import docx
    from docx.table import Table

    document = docx.Document(io.BytesIO(data))
    tables = 0
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            tables += 1
            yield ("table", tables, _grid(item._tbl))
        else:
            yield ("p", item.text)


def _grid(tbl) -> list[list[str]]:
    """Each row's cell texts by grid column; a merged cell's text only where it begins."""
    rows = []
    for tr in tbl.tr_lst:
        texts = [""] * tr.grid_before
        for tc in tr.tc_lst:
            text = "" if tc.vMerge == "continue" else "\n".join(p.text for p in tc.p_lst)
            texts.extend([text] + [""] * (tc.grid_span - 1))
        rows.append(texts)
    return rows


def _lines(blocks: list[_Block]) -> Iterator[TextLine]:
    """Every paragraph, and every line of every table cell, as running text.

    Cells are read row by row, left to right, each of their paragraphs a line, so that the
    letterhead reads "UBND HUYỆN …", "UBND XÃ …", then the motto: as a person reads it.
    """
    paragraph = 0
    for block in blocks:
        if block[0] == "p":
            paragraph += 1
            if clean(block[1]):
                yield TextLine(clean(block[1]), Place(paragraph=paragraph))
            continue
        _, number, grid = block
        for row_number, texts in enumerate(grid, start=1):
            for column, text in enumerate(texts, start=1):
                for line in text.split("\n"):
                    if clean(line):
                        yield TextLine(clean(line), _cell_place(number, row_number, column))


def _cell_place(table: int, row: int, column: int) -> Place:
    return Place(table=table, row=row, cell=str(column))


def _find_appendix(blocks: list[_Block], template: Template
                   ) -> tuple[int, list[list[str]], int, Columns] | None:
    """The first table whose top rows hold the appendix header: its number, its grid, the row
    after its header, its columns."""
    for block in blocks:
        if block[0] != "table":
            continue
        _, number, grid = block
        for index, texts in enumerate(grid[:_HEADER_SEARCH_ROWS]):
            cells = [clean(t) for t in texts]
            if not is_header_row(cells, template):
                continue
            header = [cells]
            below = [clean(t) for t in grid[index + 1]] if index + 1 < len(grid) else []
            if below and is_header_row(below, template):
                header.append(below)
            columns = find_columns(header, template)
            if columns is not None:
                return number, grid, index + len(header), columns
    return None


def _rows(table: int, grid: list[list[str]], first: int, columns: Columns, template: Template
          ) -> Iterator[RawRow]:
    for index in range(first, len(grid)):
        texts = [clean(t) for t in grid[index]]
        found = data_cells(texts, columns, template)
        if found is None:
            continue
        yield RawRow(code=found.code, label=found.label, unit=found.unit, value=found.value,
                     note=found.note, place=_cell_place(table, index + 1, columns.label + 1),
                     value_place=_cell_place(table, index + 1, columns.value + 1))


def _title(blocks: list[_Block], table: int, template: Template) -> str:
    """The paragraphs just above the appendix table, from "Phụ lục 01b" on ("THỐNG KÊ … CỦA
    UBND XÃ …"), or from the table before it when no paragraph names the appendix."""
    texts: list[str] = []
    for block in blocks:
        if block[0] == "table":
            if block[1] == table:
                break
            texts = []
        elif clean(block[1]):
            texts.append(clean(block[1]))
    named = [i for i, text in enumerate(texts) if template.title.match(fold(text))]
    return " ".join(texts[named[-1]:] if named else texts)
