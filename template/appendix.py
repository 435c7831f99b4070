"""The template a report's appendix follows, loaded once and handed to whoever needs it.

A ``Template`` is everything cchc knows about Phụ lục 01b: its catalog rows, its title and
header words (how a reader finds the table), its rules and narrative phrases (their files; the
transforms parse them), the codes the summary's rates and charts are made of, its name, version
and the fingerprint of its files. Commands load it once (``load_template``) and pass it down, so
that no reader or check reaches for a default path, and a second template, when one comes, is
a second ``template.yaml`` rather than a rewrite.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

from cchc.errors import ReferenceDataError
from cchc.template.catalog import Indicator, load_catalog
from cchc.template.text import fold

TEMPLATE_PATH = Path(__file__).resolve().parent.parent / "reference" / "template.yaml"

_KEYS = {"name", "version", "catalog", "rules", "narrative", "title", "header", "summary"}
_COLUMNS = ("code", "label", "unit", "value", "note")


@dataclass(frozen=True)
class Rate:
    """A rate as data: its key, Vietnamese name, and the catalog codes it is made of."""

    key: str
    label: str
    short: str
    numerator: tuple[str, ...]
    denominator: str

    @property
    def parts(self) -> tuple[str, ...]:
        return (*self.numerator, self.denominator)

    @property
    def formula(self) -> str:
        top = " + ".join(self.numerator)
        return f"({top}) / {self.denominator}" if len(self.numerator) > 1 else \
            f"{top} / {self.denominator}"


@dataclass(frozen=True)
class SummaryCodes:
    """The rows the roll-up's rates, charts and comparisons are made of."""

    rates: tuple[Rate, ...]
    channels: tuple[tuple[str, str, str], ...]  # code, name, colour
    compared: tuple[str, ...]
    year_on_year: tuple[str, ...]
    dossiers: str


@dataclass(frozen=True, eq=False, repr=False)
class Template:
    """One appendix template with everything a reader, a check or the summary asks of it.

    Compared and hashed by identity: the transforms keep what they parse of its files (rules,
    phrases) by the template they were given, and one command loads one template.
    """

    name: str
    version: str
    indicators: tuple[Indicator, ...]
    title: re.Pattern[str]  # on folded text
    columns: tuple[tuple[str, str], ...]  # folded start of a header cell → the column it names
    header_starts: tuple[str, ...]
    header_ends: str
    header_label: str
    header_words: frozenset[str]
    rules_path: Path
    narrative_path: Path
    summary: SummaryCodes
    fingerprint: str  # SHA-256 over the template's files

    @cached_property
    def by_code(self) -> dict[str, Indicator]:
        return {i.code: i for i in self.indicators}

    @cached_property
    def value_indicators(self) -> tuple[Indicator, ...]:
        """The rows that carry a value (everything but group headings), in template order."""
        return tuple(i for i in self.indicators if i.has_value)

    def breakdowns_of(self, code: str) -> tuple[Indicator, ...]:
        """The "Trong đó" rows under a total, in template order (empty for most rows)."""
        return self._breakdowns.get(code, ())

    @cached_property
    def _breakdowns(self) -> dict[str, tuple[Indicator, ...]]:
        found: dict[str, list[Indicator]] = {}
        for indicator in self.indicators:
            if indicator.is_breakdown and indicator.parent is not None:
                found.setdefault(indicator.parent, []).append(indicator)
        return {code: tuple(rows) for code, rows in found.items()}

    def __repr__(self) -> str:
        """Short, and the same for the same files: the desk's page cache keys on it."""
        return f"Template({self.name!r}, {self.version!r}, {self.fingerprint[:16]})"

    def is_title(self, text: str) -> bool:
        """Does this (unfolded) text carry the appendix's title anywhere?"""
        return self.title.search(fold(text)) is not None


