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
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from cchc.errors import UnreadableReport
from cchc.extractors.damaged import reading
from cchc.template.appendix import Template
from cchc.template.catalog import Indicator, label_begins
from cchc.template.raw import Place, RawReport, RawRow, TextLine
from cchc.template.text import clean, compact, fold

_CODE = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?(?=\s|$)\s*(.*)$")
_COLUMN_NUMBERS = re.compile(r"^(\(?\d\)?\s+){2,5}\(?\d\)?$")
_TABLE_END = re.compile(
    r"^(noi nhan|nguoi lap( bieu)?|tm\.? ?(uy|uy) ban|chu tich$|xac nhan|thu truong)")
_NUMBER = re.compile(r"[+-]?\d[\d.,]*%?")
# A page footer's number as a text layer gives it: alone, indented (centred or right-aligned).
# A figure alone on its line starts at the margin, as the seed's do; this one would otherwise
# pass for the value of the row the page break falls in.
_PAGE_NUMBER = re.compile(r"^\s+\d{1,3}\s*$")
_LOOKAHEAD = 8
# "Trong đó", or the half of it that a position-ordered layout puts on a breakdown's line.
_TRONG_DO_PREFIX = re.compile(r"^(?:(?:trong\s+do|trong|do)\s*:?(?:\s+|$))?")


@dataclass(frozen=True)
class _Segment:
    """The lines of one table row, before its cells are separated."""

    code: str
    indicator: Indicator | None
    lines: tuple[TextLine, ...]


def decode(data: bytes, name: str) -> str:
    """Text reports are UTF-8 (with or without BOM) or UTF-16 with a BOM; a text cut in the
    middle of a character, or with bytes that are not UTF-8, is a damaged file."""
    with reading(name, "văn bản"):
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")


def extract_text(text: str, name: str, template: Template) -> RawReport:
    """Read a text report into its running lines and appendix rows."""
    lines = tuple(
        TextLine(clean(line), Place(line=number))
        for number, line in enumerate(text.splitlines(), start=1)
        if clean(line) and not _PAGE_NUMBER.match(line)
    )
    start = appendix_start(lines, template)
    if start is None:
        raise UnreadableReport(
            name, "không tìm thấy Phụ lục 01b (bảng 'Chỉ tiêu thống kê') trong văn bản; đề "
            "nghị xã gửi báo cáo kèm phụ lục số liệu thống kê")
    title, rows = appendix_rows(lines[start:], template)
    if not rows:
        raise UnreadableReport(
            name, f"Phụ lục 01b có dòng tiêu đề nhưng không có dòng chỉ tiêu nào của mẫu biểu "
            f"(từ {lines[start].place.describe()}); kiểm tra xem bảng có bị cắt mất không")
    return RawReport(format="txt", lines=lines, rows=rows, appendix_title=title)


def appendix_rows(lines: tuple[TextLine, ...], template: Template
                  ) -> tuple[str, tuple[RawRow, ...]]:
    """The appendix's title and rows, from its text lines (the PDF extractor uses this too,
    for tables whose rows no ruling separates)."""
    title, table = table_lines(lines, template)
    return title, tuple(segment_cells(segment) for segment in row_segments(table, template))


def appendix_start(lines: tuple[TextLine, ...], template: Template) -> int | None:
    """Index of the appendix's first line: its title ("Phụ lục 01b"), else its table header."""
    for index, line in enumerate(lines):
        if template.title.match(fold(line.text)):
            return index
    for index, line in enumerate(lines):
        if fold(line.text).startswith(template.header_label):
            return max(index - 1, 0)
    return None


def table_lines(lines: tuple[TextLine, ...], template: Template
                ) -> tuple[str, tuple[TextLine, ...]]:
    """Split the appendix into its title and its body, dropping every repeated page header.

    A header block starts with "STT" or "Chỉ tiêu thống kê" and ends with the line naming the
    "Số liệu" column; the column-number row some templates add ("(1) (2) (3) …") goes too.
    """
    title: list[str] = []
    body: list[TextLine] = []
    in_header = after_header = seen_header = False
    for line in lines:
        folded = fold(line.text)
        if folded.startswith(template.header_starts):
            in_header = seen_header = True
        if in_header:
            in_header = template.header_ends not in folded
            after_header = not in_header
            continue
        if _COLUMN_NUMBERS.match(folded) or (after_header and _header_spill(folded, template)):
            continue
        after_header = False
        if not seen_header:
            title.append(line.text)
            continue
        if _TABLE_END.match(folded):
            break
        body.append(line)
    named = bool(title) and template.title.match(fold(title[0])) is not None
    return " ".join(title[1:] if named else title), tuple(body)


