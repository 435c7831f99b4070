"""Cross-field rules of Phụ lục 01b, read from ``reference/rules.yaml``, and their messages.

Rules are data so that an analyst can add one without touching code. The loader is strict (style
#4): an unknown key, a duplicate name, a code that is not a value row of the catalog, a bad op,
severity or blank policy, or a message with a placeholder it cannot fill is refused with the rule
and the reason, never warned about and skipped, because a skipped rule passes every report.

Deciding pass / fail / undecided is Great Expectations' job (``transforms.expectations``); this
module only says what a rule is and how its issue reads.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

from cchc.errors import ReferenceDataError
from cchc.template.appendix import Template
from cchc.template.catalog import Indicator
from cchc.transforms.model import Observation, Severity, Value

Op = Literal["<=", "=", ">="]
BlankPolicy = Literal["skip_if_any_blank", "skip_if_all_blank"]

OPS: tuple[str, ...] = ("<=", "=", ">=")
SEVERITIES: tuple[str, ...] = ("error", "warning")
BLANK_POLICIES: tuple[str, ...] = ("skip_if_any_blank", "skip_if_all_blank")
PLACEHOLDERS: tuple[str, ...] = tuple(
    f"{side}_{part}" for side in ("left", "right")
    for part in ("codes", "labels", "value", "detail"))
_KEYS = ("name", "left", "op", "right", "severity", "blank", "message", "description")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Rule:
    """``sum(left) op sum(right)`` over one report's figures."""

    name: str
    left: tuple[str, ...]
    op: Op
    right: tuple[str, ...]
    severity: Severity
    blank: BlankPolicy
    message: str
    description: str

    @property
    def codes(self) -> tuple[str, ...]:
        """Every code the rule reads, left side first: the codes its issue names."""
        return (*self.left, *self.right)

    @property
    def issue_rule(self) -> str:
        return f"rule.{self.name}"


@cache
def load_rules(template: Template) -> tuple[Rule, ...]:
    """Read and check the template's rules file (the office's, when the setting ``rules``
    named one; kept per template: one command reads them once); rules come back in file
    order."""
    path = template.rules_path
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ReferenceDataError(f"{path}: cannot read the rules: {exc}") from exc
    entries = document.get("rules") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ReferenceDataError(f"{path}: expected a non-empty list under 'rules'")
    values = {indicator.code: indicator for indicator in template.value_indicators}
    rules = [_rule(path, number, entry, values) for number, entry in enumerate(entries, start=1)]
    names = [rule.name for rule in rules]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ReferenceDataError(f"{path.name}: duplicate rule names {duplicates}")
    return tuple(rules)


def _rule(path: Path, number: int, entry: object, values: dict[str, Indicator]) -> Rule:
    if not isinstance(entry, dict):
        raise ReferenceDataError(f"{path.name}, rule #{number}: expected a mapping, got {entry!r}")
    where = f"{path.name}, rule {entry.get('name') or f'#{number}'}"
    unknown = sorted(set(entry) - set(_KEYS))
    if unknown:
        raise ReferenceDataError(f"{where}: unknown keys {unknown}; allowed: {list(_KEYS)}")
    missing = [key for key in _KEYS if key not in entry]
    if missing:
        raise ReferenceDataError(f"{where}: missing keys {missing}")
    name = entry["name"]
    if not isinstance(name, str) or not _NAME.match(name):
        raise ReferenceDataError(f"{where}: name {name!r} must be snake_case (a-z, 0-9, _)")
    for key, allowed in (("op", OPS), ("severity", SEVERITIES), ("blank", BLANK_POLICIES)):
        if entry[key] not in allowed:
            raise ReferenceDataError(f"{where}: {key} {entry[key]!r} is not one of {allowed}")
    left = _codes(where, "left", entry["left"], values)
    right = _codes(where, "right", entry["right"], values)
    both = sorted(set(left) & set(right))
    if both:
        raise ReferenceDataError(f"{where}: codes {both} are on both sides")
    _check_message(where, entry["message"])
    if not isinstance(entry["description"], str) or not entry["description"].strip():
        raise ReferenceDataError(f"{where}: empty description; say why the rule holds")
    return Rule(name=name, left=left, op=entry["op"], right=right, severity=entry["severity"],
                blank=entry["blank"], message=" ".join(entry["message"].split()),
                description=" ".join(entry["description"].split()))


