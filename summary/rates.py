"""Derived rates the officer used to compute by hand, the same way at every level.

A rate is Σ numerator parts / Σ denominator over the communes that reported every part (blank
is not zero: a commune that left a part blank is left out of both sums), never an average of
the communes' own rates, so that a district rate is the rate of its dossiers, not of its
communes. One commune's rate is the same formula over that one commune.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cchc.summary.model import RateValue


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


RATES: tuple[Rate, ...] = (
    Rate("on_time", "Tỷ lệ hồ sơ giải quyết đúng hẹn", "Đúng hạn", ("3.3.2",), "3.3.1"),
    Rate("online", "Tỷ lệ hồ sơ tiếp nhận trực tuyến (một phần và toàn trình)", "Trực tuyến",
         ("3.3.1.c", "3.3.1.d"), "3.3.1"),
    Rate("plan", "Tỷ lệ hoàn thành nhiệm vụ kế hoạch CCHC", "Hoàn thành KH", ("1.1.2",),
         "1.1.1"),
)


def compute(rate: Rate, communes: Iterable[Mapping[str, float | None]]) -> RateValue:
    """The rate over these communes' figures (code → value, None for blank)."""
    complete = [c for c in communes if all(c.get(code) is not None for code in rate.parts)]
    numerator = sum(sum(c[code] for code in rate.numerator) for c in complete)
    denominator = sum(c[rate.denominator] for c in complete)
    value = 100 * numerator / denominator if complete and denominator else None
    return RateValue(rate.key, rate.label, rate.formula, value,
                     numerator if complete else None, denominator if complete else None,
                     len(complete))


def compute_all(communes: Iterable[Mapping[str, float | None]]) -> dict[str, RateValue]:
    """Every rate of RATES over the same communes, by key."""
    communes = list(communes)
    return {rate.key: compute(rate, communes) for rate in RATES}
