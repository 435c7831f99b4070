"""One area and period, read from the warehouse views into a ``Summary`` (plain data).

Files that name no commune (quarantined, or rejected without commune or period) belong to no
area for sure; they are listed in every summary whose deadline is within
``UNATTRIBUTED_DAYS`` of their arrival, so that someone looks at them while reports for that
period are coming in.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import duckdb

from cchc.summary import queries, rates, rollup
from cchc.summary.model import Area, Commune, FollowUp, Previous, Summary
from cchc.summary.timeliness import classify
from cchc.transforms.admin_units import Unit
from cchc.transforms.periods import Period, parse_period, same_period_last_year

UNATTRIBUTED_DAYS = 30

_MISSING = "Chưa nhận được báo cáo: đề nghị đôn đốc xã gửi báo cáo kèm Phụ lục 01b."
_KIND_ORDER = {"error": 0, "warning": 1, "missing": 2, "unidentified": 3, "quarantined": 4}


def collect(con: duckdb.DuckDBPyConnection, area: Area, period: Period,
            deadline: date) -> Summary:
    """Everything both outputs show, from the views only (summary.queries)."""
    districts = area.district_codes
    values = queries.commune_values(con, districts, period.key)
    communes = _communes(area, queries.completeness(con, districts, period.key),
                         queries.first_valid_receipts(con, districts, period.key), values,
                         deadline)
    n_submitted = sum(1 for c in communes if c.status == "submitted")
    window = (deadline - timedelta(days=UNATTRIBUTED_DAYS),
              deadline + timedelta(days=UNATTRIBUTED_DAYS))
    received = [c.received_at for c in communes if c.received_at]
    return Summary(
        area=area, period=period, deadline=deadline,
        lines=rollup.lines(queries.rollup(con, area.level, area.code, period.key),
                           len(area.communes), n_submitted),
        rates=tuple(rates.compute_all(values.values()).values()),
        communes=communes,
        follow_up=follow_up(con, area, communes, window),
        unattributed_window=window,
        previous=previous(con, area, period),
        data_as_of=max(received, default=None),
    )


def _communes(area: Area, status: dict[str, dict[str, Any]], firsts: dict[str, datetime],
              values: dict[str, dict[str, float | None]], deadline: date) -> tuple[Commune, ...]:
    names = {d.code: d.name for d in area.districts}
    return tuple(_commune(unit, names.get(unit.district_code or "", ""),
                          status.get(unit.code, {}), firsts.get(unit.code),
                          values.get(unit.code, {}), deadline) for unit in area.communes)


def _commune(unit: Unit, district_name: str, row: dict[str, Any], first: datetime | None,
             values: dict[str, float | None], deadline: date) -> Commune:
    timeliness, days_late = classify(first, deadline)
    return Commune(
        code=unit.code, name=unit.name, district_code=unit.district_code or "",
        district_name=district_name, status=row.get("status", "missing"),
        timeliness=timeliness, days_late=days_late, report_id=row.get("report_id"),
        report_date=row.get("report_date"), doc_number=row.get("doc_number"),
        received_at=row.get("received_at"), first_received_at=first,
        file_name=row.get("file_name"), n_reports=row.get("n_reports", 0),
        n_errors=row.get("n_errors", 0), n_warnings=row.get("n_warnings", 0),
        values=values, rates=rates.compute_all([values]) if values else {},
    )


def follow_up(con: duckdb.DuckDBPyConnection, area: Area, communes: tuple[Commune, ...],
              window: tuple[date, date]) -> tuple[FollowUp, ...]:
    """Issues of each commune's speaking report, missing communes, then unattributed files."""
    order = {c.code: n for n, c in enumerate(communes)}
    names = {c.code: c.name for c in communes}
    items = [FollowUp(row["severity"], row["message"], row["commune_code"],
                      names.get(row["commune_code"], row["commune_name"]), row["file_name"],
                      row["rule"], tuple(row["codes"] or ()))
             for row in queries.issues_of(con, [c.report_id for c in communes if c.report_id])]
    items += _missing(area, communes)
    items.sort(key=lambda f: (order.get(f.commune_code or "", len(order)),
                              _KIND_ORDER[f.kind]))
    items += [FollowUp("unidentified", row["message"], row["commune_code"], row["commune_name"],
                       row["file_name"], row["rule"], tuple(row["codes"] or ()),
                       row["received_at"])
              for row in queries.unidentified(con, area.district_codes, *window)]
    items += [FollowUp("quarantined", f"Không đọc được tệp: {row['reason']}. Cần xác định xã "
                       "đã gửi tệp này.",
                       file_name=row["file_name"], received_at=row["received_at"])
              for row in queries.quarantined(con, *window)]
    return tuple(items)


def _missing(area: Area, communes: tuple[Commune, ...]) -> list[FollowUp]:
    """One line per missing commune of a district that sent something for the period; one
    line per district that sent nothing at all (a province summary would otherwise list
    hundreds of communes of districts that do not use cchc)."""
    active = {c.district_code for c in communes if c.n_reports}
    items = [FollowUp("missing", _MISSING, c.code, c.name) for c in communes
             if c.status == "missing" and c.district_code in active]
    for district in area.districts:
        if district.code not in active:
            n = sum(1 for c in communes if c.district_code == district.code)
            items.append(FollowUp("missing", f"{district.name}: chưa có báo cáo nào của "
                                  f"{n} xã cho kỳ này."))
    return items


def previous(con: duckdb.DuckDBPyConnection, area: Area, period: Period) -> Previous | None:
    """The same period a year earlier, or None when no commune of the area had a current
    report for it."""
    try:
        before = parse_period(same_period_last_year(period.key))
    except ValueError:  # a year with no year before it in the period rules
        return None
    rows = queries.rollup(con, area.level, area.code, before.key)
    if not rows:
        return None
    n_submitted = rows[0]["n_submitted"]
    values = queries.commune_values(con, area.district_codes, before.key)
    return Previous(before, {line.code: line for line in
                             rollup.lines(rows, len(area.communes), n_submitted)},
                    rates.compute_all(values.values()), n_submitted)
