"""``summary.build``: the district's (or province's) summary for one period, as XLSX and HTML.

What ``cchc summary`` calls. Arguments are checked before the warehouse is opened, and every
refusal is a ``SummaryError`` (a ``CchcError``) with one line that says what to pass instead.
The warehouse is opened read-only, so a summary can run beside the nightly load.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cchc import shown
from cchc.summary.errors import (
    AreaChoiceError,
    DistrictsEndedError,
    NoReportsError,
    PeriodKeyError,
    UnknownAreaError,
)
from cchc.summary.gather import collect
from cchc.summary.html import write_html
from cchc.summary.timeliness import deadline_for, parse_deadlines
from cchc.summary.workbook import write_workbook
from cchc.template.appendix import Template
from cchc.transforms import admin_units
from cchc.transforms.areas import Area
from cchc.transforms.periods import Period, parse_period
from cchc.warehouse import summary_queries as queries
from cchc.warehouse.schema import connect

_LEVEL_WORD = {"district": "huyen", "province": "tinh"}


@dataclass(frozen=True)
class SummaryPaths:
    """Where the summary was written."""

    xlsx: Path
    html: Path


def build(db_path: str | Path, period: str, *, template: Template, district: str | None = None,
          province: str | None = None, out_dir: str | Path,
          deadlines: Mapping[str, object] | None = None,
          retry_seconds: float = 30) -> SummaryPaths:
    """Write the consolidated Phụ lục 01b workbook and the HTML report for one area and period.

    ``deadlines`` maps period keys to ISO dates ("2024-9M": "2024-09-25") and overrides the
    default deadline (the 20th of the period's last month) for those periods.
    """
    key = parse_period_key(period)
    area = resolve_area(district, province, key)
    deadline = deadline_for(key, parse_deadlines(deadlines))
    con = connect(db_path, read_only=True, retry_seconds=retry_seconds)
    try:
        if queries.count_reports(con, area, key.key) == 0:
            known = queries.periods_with_reports(con, area)
            raise NoReportsError(
                f"chưa có báo cáo nào của {area.name} ({area.code}) kỳ {key.label} trong "
                f"{db_path}; "
                + (f"các kỳ đã có báo cáo: {', '.join(shown.period(k) for k in known)}"
                   if known else "chưa có báo cáo của kỳ nào: hãy chạy lần nạp ban đêm trước"))
        summary = collect(con, area, key, deadline, template)
    finally:
        con.close()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"tong-hop-cchc_{_LEVEL_WORD[area.level]}-{area.code}_{key.key}"
    paths = SummaryPaths(out / f"{stem}.xlsx", out / f"{stem}.html")
    _write_atomically(paths.xlsx, lambda tmp: write_workbook(summary, tmp))
    _write_atomically(paths.html, lambda tmp: write_html(summary, tmp))
    return paths


def resolve_area(district: str | None, province: str | None, period: Period) -> Area:
    """The area with its districts and communes from the registry, on the map in force at the
    period's end; exactly one code given. Districts ended on 2025-06-30: a district for a
    later period is refused with the province to ask for instead."""
    if (district is None) == (province is None):
        which = "cả" if district is not None else "không có"
        raise AreaChoiceError(f"{which} huyện và tỉnh: hãy chọn đúng một, --district MÃ (ví "
                              "dụ 399) hoặc --province MÃ (ví dụ 38)")
    admin_map = admin_units.map_on(period.end)
    level, code = ("district", district) if district is not None else ("province", province)
    try:
        unit = admin_units.unit(str(code), level, "legacy" if level == "district" else admin_map)
    except KeyError:
        example = "399 là Huyện Hoằng Hóa" if level == "district" else "38 là Tỉnh Thanh Hóa"
        what = "huyện" if level == "district" else "tỉnh"
        where = (f" trên bản đồ {admin_map}" if level == "province" and admin_map != "legacy"
                 else "")
        raise UnknownAreaError(
            f"không có {what} mã {code!r}{where}: hãy dùng mã do Tổng cục Thống kê công bố (ví "
            f"dụ {example}); các mã có trong reference/admin_units.csv") from None
    if level == "district" and admin_map != "legacy":
        provinces = _provinces_after(unit, admin_map)
        raise DistrictsEndedError(
            f"từ ngày 01/7/2025 không còn cấp huyện: {unit.name} không có bản tổng hợp "
            f"{period.label}; hãy xem theo tỉnh, " + " hoặc ".join(
                f"{p.name} (mã {p.code}, các xã từ 2025)"
                for p in provinces))
    if level == "district":
        return Area(level, unit.code, unit.name, (unit,),
                    tuple(admin_units.communes_of(unit.code)), admin_map)
    if admin_map == "legacy":
        districts = tuple(admin_units.districts_of(unit.code))
        codes = {d.code for d in districts}
        communes = tuple(u for u in admin_units.units("commune") if u.district_code in codes)
        return Area(level, unit.code, unit.name, districts, communes, admin_map)
    return Area(level, unit.code, unit.name, (), tuple(admin_units.communes_in(unit.code,
                                                                               admin_map)),
                admin_map)


def _provinces_after(district: admin_units.Unit, admin_map: str) -> list[admin_units.Unit]:
    """The provinces of the map ``admin_map`` that the district's communes went into (through
    the lineage: provinces merged too, so the legacy province code may not be the new one)."""
    codes = {admin_units.unit(link.new_code, "commune", admin_map).province_code
             for commune in admin_units.communes_of(district.code)
             for link in admin_units.successors(commune.code)}
    return [admin_units.unit(code, "province", admin_map) for code in sorted(codes, key=int)]


def parse_period_key(period: str) -> Period:
    """The period, or PeriodKeyError naming the accepted forms."""
    try:
        return parse_period(period.strip().upper() if isinstance(period, str) else period)
    except ValueError as exc:
        raise PeriodKeyError(str(exc)) from None


def _write_atomically(path: Path, write) -> None:
    """Write beside the target and rename, so a failure never leaves half a file behind."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
