"""The indicator catalog of Phụ lục 01b, read from ``reference/indicators.yaml``.

The catalog is data so that a new template revision is an edit to a file, not to code. The
loader is strict (unknown keys, duplicate codes, unknown parents or weights, choices on a
non-choice row all fail loudly), because a silently skipped row would be a silently wrong figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from rapidfuzz import fuzz

from cchc.errors import ReferenceDataError
from cchc.template.text import clean, compact

_LABEL_HEAD = 18
_LABEL_HEAD_MATCH = 78

Kind = Literal["group", "count", "percent", "choice"]
Aggregation = Literal["sum", "weighted_percent", "mean_min_max", "count_by_code", "yes_share"]

KINDS: tuple[str, ...] = ("group", "count", "percent", "choice")
AGGREGATIONS: tuple[str, ...] = (
    "sum", "weighted_percent", "mean_min_max", "count_by_code", "yes_share",
)
_KEYS = {
    "code", "label", "unit", "kind", "choices", "yes_code", "aggregation", "weight", "variants",
    "required",
}
_AGGREGATIONS_BY_KIND = {
    "group": {None},
    "count": {"sum"},
    "percent": {"weighted_percent", "mean_min_max"},
    "choice": {"count_by_code", "yes_share"},
}


@dataclass(frozen=True)
class Indicator:
    """One row of the template."""

    code: str
    label: str
    kind: Kind
    unit: str = ""
    parent: str | None = None
    aggregation: Aggregation | None = None
    weight: str | None = None
    choices: dict[int, str] = field(default_factory=dict)
    yes_code: int | None = None
    variants: tuple[str, ...] = ()
    required: bool = False

    @property
    def has_value(self) -> bool:
        return self.kind != "group"

    @property
    def is_breakdown(self) -> bool:
        """A "Trong đó" row: printed without a code of its own under its total."""
        return self.code[-1].isalpha()

    @property
    def legend(self) -> tuple[str, ...]:
        """The unit cell's lines; for a choice, its "label = code" items."""
        return tuple(line for line in self.unit.split("\n") if line)


def normalise_code(printed: str) -> str:
    """"2.3." → "2.3", "3. 3. 1" → "3.3.1", "3,3,1" → "3.3.1"; anything not a code → ""."""
    code = re.sub(r"\s+", "", printed).replace(",", ".").rstrip(".")
    return code if re.fullmatch(r"\d{1,2}(\.\d{1,2}){0,3}", code) else ""


def parent_of(code: str) -> str | None:
    """The enclosing row's code: "3.3.1.a" → "3.3.1", "3.3.1" → "3.3", "3" → None."""
    return code.rsplit(".", 1)[0] if "." in code else None


def load_catalog(path: Path) -> tuple[Indicator, ...]:
    """Read and check a catalog file (the template's: ``template.appendix.load_template``
    reads it); rows come back in template order."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ReferenceDataError(f"{path}: cannot read the indicator catalog: {exc}") from exc
    entries = document.get("indicators") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ReferenceDataError(f"{path}: expected a non-empty list under 'indicators'")
    indicators = [_indicator(path, entry) for entry in entries]
    _check_references(path, indicators)
    return tuple(indicators)


def _indicator(path: Path, entry: dict) -> Indicator:
    code = str(entry.get("code", ""))
    where = f"{path.name}, row {code or '?'}"
    unknown = set(entry) - _KEYS
    if unknown:
        raise ReferenceDataError(
            f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_KEYS)}")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise ReferenceDataError(f"{where}: kind {kind!r} is not one of {KINDS}")
    aggregation = entry.get("aggregation")
    if aggregation not in _AGGREGATIONS_BY_KIND[kind]:
        allowed = sorted(a for a in _AGGREGATIONS_BY_KIND[kind] if a)
        raise ReferenceDataError(f"{where}: a {kind} row cannot use aggregation {aggregation!r}; "
                                 f"allowed: {allowed or 'none'}")
    choices = {int(k): clean(v) for k, v in (entry.get("choices") or {}).items()}
    if (kind == "choice") != bool(choices):
        raise ReferenceDataError(f"{where}: choices are required on, and only on, choice rows")
    yes = entry.get("yes_code")
    if yes is not None and yes not in choices:
        raise ReferenceDataError(
            f"{where}: yes_code={yes!r} is not one of its choices {sorted(choices)}")
    if (aggregation == "yes_share") != (yes is not None):
        raise ReferenceDataError(
            f"{where}: aggregation yes_share needs 'yes_code', and only it does")
    if (aggregation == "weighted_percent") != ("weight" in entry):
        raise ReferenceDataError(f"{where}: weighted_percent needs 'weight', and only it does")
    return Indicator(
        code=code,
        label=clean(entry.get("label")),
        kind=kind,
        unit="\n".join(clean(line) for line in str(entry.get("unit", "")).split("\n")).strip(),
        parent=parent_of(code),
        aggregation=aggregation,
        weight=entry.get("weight"),
        choices=choices,
        yes_code=yes,
        variants=tuple(clean(v) for v in entry.get("variants", ())),
        required=bool(entry.get("required", False)),
    )


def _check_references(path: Path, indicators: list[Indicator]) -> None:
    codes = [i.code for i in indicators]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise ReferenceDataError(f"{path.name}: duplicate codes {duplicates}")
    known = set(codes)
    for indicator in indicators:
        if not indicator.label:
            raise ReferenceDataError(f"{path.name}, row {indicator.code}: empty label")
        if indicator.parent is not None and indicator.parent not in known:
            raise ReferenceDataError(
                f"{path.name}, row {indicator.code}: its parent {indicator.parent} is not in "
                "the catalog")
        if indicator.weight is not None and indicator.weight not in known:
            raise ReferenceDataError(
                f"{path.name}, row {indicator.code}: weight {indicator.weight} is not in "
                "the catalog")


def label_begins(text: str, indicator: Indicator) -> bool:
    """Does ``text`` begin the way the indicator's label (or one of its variants) begins?

    Compared without accents, case or spaces, on the label's first characters, and tolerant of a
    typo or two: enough to tell a row's start from a wrapped line or a stray value.
    """
    head = compact(text)
    for label in (indicator.label, *indicator.variants):
        expected = compact(label)[:_LABEL_HEAD]
        if expected and fuzz.ratio(head[: len(expected)], expected) >= _LABEL_HEAD_MATCH:
            return True
    return False
