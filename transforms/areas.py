"""The areas a roll-up sums over (a district before the reform, a province on either map) and
what the warehouse reads for one of their communes' reports. Below both the warehouse, which
selects by them, and the summary and the desk, which show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from cchc.transforms.admin_units import Unit

Level = Literal["district", "province"]


@dataclass(frozen=True)
class Area:
    """The district or province summed up, with the communes the registry gives it on
    ``admin_map``, the map in force at the period's end (a 2025 province has no districts)."""

    level: Level
    code: str
    name: str
    districts: tuple[Unit, ...]
    communes: tuple[Unit, ...]
    admin_map: str = "legacy"

    @property
    def district_codes(self) -> tuple[str, ...]:
        return tuple(d.code for d in self.districts)

    @property
    def by_district(self) -> bool:
        """Whether its communes are shown grouped by district: a legacy province only."""
        return self.level == "province" and self.admin_map == "legacy"


@dataclass(frozen=True)
class Receipt:
    """One report a commune sent for the period, as timeliness sees it: when it came, and
    whether the officer returned it (then ``resubmit_by``, the return letter's deadline)."""

    received_at: datetime
    returned: bool = False
    resubmit_by: date | None = None
