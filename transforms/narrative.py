"""Narrative cross-check: the figures a report's running text states against its appendix.

A commune writes "Tổng số hồ sơ đã tiếp nhận: 841 hồ sơ" in the text and types 841 into row
3.3.1 of Phụ lục 01b; when the two disagree, or the text states a figure whose cell is blank, one
of them is wrong and the officer must say which. Which phrase states which row is data
(``reference/narrative.yaml``), matched on folded text (no diacritics), so that "ƣ" fonts,
accents and line wrapping do not matter.

Two steps, each inspectable: ``narrative_claims`` (what the text says, and where) and
``check_narrative`` (where they disagree with the appendix). The claims come from the RawReport's
text lines, which the Report does not keep: ``read_report`` returns them with the Report.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from cchc.errors import ReferenceDataError
from cchc.template.appendix import Template
from cchc.template.raw import Place, TextLine
from cchc.template.text import NotANumber, fold, fold_aligned, parse_number
from cchc.transforms.model import Issue, Observation, Report, Value
from cchc.transforms.rules import vi_number

_KEYS = ("code", "patterns", "description", "hint")
_SNIPPET_AROUND = 60
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Pattern:
    """The phrases that state one appendix row."""

    code: str
    patterns: tuple[re.Pattern[str], ...]
    description: str
    hint: str = ""


@dataclass(frozen=True)
class Claim:
    """A figure the narrative states: which row, what value, the words, and where."""

    code: str
    value: Value
    text: str
    place: Place
    hint: str = ""


@cache
def load_patterns(template: Template) -> tuple[Pattern, ...]:
    """Read and check the template's narrative patterns (kept per template: one command reads
    them once); refuse anything that would silently not match."""
    path = template.narrative_path
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ReferenceDataError(f"{path}: cannot read the narrative patterns: {exc}") from exc
    entries = document.get("claims") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ReferenceDataError(f"{path}: expected a non-empty list under 'claims'")
    values = {i.code for i in template.value_indicators}
    patterns = [_pattern(path, number, entry, values)
                for number, entry in enumerate(entries, start=1)]
    codes = [p.code for p in patterns]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise ReferenceDataError(f"{path.name}: duplicate codes {duplicates}; list every phrase "
                                 "of a code under its one entry")
    return tuple(patterns)


def _pattern(path: Path, number: int, entry: object, values: set[str]) -> Pattern:
    if not isinstance(entry, dict):
        raise ReferenceDataError(f"{path.name}, claim #{number}: expected a mapping")
    where = f"{path.name}, claim {entry.get('code') or f'#{number}'}"
    unknown = sorted(set(entry) - set(_KEYS))
    if unknown:
        raise ReferenceDataError(f"{where}: unknown keys {unknown}; allowed: {list(_KEYS)}")
    code = str(entry.get("code", ""))
    if code not in values:
        raise ReferenceDataError(
            f"{where}: code {code!r} is not a value row of the catalog (reference/indicators.yaml)")
    raw = entry.get("patterns")
    if not isinstance(raw, list) or not raw:
        raise ReferenceDataError(f"{where}: patterns must be a non-empty list of regexes")
    compiled = []
    for text in raw:
        try:
            pattern = re.compile(str(text))
        except re.error as exc:
            raise ReferenceDataError(f"{where}: pattern {text!r} does not compile: {exc}") from exc
        if pattern.groups != 1:
            raise ReferenceDataError(f"{where}: pattern {text!r} has {pattern.groups} capturing "
                                     "groups; it needs exactly one, around the figure")
        compiled.append(pattern)
    return Pattern(code, tuple(compiled), " ".join(str(entry.get("description", "")).split()),
                   " ".join(str(entry.get("hint", "")).split()))


def narrative(lines: Sequence[TextLine], template: Template) -> tuple[TextLine, ...]:
    """The running text: every line before the first that names the appendix ("Phụ lục 01b")."""
    for index, line in enumerate(lines):
        if template.title.search(fold(line.text)):
            return tuple(lines[:index])
    return tuple(lines)


def narrative_claims(lines: Sequence[TextLine], template: Template) -> tuple[Claim, ...]:
    """The first figure the narrative states for each code, in narrative.yaml order."""
    body = narrative(lines, template)
    text = " ".join(line.text for line in body)
    folded = fold_aligned(text)
    if len(folded) != len(text):  # a character folded to another length: quote the folded text
        text = folded
    starts = list(itertools.accumulate((len(line.text) + 1 for line in body), initial=0))
    claims = []
    for entry in load_patterns(template):
        matches = sorted((m for p in entry.patterns for m in p.finditer(folded)),
                         key=lambda m: m.start(1))
        for match in matches:
            try:
                value = parse_number(match.group(1))
            except NotANumber:
                continue
            line = body[bisect.bisect_right(starts, match.start(1)) - 1]
            claims.append(Claim(entry.code, value, _snippet(text, match), line.place, entry.hint))
            break
    return tuple(claims)


def _snippet(text: str, match: re.Match[str]) -> str:
    """The matched words as written, cut to the figure's neighbourhood (whole words) if long."""
    start = max(match.start(), match.start(1) - _SNIPPET_AROUND)
    end = min(match.end(), match.end(1) + _SNIPPET_AROUND)
    if start > match.start():
        space = text.find(" ", start, match.start(1))
        start = space + 1 if space >= 0 else start
    if end < match.end():
        space = text.rfind(" ", match.end(1), end)
        end = space if space >= 0 else end
    cut_before, cut_after = start > match.start(), end < match.end()
    return ("…" if cut_before else "") + text[start:end].strip() + ("…" if cut_after else "")


