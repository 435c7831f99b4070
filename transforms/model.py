"""The typed report that transforms make of a RawReport: what every later stage consumes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from cchc.template.raw import Format, Place

Severity = Literal["error", "warning"]
Value = int | float | None


@dataclass(frozen=True)
class Observation:
    """One catalog row's figure in one report. ``value`` is None when the cell was blank."""

    code: str
    value: Value
    unit: str
    raw: str
    place: Place | None
    present: bool = True

    def to_json(self) -> dict:
        """The contract's indicator object: code, value, unit, raw and where it was read."""
        where = {k: v for k, v in asdict(self.place).items() if v is not None} if self.place else {}
        return {"code": self.code, "value": self.value, "unit": self.unit, "raw": self.raw,
                **where}


@dataclass(frozen=True)
class Issue:
    """Something a person must look at, in Vietnamese, naming the codes and the place."""

    rule: str
    severity: Severity
    codes: tuple[str, ...]
    message: str

    def to_json(self) -> dict:
        return {"rule": self.rule, "severity": self.severity, "codes": list(self.codes),
                "message": self.message}


@dataclass(frozen=True)
class ReportMeta:
    """What the report says about itself. Anything not found is None, never a guess."""

    commune_code: str | None = None
    commune_name: str | None = None
    district_code: str | None = None
    district_name: str | None = None
    province_code: str | None = None
    period: str | None = None
    report_date: str | None = None
    doc_number: str | None = None
    window_start: str | None = None
    window_end: str | None = None
    admin_map: str | None = None  # "legacy" | "2025": the map the commune was matched on


@dataclass(frozen=True)
class Source:
    path: str
    sha256: str
    format: Format


@dataclass(frozen=True)
class Report:
    """One extracted report: the ``cchc extract --json`` object."""

    source: Source
    meta: ReportMeta
    observations: tuple[Observation, ...]
    issues: tuple[Issue, ...] = field(default=())

    @property
    def admin_map(self) -> str | None:
        """The map the report is on ("legacy" or "2025"), None when the commune was not read:
        its codes mean nothing without it (15865 is Bút Sơn on one map, Hoằng Hóa on the other).
        """
        return self.meta.admin_map

    def value(self, code: str) -> Value:
        return next(o.value for o in self.observations if o.code == code)

    def to_json(self) -> dict:
        return {
            "source": asdict(self.source),
            "report": asdict(self.meta),
            "indicators": [o.to_json() for o in self.observations],
            "issues": [i.to_json() for i in self.issues],
        }