def _header_spill(folded: str, template: Template) -> bool:
    """A line of header words only, with at least one word that is not a number.

    A wrapped header cell can spill past the "Số liệu" line ("9 tháng, năm)"), and its "9" must
    not pass for the value of the row the page cut."""
    words = re.findall(r"\w+", folded)
    return any(not w.isdigit() for w in words) and all(w in template.header_words for w in words)


def row_segments(lines: tuple[TextLine, ...], template: Template) -> list[_Segment]:
    """Group table lines into rows, walking the template in order.

    A line starts a row when it begins with a code that comes later in the template than the
    current row and that code's label begins on the same line, the next or the previous one — so
    that a value "3" alone on a line, or "2 cấp = 1" in a legend, never passes for row 3 or 2.
    Under a total with "Trong đó" rows, a line beginning like one of their labels starts one.
    Text taken in reading-position order prints a wrapped label's first line above its code
    (the code sits on the cell's middle line): such lines are moved back into their own row.
    """
    order = {indicator.code: index for index, indicator in enumerate(template.indicators)}
    codes = template.by_code
    segments: list[_Segment] = []
    current: list[TextLine] = []
    code, indicator, position = "", None, -1
    pending_breakdowns: list[Indicator] = []

    def close() -> None:
        if current:
            segments.append(_Segment(code, indicator, tuple(current)))

    for index, line in enumerate(lines):
        neighbours = (lines[index + 1].text if index + 1 < len(lines) else "",
                      current[-1].text if len(current) > 1 else "")
        started = _coded_start(line.text, neighbours, codes, order, position)
        breakdown = None if started else _breakdown_start(line.text, pending_breakdowns)
        if started:
            moved = _label_lines_above(current, started[1])
            current = current[: len(current) - len(moved)]
            close()
            code, indicator = started
            position = order[indicator.code]
            pending_breakdowns = list(template.breakdowns_of(indicator.code))
            current = [*moved, line]
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


def _label_lines_above(current: list[TextLine], indicator: Indicator) -> list[TextLine]:
    """The last line(s) of the previous row that are in fact the start of this row's label
    (or the first item of its legend), printed above the code by a position-ordered layout."""
    for back in (1, 2):
        if len(current) > back and _begins_row(current[-back].text, indicator):
            return current[-back:]
    return []


def _begins_row(text: str, indicator: Indicator) -> bool:
    legend = indicator.legend[:1] if indicator.kind == "choice" else ()
    return label_begins(text, indicator) or any(
        compact(text).startswith(compact(item)[:8]) for item in legend)


def _coded_start(text: str, neighbours: tuple[str, str], codes: dict[str, Indicator],
                 order: dict[str, int], position: int) -> tuple[str, Indicator] | None:
    match = _CODE.match(text)
    if not match:
        return None
    indicator = codes.get(match[1])
    if indicator is None or order[indicator.code] <= position:
        return None
    if not any(label_begins(candidate, indicator) for candidate in (match[2], *neighbours)):
        return None
    return text.split()[0], indicator


def _breakdown_start(text: str, candidates: list[Indicator]) -> Indicator | None:
    text = _TRONG_DO_PREFIX.sub("", fold(text))
    for candidate in candidates:
        if label_begins(text, candidate):
            return candidate
    return None


def _is_trong_do(text: str) -> bool:
    """A line of the "Trong đó" cell, which a narrow column may split mid-word ("Tron", "g đó")."""
    piece = compact(text).rstrip(":")
    return len(piece) >= 2 and piece in "trongdo"


@dataclass(frozen=True)
class _Token:
    text: str
    key: str
    place: Place


