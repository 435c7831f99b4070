"""Which words of a PDF page stand in which cell of a ruled table: by geometry alone.

A word belongs to the cell whose ruled box holds its horizontal middle and the top of its line
(not its middle): a line that starts above a row's top rule began in the row above, as the last
line of a clipped header does when LibreOffice or Word draws it across the rule. The lines that
continue a header cell below its box (a header row of fixed height its text overflows) are the
header's too: they keep its font and its line pitch, whatever row box they fall in. So no text of
the header can open, displace or interleave with the label of the row under it, and the row's
cells are what its own box holds (pdfplumber's own cell text takes every character whose middle
lies in the box).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Box = tuple[float, float, float, float]  # x0, top, x1, bottom, pdfplumber's coordinates
# How far below its top a line is anchored: inside the row it was drawn for, above the rule of
# a row it only overflows into (cell padding is about 2 pt, a line 12 pt or more).
_ANCHOR = 2.0
_SAME_LINE = 1.0  # tops within this many points are one line; also the pitch tolerance


@dataclass(frozen=True)
class Word:
    """One word on the page, with the font it is set in (the header's differs from a row's)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    font: str
    size: float

    @property
    def anchor(self) -> float:
        return self.top + min(_ANCHOR, (self.bottom - self.top) / 4)


def page_words(page: object) -> list[Word]:
    """Every word of a pdfplumber page."""
    return [Word(w["text"], w["x0"], w["x1"], w["top"], w["bottom"], w["fontname"], w["size"])
            for w in page.extract_words(extra_attrs=["fontname", "size"])]


def inside(word: Word, box: Box) -> bool:
    x0, top, x1, bottom = box
    return x0 <= (word.x0 + word.x1) / 2 < x1 and top <= word.anchor < bottom


def cell_text(words: Sequence[Word], box: Box | None) -> str | None:
    """The words in a cell's box in reading order, line by line; None for a merged-away cell."""
    if box is None:
        return None
    found = sorted((w for w in words if inside(w, box)), key=lambda w: (w.top, w.x0))
    lines: list[list[Word]] = []
    for word in found:
        if lines and abs(word.top - lines[-1][0].top) <= _SAME_LINE:
            lines[-1].append(word)
        else:
            lines.append([word])
    return "\n".join(" ".join(w.text for w in sorted(line, key=lambda w: w.x0))
                     for line in lines)


def header_overflow(words: Sequence[Word], header_cells: Sequence[Box]) -> set[Word]:
    """The words that continue a header cell below its box: when the cell's text reaches its
    bottom rule (it was cut there), the lines on the cell's own pitch after its last line, in
    the same column and the same font and size, one after the other."""
    flow: set[Word] = set()
    below = [w for w in words if not any(inside(w, box) for box in header_cells)]
    for box in header_cells:
        own = sorted((w for w in words if inside(w, box)), key=lambda w: w.top)
        if not own or own[-1].bottom < box[3] - _SAME_LINE:
            continue  # its text ends above its bottom rule: nothing was cut off
        last = own[-1]
        tops = sorted({round(w.top, 1) for w in own if w.font == last.font
                       and abs(w.size - last.size) < 0.1})
        pitch = tops[-1] - tops[-2] if len(tops) > 1 else last.size * 1.15
        column = [w for w in below if box[0] <= (w.x0 + w.x1) / 2 < box[2]
                  and w.top > last.top + _SAME_LINE and w.font == last.font
                  and abs(w.size - last.size) < 0.1]
        top = last.top
        while line := [w for w in column if abs(w.top - (top + pitch)) <= _SAME_LINE]:
            flow.update(line)
            top = min(w.top for w in line)
    return flow