def check_narrative(report: Report, claims: Sequence[Claim], template: Template
                    ) -> tuple[Issue, ...]:
    """Warnings where the narrative states a figure (``narrative_claims`` of the report's text
    lines) that the appendix contradicts or leaves blank."""
    observations = {o.code: o for o in report.observations}
    issues = []
    for claim in claims:
        issue = _compare(claim, observations.get(claim.code), template)
        if issue is not None:
            issues.append(issue)
    return tuple(issues)


def _compare(claim: Claim, observation: Observation | None, template: Template
             ) -> Issue | None:
    issue = _difference(claim, observation, template)
    if issue is None or not claim.hint:
        return issue
    return Issue(issue.rule, issue.severity, issue.codes, f"{issue.message} {claim.hint}")


def _difference(claim: Claim, observation: Observation | None, template: Template
                ) -> Issue | None:
    label = template.by_code[claim.code].label
    said = f"Phần thuyết minh của báo cáo ({claim.place.describe()}) nêu «{claim.text}»"
    if observation is None or not observation.present or observation.place is None:
        return Issue("narrative.missing_row", "warning", (claim.code,), (
            f"{said}, nhưng Phụ lục 01b không có dòng mã {claim.code} «{label}». Đề nghị bổ "
            f"sung dòng này với số liệu {vi_number(claim.value)}."))
    cell = observation.place.describe()
    if observation.value is None:
        return Issue("narrative.blank_cell", "warning", (claim.code,), (
            f"{said}, nhưng ô mã {claim.code} «{label}» trong Phụ lục 01b để trống ({cell}). "
            f"Đề nghị ghi {vi_number(claim.value)} vào phụ lục, hoặc sửa phần thuyết minh nếu "
            "số liệu đó không đúng."))
    if abs(float(observation.value) - float(claim.value)) <= _TOLERANCE:
        return None
    return Issue("narrative.mismatch", "warning", (claim.code,), (
        f"{said}, nhưng Phụ lục 01b ghi mã {claim.code} «{label}» = "
        f"{vi_number(observation.value)} ({cell}). Đề nghị thống nhất số liệu giữa phần "
        "thuyết minh và phụ lục."))
