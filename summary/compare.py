"""The change from the same period a year earlier, computed only on what both periods have.

An area's total this period and a year earlier are sums over whichever communes reported each
time. When 32 communes reported this period and 5 a year earlier, the difference of the two
totals is not growth (it printed "+572 %"). So a change is computed like for like: over the
communes that reported the figure in both periods, and said so beside it when that is not every
commune that reported it. A figure that is not a sum (a mean, a recomputed percentage, a share
answering yes) is compared only when exactly the same communes reported it both times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cchc import shown
from cchc.summary.rates import compute
from cchc.template.appendix import Rate

Values = Mapping[str, Mapping[str, float | None]]  # commune → code → value (None for blank)


@dataclass(frozen=True)
class Change:
    """What the "Thay đổi" cell says: the change itself, and on how many communes it was
    computed when that is fewer than reported in either period (``n_common``), else None."""

    text: str
    n_common: int | None = None

    @property
    def shown(self) -> str:
        if self.n_common is None:
            return self.text
        return f"{self.text} — tính trên {self.n_common} xã có số liệu cả hai kỳ"


NOT_COMPARABLE = Change("không so sánh được: số xã báo cáo hai kỳ khác nhau")
NO_COMMON = Change("không so sánh được: không xã nào có số liệu cả hai kỳ")


def _reporting(values: Values, codes: tuple[str, ...]) -> set[str]:
    return {commune for commune, figures in values.items()
            if all(figures.get(code) is not None for code in codes)}


def figure_change(code: str, aggregation: str | None, now: float | None, then: float | None,
                  now_values: Values, then_values: Values, points: bool = False) -> Change:
    """The change of one roll-up figure (``now`` and ``then`` are the area's values)."""
    now_set, then_set = _reporting(now_values, (code,)), _reporting(then_values, (code,))
    if now_set == then_set:
        return Change(difference(now, then, points))
    common = now_set & then_set
    if aggregation != "sum":
        return NOT_COMPARABLE
    if not common:
        return NO_COMMON
    return Change(difference(sum(now_values[c][code] for c in common),
                             sum(then_values[c][code] for c in common)), len(common))


def rate_change(rate: Rate, now_values: Values, then_values: Values) -> Change:
    """The change of a derived rate, in points, over the communes complete in both periods."""
    now_set, then_set = _reporting(now_values, rate.parts), _reporting(then_values, rate.parts)
    common = now_set & then_set
    if not common:
        return NO_COMMON if now_set or then_set else Change(shown.NONE)
    now = compute(rate, [now_values[c] for c in common]).value
    then = compute(rate, [then_values[c] for c in common]).value
    text = difference(now, then, points=True)
    return Change(text) if now_set == then_set else Change(text, len(common))


def difference(now: float | None, then: float | None, points: bool = False) -> str:
    """"+120 (+10,0%)", or "+2,5 điểm %" between two percentages; a dash when one is blank."""
    if now is None or then is None:
        return shown.NONE
    delta = now - then
    sign = "+" if delta > 0 else ""
    if points:
        return f"{sign}{shown.number(delta, 1)} điểm %"
    relative = f" ({sign}{shown.percent(100 * delta / then)})" if then else ""
    return f"{sign}{shown.number(delta)}{relative}"