def _codes(where: str, side: str, codes: object, values: dict[str, Indicator]
           ) -> tuple[str, ...]:
    """A side's codes: a non-empty list of distinct value rows that can be added up."""
    if not isinstance(codes, list) or not codes:
        raise ReferenceDataError(f"{where}: {side} must be a non-empty list of codes")
    result = tuple(str(code) for code in codes)
    if len(set(result)) != len(result):
        raise ReferenceDataError(f"{where}: {side} lists a code twice: {list(result)}")
    unknown = [code for code in result if code not in values]
    if unknown:
        raise ReferenceDataError(
            f"{where}: {side} codes {unknown} are not value rows of the catalog "
            "(reference/indicators.yaml)")
    choices = [code for code in result if values[code].kind == "choice"]
    if choices:
        raise ReferenceDataError(
            f"{where}: {side} codes {choices} are choices (coded answers), which cannot be added")
    return result


def _check_message(where: str, message: object) -> None:
    if not isinstance(message, str) or not message.strip():
        raise ReferenceDataError(f"{where}: empty message")
    try:
        fields = [(name, spec, conversion)
                  for _, name, spec, conversion in string.Formatter().parse(message)
                  if name is not None]
    except ValueError as exc:
        raise ReferenceDataError(f"{where}: message does not parse as a template: {exc}") from exc
    for name, spec, conversion in fields:
        if name not in PLACEHOLDERS or spec or conversion:
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (
                f":{spec}" if spec else "") + "}"
            raise ReferenceDataError(
                f"{where}: message placeholder {shown} is not one of "
                f"{['{' + p + '}' for p in PLACEHOLDERS]}")
    used = {name for name, _, _ in fields}
    missing = [p for p in ("left_detail", "right_detail") if p not in used]
    if missing:
        raise ReferenceDataError(
            f"{where}: message must say where the figures are: add "
            f"{['{' + p + '}' for p in missing]}")


def render(rule: Rule, observations: dict[str, Observation], left: Value, right: Value,
           template: Template) -> str:
    """The rule's message for one report, given that report's observations and side sums."""
    return rule.message.format(
        left_codes=code_list(rule.left), right_codes=code_list(rule.right),
        left_labels=label_list(rule.left, template),
        right_labels=label_list(rule.right, template),
        left_value=vi_number(left), right_value=vi_number(right),
        left_detail=detail(rule.left, observations),
        right_detail=detail(rule.right, observations),
    )


def code_list(codes: tuple[str, ...]) -> str:
    """"1.1.2"; "5.4 + 5.5"; a run of "Trong đó" rows as "3.3.1.a–d"."""
    parents = {code.rsplit(".", 1)[0] for code in codes}
    letters = [code.rsplit(".", 1)[1] for code in codes]
    consecutive = all(len(x) == 1 and x.isalpha() for x in letters) and letters == [
        chr(ord(letters[0]) + i) for i in range(len(letters))]
    if len(codes) >= 3 and len(parents) == 1 and consecutive:
        return f"{parents.pop()}.{letters[0]}–{letters[-1]}"
    return " + ".join(codes)


def label_list(codes: tuple[str, ...], template: Template) -> str:
    catalog = template.by_code
    return " + ".join(f"«{catalog[code].label}»" for code in codes)


def detail(codes: tuple[str, ...], observations: dict[str, Observation]) -> str:
    """Each code with its value and where it was read, or why it has none."""
    return ", ".join(describe(code, observations.get(code)) for code in codes)


def describe(code: str, observation: Observation | None) -> str:
    """"mã 3.3.1 = 841 (dòng 787)", "mã 3.3.1.b để trống (dòng 791)"."""
    if observation is None or not observation.present or observation.place is None:
        return f"mã {code} không có trong phụ lục"
    where = observation.place.describe()
    if observation.value is None:
        return f"mã {code} để trống ({where})"
    return f"mã {code} = {vi_number(observation.value)} ({where})"


def vi_number(value: Value) -> str:
    """A number as a Vietnamese officer writes it: 1.234 for thousands, 99,47 for decimals."""
    if value is None:
        return "(trống)"
    rounded = round(float(value), 6)
    sign = "-" if rounded < 0 else ""
    whole, fraction = f"{abs(rounded):.6f}".rstrip("0").rstrip(".").partition(".")[::2]
    grouped = f"{int(whole):,}".replace(",", ".")
    return sign + grouped + ("," + fraction if fraction else "")
