"""What PDF tables and worksheets share: finding the appendix header and its columns.

Communes move, merge and drop columns (a "Ghi chú" column is often missing, a two-row header
puts "Đơn vị tính" and "Số liệu" under "Kết quả thống kê"), so columns are found by their header
words, never assumed by position.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cchc.template.appendix import Template
from cchc.template.text import fold


@dataclass(frozen=True)
class Columns:
    """Index of each appendix column in a table row (None where the table lacks it)."""

    code: int
    label: int
    unit: int | None
    value: int
    note: int | None


def header_roles(cells: Sequence[str | None], template: Template) -> dict[str, int]:
    """The columns a header row names: {"code": 0, "label": 1, …}, by the start of each cell's
    folded text (the template's header columns)."""
    roles: dict[str, int] = {}
    for index, cell in enumerate(cells):
        folded = fold(cell)
        for word, role in template.columns:
            if re.match(rf"{word}\b", folded) and role not in roles:
                roles[role] = index
                break
    return roles


def is_header_row(cells: Sequence[str | None], template: Template) -> bool:
    roles = header_roles(cells, template)
    return "label" in roles or ("unit" in roles and "value" in roles)


def find_columns(header_rows: Sequence[Sequence[str | None]], template: Template
                 ) -> Columns | None:
    """Columns from one or two header rows; the lower row wins ("Số liệu" under "Kết quả")."""
    roles: dict[str, int] = {}
    for cells in header_rows:
        for role, index in header_roles(cells, template).items():
            if role in {"unit", "value"} or role not in roles:
                roles[role] = index
    if "label" not in roles or "value" not in roles:
        return None
    return Columns(
        code=roles.get("code", max(roles["label"] - 1, 0)),
        label=roles["label"],
        unit=roles.get("unit"),
        value=roles["value"],
        note=roles.get("note"),
    )


def cell(cells: Sequence[str | None], index: int | None) -> str:
    """The text of one cell, "" when the column is absent or the cell empty or merged away."""
    if index is None or index >= len(cells) or cells[index] is None:
        return ""
    return str(cells[index])


@dataclass(frozen=True)
class Cells:
    """One data row's five cells as text."""

    code: str
    label: str
    unit: str
    value: str
    note: str


def data_cells(texts: Sequence[str], columns: Columns, template: Template) -> Cells | None:
    """The row's cells, or None for a row that carries no data (empty, header, column numbers).

    "Trong đó" printed in the code column (a merged cell's first row) is not a code.
    """
    if not any(texts) or is_column_numbers(texts) or is_header_row(texts, template):
        return None
    code = cell(texts, columns.code)
    if fold(code).rstrip(":") == "trong do":
        code = ""
    return Cells(code=code, label=cell(texts, columns.label), unit=cell(texts, columns.unit),
                 value=cell(texts, columns.value), note=cell(texts, columns.note))


def is_column_numbers(texts: Sequence[str]) -> bool:
    """The "(1) (2) (3) (4) (5)" row some templates put under the header."""
    filled = [t.strip("()") for t in texts if t]
    return len(filled) >= 3 and all(t.isdigit() and len(t) == 1 for t in filled)
