"""Every read the summary makes of the warehouse: queries over the documented views only.

No table of the schema ``core`` is read here, so the summary shows exactly what an analyst sees
with ``cchc query`` (docs/views.md), and a change behind the views cannot bypass their rules
(current reports only, blank is not zero). Each function returns plain Python data. It lives in
warehouse/, the room that holds SQL, because the desk (web/pages.py) reads the same states.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import duckdb

from cchc.transforms.areas import Area, Level, Receipt

_ROLLUP_VIEW: dict[str, tuple[str, str]] = {
    "district": ("district_rollup", "district_code"),
    "province": ("province_rollup", "province_code"),
}


def _records(con: duckdb.DuckDBPyConnection, sql: str,
             parameters: Sequence[Any] = ()) -> list[dict[str, Any]]:
    result = con.execute(sql, list(parameters))
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def in_area(area: Area, alias: str = "") -> tuple[str, list[Any]]:
    """The condition that keeps an area's rows of a view (reports, observations, completeness)
    and its parameters: on the area's map (codes were reused across maps), a legacy area by its
    districts, a 2025 province by its code."""
    a = f"{alias}." if alias else ""
    if area.admin_map == "legacy":
        return (f"{a}admin_map = ? AND {a}district_code IN (SELECT unnest(?::VARCHAR[]))",
                [area.admin_map, list(area.district_codes)])
    return f"{a}admin_map = ? AND {a}province_code = ?", [area.admin_map, area.code]


def count_reports(con: duckdb.DuckDBPyConnection, area: Area, period: str) -> int:
    """Reports of any status (current, superseded, rejected) from the area for the period."""
    where, parameters = in_area(area)
    return con.execute(f"SELECT count(*) FROM reports WHERE period = ? AND {where}",
                       [period, *parameters]).fetchone()[0]


def periods_with_reports(con: duckdb.DuckDBPyConnection, area: Area) -> list[str]:
    """The periods the area has any report for: what to suggest when one has none."""
    where, parameters = in_area(area)
    rows = con.execute(f"""SELECT DISTINCT period FROM reports WHERE period IS NOT NULL
                           AND {where} ORDER BY period""", parameters).fetchall()
    return [row[0] for row in rows]


def rollup(con: duckdb.DuckDBPyConnection, level: Level, code: str, period: str,
           admin_map: str = "legacy") -> list[dict[str, Any]]:
    """The area's rows of district_rollup or province_rollup on its map, in template order
    (none when no commune has a current report)."""
    view, column = _ROLLUP_VIEW[level]
    return _records(con, f"""
        SELECT code, value, n_reporting, n_submitted, n_expected, n_weighted, share,
               mean, min, max, by_code
        FROM {view} WHERE admin_map = ? AND {column} = ? AND period = ? ORDER BY position""",
                    [admin_map, code, period])


def successor_rollup(con: duckdb.DuckDBPyConnection, province: str, period: str,
                     codes: Sequence[str]) -> dict[tuple[str, str], dict[str, Any]]:
    """(2025 commune, code) → its predecessors' roll-up row for a legacy period: value,
    n_reporting, n_expected, comparable (absent when none of them reported that period)."""
    rows = _records(con, """
        SELECT new_commune_code, code, value, n_reporting, n_expected, comparable
        FROM successor_rollup WHERE province_code = ? AND period = ?
        AND code IN (SELECT unnest(?::VARCHAR[]))""", [province, period, list(codes)])
    return {(row["new_commune_code"], row["code"]): row for row in rows}


def commune_values(con: duckdb.DuckDBPyConnection, area: Area,
                   period: str) -> dict[str, dict[str, float | None]]:
    """commune → code → value of every current report (None for a blank cell)."""
    where, parameters = in_area(area)
    rows = con.execute(f"""SELECT commune_code, code, value FROM observations WHERE period = ?
                           AND {where}""", [period, *parameters]).fetchall()
    values: dict[str, dict[str, float | None]] = {}
    for commune, code, value in rows:
        values.setdefault(commune, {})[code] = value
    return values


def completeness(con: duckdb.DuckDBPyConnection, area: Area,
                 period: str) -> dict[str, dict[str, Any]]:
    """commune → its completeness row, with the file name and issue counts of the report that
    speaks for it (the current one, else the latest rejected). Communes of districts that sent
    nothing for the period are absent: the caller counts them missing."""
    where, parameters = in_area(area, "c")
    rows = _records(con, f"""
        SELECT c.commune_code, c.status, c.report_id, c.report_date, c.doc_number,
               c.received_at, c.n_reports, r.file_name,
               coalesce(r.n_errors, 0) AS n_errors, coalesce(r.n_warnings, 0) AS n_warnings
        FROM completeness c LEFT JOIN reports r ON r.report_id = c.report_id
        WHERE c.period = ? AND {where}""", [period, *parameters])
    return {row["commune_code"]: row for row in rows}


def receipts(con: duckdb.DuckDBPyConnection, area: Area,
             period: str) -> dict[str, list[Receipt]]:
    """commune → the reports it sent for the period that timeliness counts, in the order they
    came: those not rejected, and those the officer returned (with the return letter's
    deadline). A report the night rejected and no one returned is not one; nor is an earlier
    reading of a file read again (a report read again and now rejected does not count)."""
    where, parameters = in_area(area)
    rows = con.execute(f"""SELECT commune_code, received_at, returned_at IS NOT NULL,
                                  resubmit_by
                           FROM reports WHERE period = ? AND reread_by IS NULL
                           AND (status IN ('accepted', 'superseded') OR returned_at IS NOT NULL)
                           AND {where} ORDER BY commune_code, received_at""",
                       [period, *parameters]).fetchall()
    found: dict[str, list[Receipt]] = {}
    for commune, received_at, returned, resubmit_by in rows:
        found.setdefault(commune, []).append(Receipt(received_at, returned, resubmit_by))
    return found


def issues_of(con: duckdb.DuckDBPyConnection, report_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The issues of these reports, errors first, in the order they were found."""
    return _records(con, """
        SELECT report_id, file_name, commune_code, commune_name, rule, severity, codes, message
        FROM issues WHERE report_id IN (SELECT unnest(?::VARCHAR[]))
        ORDER BY commune_code, severity = 'warning', rule""", [list(report_ids)])


