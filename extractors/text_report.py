"""Plain-text reports: text taken from a PDF, as some communes send it (the seed is one).

A text layer has lost the table's cell boundaries: a row's code, label, unit and value run
together over one or several lines, the header is repeated at every page break, and a row can be
cut in two by one. The template itself is the only reliable guide, so this extractor reads the
table in four steps, each a function below:

    lines → table lines (title and repeated headers dropped) → row segments (one per table row,
    started by a catalog code followed by its label, or by a "Trong đó" label) → cells (the
    catalog label and unit are cut out of the segment; what is left is the value and the note).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from cchc.errors import UnreadableReport
from extractors.raw import Place, RawReport, RawRow, TextLine
from transforms.catalog import Indicator, breakdowns_of, by_code, label_begins, load_catalog
from transforms.text import clean, compact, fold, fold_aligned

_APPENDIX = re.compile(r"^phu luc\s*0?1\s*b\b")
_CODE = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?(?=\s|$)\s*(.*)$")
_HEADER_START = ("stt", "chi tieu thong ke")
_HEADER_END = "so lieu"
_COLUMN_NUMBERS = re.compile(r"^(\(?\d\)?\s+){2,5}\(?\d\)?$")
_TABLE_END = re.compile(
    r"^(noi nhan|nguoi lap( bieu)?|tm\.? ?(uy|uy) ban|chu tich$|xac nhan|thu truong)")
_NUMBER = re.compile(r"(?<![\w=.,])[+-]?\d[\d.,]*%?(?![\w])")


@dataclass(frozen=True)
class _Segment:
    """The lines of one table row, before its cells are separated."""

    code: str
    indicator: Indicator | None
    lines: tuple[TextLine, ...]


def decode(data: bytes) -> str:
    """Text reports are UTF-8 (with or without BOM) or UTF-16 with a BOM."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")


def extract_text(text: str, name: str) -> RawReport:
    """Read a text report into its running lines and appendix rows."""
    lines = tuple(
        TextLine(clean(line), Place(line=number))
        for number, line in enumerate(text.splitlines(), start=1)
        if clean(line)
    )
    start = appendix_start(lines)
    if start is None:
        raise UnreadableReport(
            f"{name}: no appendix 'Phụ lục 01b' (table 'Chỉ tiêu thống kê') found in the text; "
            "send the report with its statistical appendix")
    title, table = table_lines(lines[start:])
    segments = row_segments(table)
    if not segments:
        raise UnreadableReport(
            f"{name}: the appendix 'Phụ lục 01b' has a header but no rows the template knows "
            f"(from {lines[start].place.describe()}); check that the table was not cut off")
    return RawReport(
        format="txt",
        lines=lines,
        rows=tuple(segment_cells(segment) for segment in segments),
        appendix_title=title,
    )


def appendix_start(lines: tuple[TextLine, ...]) -> int | None:
    """Index of the appendix's first line: "Phụ lục 01b", else its table header."""
    for index, line in enumerate(lines):
        if _APPENDIX.match(fold(line.text)):
            return index
    for index, line in enumerate(lines):
        if fold(line.text).startswith("chi tieu thong ke"):
            return max(index - 1, 0)
    return None


def table_lines(lines: tuple[TextLine, ...]) -> tuple[str, tuple[TextLine, ...]]:
    """Split the appendix into its title and its body, dropping every repeated page header.

    A header block starts with "STT" or "Chỉ tiêu thống kê" and ends with the line naming the
    "Số liệu" column; the column-number row some templates add ("(1) (2) (3) …") goes too.
    """
    title: list[str] = []
    body: list[TextLine] = []
    in_header = False
    seen_header = False
    for line in lines:
        folded = fold(line.text)
        if folded.startswith(_HEADER_START):
            in_header = seen_header = True
        if in_header:
            in_header = _HEADER_END not in folded
            continue
        if _COLUMN_NUMBERS.match(folded):
            continue
        if not seen_header:
            title.append(line.text)
            continue
        if _TABLE_END.match(folded):
            break
        body.append(line)
    return " ".join(title[1:] if title and _APPENDIX.match(fold(title[0])) else title), tuple(body)


