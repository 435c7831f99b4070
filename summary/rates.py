"""Derived rates the officer used to compute by hand, the same way at every level.

A rate is Σ numerator parts / Σ denominator over the communes that reported every part (blank
is not zero: a commune that left a part blank is left out of both sums), never an average of
the communes' own rates, so that a district rate is the rate of its dossiers, not of its
communes. One commune's rate is the same formula over that one commune.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from cchc.summary.model import RateValue
from cchc.template.appendix import Rate


def compute(rate: Rate, communes: Iterable[Mapping[str, float | None]]) -> RateValue:
    """The rate over these communes' figures (code → value, None for blank)."""
    complete = [c for c in communes if all(c.get(code) is not None for code in rate.parts)]
    numerator = sum(sum(c[code] for code in rate.numerator) for c in complete)
    denominator = sum(c[rate.denominator] for c in complete)
    value = 100 * numerator / denominator if complete and denominator else None
    return RateValue(rate.key, rate.label, rate.formula, value,
                     numerator if complete else None, denominator if complete else None,
                     len(complete))


def compute_all(communes: Iterable[Mapping[str, float | None]], rates: Sequence[Rate]
                ) -> dict[str, RateValue]:
    """Every rate (the template's, ``template.summary.rates``) over the same communes, by key."""
    communes = list(communes)
    return {rate.key: compute(rate, communes) for rate in rates}
