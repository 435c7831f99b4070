"""The template's arithmetic checked on the roll-up too, and the communes that break it named.

Each accepted report passed the template's rules ("đã xử lý xong" 1.2.3 ≤ "phát hiện" 1.2.2, a
total equal to its "Trong đó" rows), yet their sums may not: a commune that reports the part and
leaves its whole blank adds to the part's total and not to the whole's, and a district total
then reads 68 handled out of 55 found. Every error rule of reference/rules.yaml whose codes are
all summed is checked on the area's totals; a failure is said with the figures and the
communes that make it so (a part reported with its whole blank, or the other way round for an
equality), so the officer knows whom to ask and does not send a total that contradicts itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cchc.summary.model import FollowUp, Line
from cchc.template.appendix import Template
from cchc.transforms.rules import Rule, code_list, load_rules, vi_number

TOLERANCE = 1e-6
_HOLDS = {"<=": lambda a, b: a <= b + TOLERANCE, ">=": lambda a, b: a + TOLERANCE >= b,
          "=": lambda a, b: abs(a - b) <= TOLERANCE}


def rollup_issues(lines: Sequence[Line], values: Mapping[str, Mapping[str, float | None]],
                  names: Mapping[str, str], template: Template) -> list[FollowUp]:
    """A follow-up line for each error rule the area's totals break. ``lines`` are the area's
    roll-up rows, ``values`` commune → code → value of the reports counted, ``names`` commune
    → its name."""
    by_code = {line.code: line for line in lines}
    found = []
    for rule in load_rules(template):
        if rule.severity != "error" or not _summed(rule, by_code):
            continue
        left, right = _total(rule.left, by_code), _total(rule.right, by_code)
        if left is None or right is None or _HOLDS[rule.op](left, right):
            continue
        found.append(_said(rule, left, right, _culprits(rule, values, names), template))
    return found


def _summed(rule: Rule, by_code: Mapping[str, Line]) -> bool:
    return all(code in by_code and by_code[code].aggregation == "sum" for code in rule.codes)


def _total(codes: Sequence[str], by_code: Mapping[str, Line]) -> float | None:
    values = [by_code[code].value for code in codes if by_code[code].value is not None]
    return sum(values) if values else None


def _culprits(rule: Rule, values: Mapping[str, Mapping[str, float | None]],
              names: Mapping[str, str]) -> list[str]:
    """Communes that reported one side of the rule and left the other blank."""
    def reported(figures: Mapping[str, float | None], codes: Sequence[str]) -> bool:
        return any(figures.get(code) is not None for code in codes)

    return sorted(names.get(code, code) for code, figures in values.items()
                  if reported(figures, rule.left) != reported(figures, rule.right))


def _said(rule: Rule, left: float, right: float, culprits: list[str], template: Template
          ) -> FollowUp:
    words = {"<=": "lớn hơn", ">=": "nhỏ hơn", "=": "khác"}[rule.op]
    message = (f"Số liệu tổng hợp tự mâu thuẫn: tổng mã {code_list(rule.left)} = "
               f"{vi_number(left)} {words} tổng mã {code_list(rule.right)} = {vi_number(right)}"
               f" (mẫu {template.name} đòi hỏi "
               f"{code_list(rule.left)} {rule.op.replace('<=', '≤').replace('>=', '≥')} "
               f"{code_list(rule.right)}).")
    if culprits:
        message += (" Do các xã ghi một bên mà để trống bên kia: " + ", ".join(culprits) +
                    "; đề nghị các xã này bổ sung số liệu còn thiếu trước khi gửi tổng hợp.")
    return FollowUp("rollup", message, codes=rule.codes)
