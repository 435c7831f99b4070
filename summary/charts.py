"""Horizontal bar charts as inline SVG text, drawn with plain Python.

No library and nothing fetched: the HTML report must open from a USB stick on an office PC with
no network. Names are escaped here (they come from the registry and the warehouse); a row with
no figure says so in words rather than drawing a zero-length bar that reads as 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from cchc.shown import number, percent

WIDTH = 920
LABEL_WIDTH = 200
RIGHT_PAD = 90
ROW_HEIGHT = 22
BAR_HEIGHT = 14
TOP = 34
BOTTOM = 26
FONT = "font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\""
NO_DATA = "không có số liệu"


def stacked_bars(rows: Sequence[tuple[str, Sequence[float | None]]],
                 series: Sequence[tuple[str, str]], *, title: str) -> str:
    """One bar per row, one segment per series (name, colour); blank segments are left out
    and the total says "thiếu" when some were blank."""
    totals = [sum(v for v in values if v is not None) for _, values in rows]
    scale_max = _nice_max(max(totals, default=0))
    plot = WIDTH - LABEL_WIDTH - RIGHT_PAD
    parts = [_open(title, len(rows)), _legend(series)]
    parts += _axis(scale_max, len(rows), lambda v: number(v))
    for index, ((label, values), total) in enumerate(zip(rows, totals, strict=True)):
        y = TOP + index * ROW_HEIGHT
        parts.append(_row_label(label, y))
        if all(v is None for v in values):
            parts.append(_note(LABEL_WIDTH + 6, y, NO_DATA))
            continue
        x = float(LABEL_WIDTH)
        for (name, colour), value in zip(series, values, strict=True):
            if not value:
                continue
            width = plot * value / scale_max
            parts.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{width:.1f}" '
                         f'height="{BAR_HEIGHT}" fill="{colour}"><title>{escape(label)} — '
                         f'{escape(name)}: {number(value)}</title></rect>')
            x += width
        gap = " (thiếu số liệu)" if any(v is None for v in values) else ""
        parts.append(_note(x + 6, y, number(total) + gap, italic=False))
    parts.append("</svg>")
    return "".join(parts)


def percent_bars(rows: Sequence[tuple[str, float | None]], *, title: str, colour: str,
                 reference: tuple[str, float | None] | None = None) -> str:
    """One bar per row on a 0–100 % scale (wider if a value exceeds 100), with an optional
    dashed line for the area's own rate."""
    scale_max = max([100.0, *(v for _, v in rows if v is not None)])
    plot = WIDTH - LABEL_WIDTH - RIGHT_PAD
    parts = [_open(title, len(rows))]
    parts += _axis(scale_max, len(rows), lambda v: f"{number(v, 0)}%", step=25.0)
    for index, (label, value) in enumerate(rows):
        y = TOP + index * ROW_HEIGHT
        parts.append(_row_label(label, y))
        if value is None:
            parts.append(_note(LABEL_WIDTH + 6, y, NO_DATA))
            continue
        width = plot * max(value, 0) / scale_max
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{width:.1f}" '
                     f'height="{BAR_HEIGHT}" fill="{colour}"><title>{escape(label)}: '
                     f'{percent(value)}</title></rect>')
        parts.append(_note(LABEL_WIDTH + width + 6, y, percent(value), italic=False))
    if reference and reference[1] is not None:
        parts.append(_reference(reference[0], reference[1], scale_max, len(rows)))
    parts.append("</svg>")
    return "".join(parts)


def _open(title: str, n_rows: int) -> str:
    height = TOP + n_rows * ROW_HEIGHT + BOTTOM
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
            f'width="{WIDTH}" height="{height}" role="img" aria-label="{escape(title)}" {FONT}>'
            f'<title>{escape(title)}</title>'
            f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>')


def _legend(series: Sequence[tuple[str, str]]) -> str:
    parts, x = [], float(LABEL_WIDTH)
    for name, colour in series:
        parts.append(f'<rect x="{x:.0f}" y="8" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 16:.0f}" y="18">{escape(name)}</text>')
        x += 24 + 7.2 * len(name)
    return "".join(parts)


def _axis(scale_max: float, n_rows: int, label, step: float | None = None) -> list[str]:
    """Vertical grid lines with their values under the plot."""
    plot = WIDTH - LABEL_WIDTH - RIGHT_PAD
    bottom = TOP + n_rows * ROW_HEIGHT
    step = step or _nice_step(scale_max)
    parts = []
    for k in range(math.floor(scale_max / step + 1e-9) + 1):
        value = k * step
        x = LABEL_WIDTH + plot * value / scale_max
        parts.append(f'<line x1="{x:.1f}" y1="{TOP - 2}" x2="{x:.1f}" y2="{bottom}" '
                     f'stroke="#dddddd"/><text x="{x:.1f}" y="{bottom + 16}" '
                     f'text-anchor="middle" fill="#555555">{escape(label(value))}</text>')
    return parts


def _reference(name: str, value: float, scale_max: float, n_rows: int) -> str:
    plot = WIDTH - LABEL_WIDTH - RIGHT_PAD
    x = LABEL_WIDTH + plot * value / scale_max
    bottom = TOP + n_rows * ROW_HEIGHT
    text = f"{name}: {percent(value)}"
    anchor = "end" if x > LABEL_WIDTH + plot / 2 else "start"
    return (f'<line x1="{x:.1f}" y1="{TOP - 8}" x2="{x:.1f}" y2="{bottom}" stroke="#c0392b" '
            f'stroke-width="2" stroke-dasharray="5 3"/><text x="{x:.1f}" y="{TOP - 12}" '
            f'text-anchor="{anchor}" fill="#c0392b" font-weight="bold">{escape(text)}</text>')


def _row_label(label: str, y: int) -> str:
    shown = label if len(label) <= 28 else label[:27] + "…"
    return (f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">'
            f'<title>{escape(label)}</title>{escape(shown)}</text>')


def _note(x: float, y: int, text: str, italic: bool = True) -> str:
    style = ' font-style="italic" fill="#888888"' if italic else ' fill="#222222"'
    return f'<text x="{x:.1f}" y="{y + 15}"{style}>{escape(text)}</text>'


def _nice_step(maximum: float) -> float:
    """1, 2 or 5 × 10^k, so that about five grid lines cover ``maximum``."""
    if maximum <= 0:
        return 1.0
    raw = maximum / 5
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _nice_max(maximum: float) -> float:
    step = _nice_step(maximum)
    return max(step, math.ceil(maximum / step) * step)