def quarantined(con: duckdb.DuckDBPyConnection, first: date, last: date) -> list[dict[str, Any]]:
    """Files that could not be read, received between these days (both included)."""
    return _records(con, """
        SELECT file_name, received_at, reason FROM submissions
        WHERE status = 'quarantined' AND CAST(received_at AS DATE) BETWEEN ? AND ?
        ORDER BY received_at, file_name""", [first, last])


def unidentified(con: duckdb.DuckDBPyConnection, area: Area, first: date,
                 last: date) -> list[dict[str, Any]]:
    """Issues of rejected reports that name no commune or no period (so no commune's row can
    hold them), received between these days, unless they name another district (legacy) or
    another province (2025 map)."""
    column, codes = (("district_code", area.district_codes) if area.admin_map == "legacy"
                     else ("province_code", (area.code,)))
    return _records(con, f"""
        SELECT r.report_id, r.file_name, r.received_at, r.commune_code, r.commune_name,
               i.rule, i.severity, i.codes, i.message
        FROM reports r JOIN issues i ON i.report_id = r.report_id
        WHERE r.status = 'rejected' AND (r.commune_code IS NULL OR r.period IS NULL)
          AND (r.{column} IS NULL OR r.{column} IN (SELECT unnest(?::VARCHAR[])))
          AND CAST(r.received_at AS DATE) BETWEEN ? AND ?
        ORDER BY r.received_at, r.file_name, i.rule""", [list(codes), first, last])