def load_template(path: Path = TEMPLATE_PATH, rules: Path | None = None) -> Template:
    """Read and check a template file and the files it names.

    ``rules``: the office's own rules file (the setting of that name), in place of the
    template's. Strict like every reference loader: a key it does not know, a column it does
    not know or a summary code not in the catalog fails here, not as a silently wrong figure.
    """
    document = _document(path)
    unknown = set(document) - _KEYS
    if unknown:
        raise ReferenceDataError(
            f"{path}: unknown keys {sorted(unknown)}; allowed: {sorted(_KEYS)}")
    folder = path.parent
    catalog_path = folder / str(document.get("catalog", ""))
    rules_path = rules or folder / str(document.get("rules", ""))
    narrative_path = folder / str(document.get("narrative", ""))
    indicators = load_catalog(catalog_path)
    header = document.get("header") or {}
    template = Template(
        name=_text(path, document, "name"),
        version=_text(path, document, "version"),
        indicators=indicators,
        title=_pattern(path, _text(path, document, "title")),
        columns=_columns(path, header.get("columns")),
        header_starts=tuple(str(s) for s in header.get("starts") or ()),
        header_ends=str(header.get("ends", "")),
        header_label=str(header.get("label", "")),
        header_words=frozenset(re.findall(r"\w+", fold(str(header.get("printed", ""))))),
        rules_path=rules_path,
        narrative_path=narrative_path,
        summary=_summary(path, document.get("summary") or {}),
        fingerprint=_fingerprint((path, catalog_path, rules_path, narrative_path)),
    )
    known = set(template.by_code)
    used = {code for rate in template.summary.rates for code in rate.parts} | {
        code for code, _, _ in template.summary.channels} | set(template.summary.compared) | set(
        template.summary.year_on_year) | {template.summary.dossiers}
    if used - known:
        raise ReferenceDataError(
            f"{path}: summary codes {sorted(used - known)} are not rows of {catalog_path.name}")
    return template


def _document(path: Path) -> dict:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ReferenceDataError(f"{path}: cannot read the template: {exc}") from exc
    if not isinstance(document, dict):
        raise ReferenceDataError(f"{path}: expected a mapping of the template's keys")
    return document


def _text(path: Path, document: dict, key: str) -> str:
    value = document.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ReferenceDataError(f"{path}: '{key}' must be a non-empty text")
    return value.strip()


def _pattern(path: Path, text: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as exc:
        raise ReferenceDataError(f"{path}: title {text!r} is not a regular expression: {exc}"
                                 ) from exc


def _columns(path: Path, entries: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(entries, list) or not entries:
        raise ReferenceDataError(f"{path}: header.columns must list [words, column] pairs")
    columns = []
    for entry in entries:
        if not (isinstance(entry, list) and len(entry) == 2 and entry[1] in _COLUMNS):
            raise ReferenceDataError(
                f"{path}: header column {entry!r} must be [words, one of {_COLUMNS}]")
        columns.append((fold(str(entry[0])), str(entry[1])))
    return tuple(columns)


def _summary(path: Path, entries: dict) -> SummaryCodes:
    try:
        return SummaryCodes(
            rates=tuple(Rate(str(r["key"]), str(r["label"]), str(r["short"]),
                             tuple(str(c) for c in r["numerator"]), str(r["denominator"]))
                        for r in entries["rates"]),
            channels=tuple((str(code), str(name), str(colour))
                           for code, name, colour in entries["channels"]),
            compared=tuple(str(c) for c in entries["compared"]),
            year_on_year=tuple(str(c) for c in entries["year_on_year"]),
            dossiers=str(entries["dossiers"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ReferenceDataError(f"{path}: summary is incomplete or malformed ({exc})") from exc


def _fingerprint(paths: tuple[Path, ...]) -> str:
    try:
        digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]
    except OSError as exc:
        raise ReferenceDataError(f"cannot read a template file: {exc}") from exc
    return hashlib.sha256("".join(digests).encode()).hexdigest()
