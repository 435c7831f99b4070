"""A night's run summary, stored as Markdown (``flows.steps.RunSummary.markdown``, the upload's
one line), shown on the run log as HTML: its headings, paragraphs and pipe tables, every piece
of text escaped. A cell holding nothing but a period key is said by the period's name, so runs
stored before the names were used read "9 tháng đầu năm 2024" too, not "2024-9M".

Only what cchc writes is understood: a heading line (``#``), a table (``|`` lines, the second
``| --- |``), anything else a paragraph. That is all the run summary ever holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from markupsafe import Markup, escape

from cchc import shown

_RULE = re.compile(r"\|(\s*:?-{3,}:?\s*\|)+")
_PERIOD_KEY = re.compile(r"[12]\d{3}-[A-Z0-9]+")


def as_html(markdown: str | None) -> Markup:
    """The run summary's Markdown as HTML (empty for none)."""
    if not markdown:
        return Markup("")
    return Markup("\n").join(_blocks(markdown.splitlines()))


def _blocks(lines: list[str]) -> Iterator[Markup]:
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if not line:
            i += 1
        elif line.startswith("#"):
            level = min(len(line) - len(line.lstrip("#")) + 2, 6)  # below the page's own h1
            yield Markup(f"<h{level}>{escape(line.lstrip('#').strip())}</h{level}>")
            i += 1
        elif line.startswith("|"):
            table = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                table.append(lines[i].strip())
                i += 1
            yield _table(table)
        else:
            yield Markup(f"<p>{escape(line)}</p>")
            i += 1


def _table(lines: list[str]) -> Markup:
    """A pipe table: a heading row when the second line is its rule, then the body."""
    head, body = ([lines[0]], lines[2:]) if len(lines) > 1 and _RULE.fullmatch(lines[1]) else (
        [], lines)
    html = ["<table class=\"run-summary\">"]
    if head:
        html.append("<thead><tr>" + "".join(f"<th>{escape(c)}</th>" for c in _cells(head[0]))
                    + "</tr></thead>")
    html.append("<tbody>")
    html += ["<tr>" + "".join(f"<td>{escape(_said(c))}</td>" for c in _cells(row)) + "</tr>"
             for row in body]
    html.append("</tbody></table>")
    return Markup("".join(html))


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _said(cell: str) -> str:
    return shown.period(cell) if _PERIOD_KEY.fullmatch(cell) else cell
