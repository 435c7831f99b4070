"""One area and period, read from the warehouse views into a ``Summary`` (plain data).

Files that name no commune (quarantined, or rejected without commune or period) belong to no
area for sure; they are listed in every summary whose deadline is within
``UNATTRIBUTED_DAYS`` of their arrival, so that someone looks at them while reports for that
period are coming in.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb

from cchc.summary import arithmetic, rates, rollup
from cchc.summary.model import (
    Commune,
    FollowUp,
    Previous,
    Summary,
    YearOnYear,
)
from cchc.summary.timeliness import judge
from cchc.template.appendix import Template
from cchc.transforms import admin_units
from cchc.transforms.admin_units import Unit
from cchc.transforms.areas import Area, Receipt
from cchc.transforms.periods import Period, parse_period, same_period_last_year
from cchc.warehouse import summary_queries as queries

UNATTRIBUTED_DAYS = 30

_MISSING = "Chưa nhận được báo cáo: đề nghị đôn đốc xã gửi báo cáo kèm Phụ lục 01b."
_KIND_ORDER = {"rollup": -1, "error": 0, "warning": 1, "missing": 2, "unidentified": 3,
               "quarantined": 4}


def collect(con: duckdb.DuckDBPyConnection, area: Area, period: Period,
            deadline: date, template: Template) -> Summary:
    """Everything both outputs show, from the views only (warehouse.summary_queries)."""
    values = queries.commune_values(con, area, period.key)
    communes = _communes(area, queries.completeness(con, area, period.key),
                         queries.receipts(con, area, period.key), values,
                         deadline, template)
    n_submitted = sum(1 for c in communes if c.status == "submitted")
    window = (deadline - timedelta(days=UNATTRIBUTED_DAYS),
              deadline + timedelta(days=UNATTRIBUTED_DAYS))
    received = [c.received_at for c in communes if c.received_at]
    lines = rollup.lines(queries.rollup(con, area.level, area.code, period.key,
                                        area.admin_map), len(area.communes), n_submitted,
                         template)
    contradictions = arithmetic.rollup_issues(lines, values, {c.code: c.name for c in communes},
                                              template)
    return Summary(
        area=area, period=period, deadline=deadline, lines=lines,
        rates=tuple(rates.compute_all(values.values(), template.summary.rates).values()),
        communes=communes,
        follow_up=(*contradictions, *follow_up(con, area, communes, window)),
        unattributed_window=window,
        template=template,
        previous=previous(con, area, period, template),
        data_as_of=max(received, default=None),
        year_on_year=year_on_year(con, area, period, communes, template),
    )


def rollup_contradictions(con: duckdb.DuckDBPyConnection, area: Area, period_key: str,
                          template: Template) -> list[FollowUp]:
    """The template's arithmetic on the area's roll-up alone, with the communes that break it
    named (arithmetic.rollup_issues over the views ``collect`` reads): the desk's glance says it
    before anyone builds the summary."""
    values = queries.commune_values(con, area, period_key)
    rows = queries.rollup(con, area.level, area.code, period_key, area.admin_map)
    # The count of submissions only annotates each line; the arithmetic reads values alone.
    lines = rollup.lines(rows, len(area.communes), len(values), template)
    return arithmetic.rollup_issues(lines, values, {u.code: u.name for u in area.communes},
                                    template)


def _communes(area: Area, status: dict[str, dict[str, Any]], receipts: dict[str, list[Receipt]],
              values: dict[str, dict[str, float | None]], deadline: date, template: Template
              ) -> tuple[Commune, ...]:
    names = {d.code: d.name for d in area.districts}
    return tuple(_commune(unit, names.get(unit.district_code or "", ""),
                          status.get(unit.code, {}), receipts.get(unit.code, []),
                          values.get(unit.code, {}), deadline, template)
                 for unit in area.communes)


def _commune(unit: Unit, district_name: str, row: dict[str, Any], receipts: list[Receipt],
             values: dict[str, float | None], deadline: date, template: Template) -> Commune:
    judged = judge(receipts, deadline)
    return Commune(
        code=unit.code, name=unit.name, district_code=unit.district_code or "",
        district_name=district_name, status=row.get("status", "missing"),
        timeliness=judged.timeliness, days_late=judged.days_late,
        report_id=row.get("report_id"),
        report_date=row.get("report_date"), doc_number=row.get("doc_number"),
        received_at=row.get("received_at"), first_received_at=judged.first_received_at,
        resubmitted_at=judged.resubmitted_at, letter_due=judged.letter_due,
        file_name=row.get("file_name"), n_reports=row.get("n_reports", 0),
        n_errors=row.get("n_errors", 0), n_warnings=row.get("n_warnings", 0),
        values=values,
        rates=rates.compute_all([values], template.summary.rates) if values else {},
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
              for row in queries.unidentified(con, area, *window)]
    items += [FollowUp("quarantined", f"Không đọc được tệp: {row['reason']}. Cần xác định xã "
                       "đã gửi tệp này.",
                       file_name=row["file_name"], received_at=row["received_at"])
              for row in queries.quarantined(con, *window)]
    return tuple(items)


def _missing(area: Area, communes: tuple[Commune, ...]) -> list[FollowUp]:
    """One line per missing commune of a district that sent something for the period; one
    line per district that sent nothing at all (a province summary would otherwise list
    hundreds of communes of districts that do not use cchc). A 2025 province has no districts:
    every missing commune is listed."""
    if not area.by_district:
        return [FollowUp("missing", _MISSING, c.code, c.name) for c in communes
                if c.status == "missing"]
    active = {c.district_code for c in communes if c.n_reports}
    items = [FollowUp("missing", _MISSING, c.code, c.name) for c in communes
             if c.status == "missing" and c.district_code in active]
    for district in area.districts:
        if district.code not in active:
            n = sum(1 for c in communes if c.district_code == district.code)
            items.append(FollowUp("missing", f"{district.name}: chưa có báo cáo nào của "
                                  f"{n} xã cho kỳ này."))
    return items


def previous(con: duckdb.DuckDBPyConnection, area: Area, period: Period, template: Template
             ) -> Previous | None:
    """The same period a year earlier, or None when no commune of the area had a current
    report for it, or when it was on the other map (the area itself changed: the comparison
    then goes commune by commune through the lineage, ``year_on_year``)."""
    before = _year_before(period)
    if before is None or admin_units.map_on(before.end) != area.admin_map:
        return None
    rows = queries.rollup(con, area.level, area.code, before.key, area.admin_map)
    if not rows:
        return None
    n_submitted = rows[0]["n_submitted"]
    values = queries.commune_values(con, area, before.key)
    return Previous(before, {line.code: line for line in
                             rollup.lines(rows, len(area.communes), n_submitted, template)},
                    rates.compute_all(values.values(), template.summary.rates), n_submitted,
                    values)


def year_on_year(con: duckdb.DuckDBPyConnection, area: Area, period: Period,
                 communes: tuple[Commune, ...], template: Template) -> tuple[YearOnYear, ...]:
    """For a 2025 province whose period a year earlier was on the legacy map: each commune's
    key figures beside its predecessors' sum then (successor_rollup). Empty otherwise."""
    before = _year_before(period)
    if area.admin_map != "2025" or before is None or admin_units.map_on(before.end) != "legacy":
        return ()
    codes = template.summary.year_on_year
    found = queries.successor_rollup(con, area.code, before.key, codes)
    labels = template.by_code
    rows = []
    for commune in communes:
        lineage = admin_units.predecessors(commune.code)
        for code in codes:
            row = found.get((commune.code, code), {})
            rows.append(YearOnYear(
                commune.code, commune.name, code, labels[code].label, commune.values.get(code),
                row.get("value"), row.get("n_reporting", 0), len(lineage),
                all(link.whole for link in lineage)))
    return tuple(rows)


def _year_before(period: Period) -> Period | None:
    try:
        return parse_period(same_period_last_year(period.key))
    except ValueError:  # a year with no year before it in the period rules
        return None