def row_segments(lines: tuple[TextLine, ...]) -> list[_Segment]:
    """Group table lines into rows, walking the template in order.

    A line starts a row when it begins with a code that comes later in the template than the
    current row and is followed (on the same or the next line) by that code's label — so that a
    value "3" alone on a line, or "2 cấp = 1" in a legend, never passes for row 3 or row 2.
    Under a total with "Trong đó" rows, a line beginning like one of their labels starts one.
    """
    catalog = load_catalog()
    order = {indicator.code: index for index, indicator in enumerate(catalog)}
    codes = by_code()
    segments: list[_Segment] = []
    current: list[TextLine] = []
    code, indicator, position = "", None, -1
    pending_breakdowns: list[Indicator] = []

    def close() -> None:
        if current:
            segments.append(_Segment(code, indicator, tuple(current)))

    for index, line in enumerate(lines):
        following = lines[index + 1].text if index + 1 < len(lines) else ""
        started = _coded_start(line.text, following, codes, order, position)
        breakdown = None if started else _breakdown_start(line.text, pending_breakdowns)
        if started:
            close()
            code, indicator = started
            position = order[indicator.code]
            pending_breakdowns = list(breakdowns_of(indicator.code))
            current = [line]
        elif breakdown:
            close()
            code, indicator = "", breakdown
            position = order[breakdown.code]
            pending_breakdowns.remove(breakdown)
            current = [line]
        elif current and not _is_trong_do(line.text):
            current.append(line)
    close()
    return segments


def _coded_start(text: str, following: str, codes: dict[str, Indicator],
                 order: dict[str, int], position: int) -> tuple[str, Indicator] | None:
    match = _CODE.match(text)
    if not match:
        return None
    printed, rest = text.split()[0], match[2]
    indicator = codes.get(match[1])
    if indicator is None or order[indicator.code] <= position:
        return None
    if not label_begins(rest or following, indicator):
        return None
    return printed, indicator


def _breakdown_start(text: str, candidates: list[Indicator]) -> Indicator | None:
    text = re.sub(r"^trong\s+do\s*:?\s*", "", fold(text))
    for candidate in candidates:
        if label_begins(text, candidate):
            return candidate
    return None


def _is_trong_do(text: str) -> bool:
    """A line of the "Trong đó" cell, which a narrow column may even split mid-word ("Tron/g đó")."""
    piece = compact(text).rstrip(":")
    return len(piece) >= 2 and piece in "trongdo"


def segment_cells(segment: _Segment) -> RawRow:
    """Separate one row's text into label, unit, value and note, using the template's wording."""
    text, line_of = _join(segment.lines, segment.code)
    indicator = segment.indicator
    label_end = _label_end(text, indicator)
    label, rest, rest_offset = text[:label_end].strip(), text[label_end:], label_end
    unit_parts, rest = _cut_unit(rest, indicator)
    number = _NUMBER.search(rest)
    if number:
        leftover_before = rest[: number.start()].strip()
        value, note = number.group(0), rest[number.end():].strip()
        value_line = line_of(rest_offset + number.start())
    else:
        leftover_before, value, note, value_line = rest.strip(), "", "", segment.lines[0].place
    if unit_parts:
        note = " ".join(part for part in (leftover_before, note) if part)
    else:
        unit_parts = [leftover_before] if leftover_before else []
    return RawRow(
        code=segment.code,
        label=label,
        unit=" ".join(unit_parts),
        value=value,
        note=note,
        place=segment.lines[0].place,
        value_place=value_line,
    )


def _join(lines: tuple[TextLine, ...], code: str):
    """The row's text on one line (code removed), and a lookup from offset to source line."""
    pieces, starts = [], []
    offset = 0
    for index, line in enumerate(lines):
        text = line.text
        if index == 0 and code:
            text = text[len(code):].strip()
        elif index == 0:
            text = re.sub(r"^(?i:trong\s+đó\s*:?\s*)", "", text)
        starts.append(offset)
        pieces.append(text)
        offset += len(text) + 1

    def line_of(position: int) -> Place:
        number = max(i for i, start in enumerate(starts) if start <= position)
        return lines[number].place

    return " ".join(pieces), line_of


def _label_end(text: str, indicator: Indicator | None) -> int:
    """Where the printed label ends: the best alignment of the template's label with the text."""
    if indicator is None:
        return len(text)
    folded = fold_aligned(text)
    best_score, best_end = 0.0, 0
    for label in (indicator.label, *indicator.variants):
        alignment = fuzz.partial_ratio_alignment(fold(label), folded)
        if alignment and alignment.score > best_score and alignment.dest_start <= 6:
            best_score, best_end = alignment.score, alignment.dest_end
    if best_score < 70:
        return 0
    while best_end < len(text) and not text[best_end].isspace():
        best_end += 1
    return best_end


def _cut_unit(rest: str, indicator: Indicator | None) -> tuple[list[str], str]:
    """Blank out every piece of the template's unit (each legend item, or "nt") in the row text.

    Blanked, not removed, so that offsets in what is left still point into the original text.
    """
    if indicator is None:
        return [], rest
    found = []
    pieces = list(indicator.legend) + (["nt"] if indicator.is_breakdown else [])
    for piece in pieces:
        pattern = r"(?<!\w)" + r"\s*".join(map(re.escape, compact(piece))) + r"(?!\w)"
        match = re.search(pattern, fold_aligned(rest))
        if match:
            found.append(rest[match.start():match.end()].strip())
            rest = rest[: match.start()] + " " * (match.end() - match.start()) + rest[match.end():]
    return found, rest