def segment_cells(segment: _Segment) -> RawRow:
    """Separate one row's words into label, unit, value and note, using the template's wording.

    The words of the template's label, then of each unit or legend item, are matched in order
    against the row's words and taken out wherever they stand (a page break or a position-ordered
    text layer can put the value before the end of the label); the first number left is the
    value, the rest the note.
    """
    tokens = _tokens(segment)
    indicator = segment.indicator
    label = _take(tokens, indicator.label if indicator else "", anchored=True)
    units = [_take(tokens, piece) for piece in _unit_pieces(indicator)]
    _drop_legend_codes(tokens)
    value = next((t for t in tokens if t is not None and _NUMBER.fullmatch(t.text)), None)
    note = [t.text for t in tokens if t is not None and t is not value]
    return RawRow(
        code=segment.code,
        label=" ".join(t.text for t in label),
        unit=" ".join(" ".join(t.text for t in unit) for unit in units if unit),
        value=value.text if value else "",
        note=" ".join(note),
        place=segment.lines[0].place,
        value_place=value.place if value else segment.lines[0].place,
    )


def _tokens(segment: _Segment) -> list[_Token | None]:
    tokens: list[_Token | None] = []
    for line in segment.lines:
        text = line.text
        if segment.code and text.startswith(segment.code):
            text = text[len(segment.code):]
        elif not segment.code:
            text = text[len(_TRONG_DO_PREFIX.match(fold(text))[0]):]
        words = text.split()
        tokens.extend(_Token(word, _key(word), place)
                      for word, place in zip(words, _word_places(line, words), strict=True))
    return tokens


def _word_places(line: TextLine, words: list[str]) -> list[Place]:
    """Each word's place: the line's, with the word's box when the line has its words' boxes
    and the words kept are whole words of it (a code cut off the front leaves the rest)."""
    every = line.text.split()
    if not line.boxes or every[len(every) - len(words):] != words:
        return [line.place] * len(words)
    return [replace(line.place, bbox=box) for box in line.boxes[len(every) - len(words):]]


def _key(word: str) -> str:
    return fold(word).strip(".,;:()")


def _take(tokens: list[_Token | None], phrase: str, anchored: bool = False) -> list[_Token]:
    """Take the phrase's words out of ``tokens`` (set to None), matched in order.

    Each word is looked for a few tokens ahead of the previous match, tolerating a typo, so a
    retyped label or a value wedged inside the label still lines up. The label (``anchored``)
    starts near the row's start and is always taken; a unit or legend item only when its first
    word and most of the others are found, so that one item never eats another's "= 0".
    """
    words = [_key(word) for word in phrase.split() if _key(word)]
    found: list[int] = []
    position = 0
    for number, word in enumerate(words):
        limit = len(tokens) if number == 0 and not anchored else position + _LOOKAHEAD
        for index in range(position, min(limit, len(tokens))):
            token = tokens[index]
            if token is not None and _same_word(token.key, word):
                found.append(index)
                position = index + 1
                break
        else:
            if number == 0 and not anchored:
                return []
    if not anchored and len(found) * 10 < len(words) * 6:
        return []
    taken = [tokens[i] for i in found]
    for index in found:
        tokens[index] = None
    return taken


def _same_word(a: str, b: str) -> bool:
    return a == b or (len(b) >= 4 and fuzz.ratio(a, b) >= 80)


def _unit_pieces(indicator: Indicator | None) -> list[str]:
    if indicator is None:
        return []
    return [*indicator.legend, *(["nt"] if indicator.is_breakdown else [])]


def _drop_legend_codes(tokens: list[_Token | None]) -> None:
    """A legend the template does not know ("Trực tuyến: 0 / …" retyped) still writes "= 0":
    a number right after "=" is never the value."""
    for index, token in enumerate(tokens):
        if token is not None and token.text.endswith("="):
            tokens[index] = None
            if token.text == "=" and index + 1 < len(tokens) and tokens[index + 1] is not None \
                    and _NUMBER.fullmatch(tokens[index + 1].text):
                tokens[index + 1] = None
        elif token is not None and re.fullmatch(r"=\d+", token.text):
            tokens[index] = None
