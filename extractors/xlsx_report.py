"""XLSX reports: the appendix as a commune fills it in Excel.

Workbooks come with title rows above the header, merged cells, numbers typed as text ("1.234",
"99,47"), totals as formulas (their values cached by Excel at save time) and the appendix not
always on the first sheet. The steps: check the archive's declared size before inflating
anything → find the sheet and row that hold the appendix header → read the rows below it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from cchc.errors import UnreadableReport
from cchc.extractors.damaged import reading
from cchc.extractors.table import Columns, data_cells, find_columns, is_header_row
from cchc.template.appendix import Template
from cchc.template.raw import Place, RawReport, RawRow, TextLine
from cchc.template.text import clean

MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
_HEADER_SEARCH_ROWS = 40


def extract_xlsx(data: bytes, name: str, template: Template) -> RawReport:
    """Read a workbook's running text and its appendix rows."""
    check_archive(data, name)
    with reading(name, "XLSX"):
        workbook = _open(data)
        formulas = _open(data, data_only=False) if _has_formulas(data) else None
    lines = tuple(_text_lines(workbook))
    found = _find_appendix(workbook, template)
    if found is None:
        raise UnreadableReport(
            name, "không trang tính nào có Phụ lục 01b (dòng tiêu đề có 'Chỉ tiêu thống kê' và "
            "'Số liệu'); sổ tính này không phải báo cáo CCHC")
    sheet, header_row, columns = found
    rows = tuple(_rows(sheet, header_row, columns, template,
                       formulas[sheet.title] if formulas is not None else None))
    if not rows:
        raise UnreadableReport(name, f"trang tính '{sheet.title}' có tiêu đề phụ lục nhưng bên "
                                     "dưới không có dòng chỉ tiêu nào")
    return RawReport(format="xlsx", lines=lines, rows=rows,
                     appendix_title=_title(sheet, header_row))


def check_archive(data: bytes, name: str, kind: str = "XLSX") -> None:
    """Refuse an archive (XLSX, DOCX) that would inflate to an absurd size, before inflating
    any of it."""
    with reading(name, kind):
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    declared = sum(entry.file_size for entry in entries)
    if declared > MAX_UNCOMPRESSED_BYTES:
        what = "sổ tính" if kind == "XLSX" else "tệp Word"
        raise UnreadableReport(
            name, f"{what} khai báo {declared // 2**20} MB nội dung khi giải nén (giới hạn "
            f"{MAX_UNCOMPRESSED_BYTES // 2**20} MB); không phải báo cáo, từ chối không mở")


def _has_formulas(data: bytes) -> bool:
    """Does any worksheet hold a formula? (Only then is the workbook read a second time.)"""
    archive = zipfile.ZipFile(io.BytesIO(data))
    return any(b"<f>" in archive.read(n) or b"<f " in archive.read(n)
               for n in archive.namelist() if n.startswith("xl/worksheets/"))


def _open(data: bytes, data_only: bool = True):
    """The whole workbook, read at once (openpyxl's normal mode: the sheets are small), so that
    a damaged member fails here, inside ``reading``, and not later in cchc's own loops."""
    import openpyxl

    return openpyxl.load_workbook(io.BytesIO(data), data_only=data_only)


def _text_lines(workbook) -> Iterator[TextLine]:
    """Every non-empty row of every sheet as one line of text (for metadata and narrative)."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            texts = [clean(_display(c)) for c in row if c.value is not None]
            texts = [t for t in texts if t]
            if texts:
                first = next(c for c in row if c.value is not None)
                yield TextLine("  ".join(texts), Place(sheet=sheet.title, cell=first.coordinate))


def _find_appendix(workbook, template: Template) -> tuple[object, int, Columns] | None:
    """The first sheet (in workbook order) whose top rows hold the appendix header."""
    for sheet in workbook.worksheets:
        rows = list(sheet.iter_rows(max_row=_HEADER_SEARCH_ROWS, values_only=True))
        for index, values in enumerate(rows):
            texts = [clean(_text(v)) for v in values]
            if not is_header_row(texts, template):
                continue
            below = [clean(_text(v)) for v in rows[index + 1]] if index + 1 < len(rows) else []
            header_rows = [texts, below] if below and is_header_row(below, template) \
                else [texts]
            columns = find_columns(header_rows, template)
            if columns is not None:
                return sheet, index + len(header_rows), columns
    return None


def _rows(sheet, first_row: int, columns: Columns, template: Template, formulas=None
          ) -> Iterator[RawRow]:
    """Table rows below the header, skipping empty rows and the column-number row.

    A formula whose result was never saved (the file was written by a program that does not
    calculate, not by Excel) has no value to read: its formula text is kept as the cell's raw
    value, so that validation names the cell instead of taking it for a blank.
    """
    for row in sheet.iter_rows(min_row=first_row + 1):
        texts = [clean(_display(c)) for c in row]
        value_cell = row[min(columns.value, len(row) - 1)]
        if formulas is not None and value_cell.value is None:
            formula = formulas[value_cell.coordinate].value
            if isinstance(formula, str) and formula.startswith("="):
                texts[min(columns.value, len(row) - 1)] = formula
        found = data_cells(texts, columns, template)
        if found is None:
            continue
        yield RawRow(
            code=found.code, label=found.label, unit=found.unit, value=found.value,
            note=found.note,
            place=Place(sheet=sheet.title, cell=row[min(columns.label, len(row) - 1)].coordinate),
            value_place=Place(sheet=sheet.title, cell=value_cell.coordinate),
        )


def _title(sheet, header_row: int) -> str:
    """The rows above the header: "Phụ lục 01b", "THỐNG KÊ … CỦA UBND XÃ …", "Kỳ báo cáo …"."""
    texts = []
    for values in sheet.iter_rows(max_row=max(header_row - 1, 1), values_only=True):
        texts.extend(clean(_text(v)) for v in values if v is not None)
    return " ".join(t for t in texts if t)


def _display(c) -> str:
    """A cell's value as text a person would read, percentages as shown ("99,47" for 99.47%)."""
    value = c.value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in (
            c.number_format or ""):
        value = round(value * 100, 10)
    return _text(value)


def _text(value) -> str:
    """Numbers written with a decimal comma, so that "1.234" (a float) cannot pass for 1234."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
