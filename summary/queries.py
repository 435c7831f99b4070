"""Every read the summary makes of the warehouse: queries over the documented views only.

No table of the schema ``core`` is read here, so the summary shows exactly what an analyst sees
with ``cchc query`` (docs/views.md), and a change behind the views cannot bypass their rules
(current reports only, blank is not zero). Each function returns plain Python data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import duckdb

from cchc.summary.model import Level

_ROLLUP_VIEW: dict[str, tuple[str, str]] = {
    "district": ("district_rollup", "district_code"),
    "province": ("province_rollup", "province_code"),
}


def _records(con: duckdb.DuckDBPyConnection, sql: str,
             parameters: Sequence[Any] = ()) -> list[dict[str, Any]]:
    result = con.execute(sql, list(parameters))
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def count_reports(con: duckdb.DuckDBPyConnection, districts: Sequence[str], period: str) -> int:
    """Reports of any status (current, superseded, rejected) from these districts for the period."""
    return con.execute("""SELECT count(*) FROM reports WHERE period = ?
                          AND district_code IN (SELECT unnest(?::VARCHAR[]))""",
                       [period, list(districts)]).fetchone()[0]


def periods_with_reports(con: duckdb.DuckDBPyConnection, districts: Sequence[str]) -> list[str]:
    """The periods these districts have any report for: what to suggest when one has none."""
    rows = con.execute("""SELECT DISTINCT period FROM reports WHERE period IS NOT NULL
                          AND district_code IN (SELECT unnest(?::VARCHAR[])) ORDER BY period""",
                       [list(districts)]).fetchall()
    return [row[0] for row in rows]


def rollup(con: duckdb.DuckDBPyConnection, level: Level, code: str,
           period: str) -> list[dict[str, Any]]:
    """The area's rows of district_rollup or province_rollup, in template order (none when no
    commune has a current report)."""
    view, column = _ROLLUP_VIEW[level]
    return _records(con, f"""
        SELECT code, value, n_reporting, n_submitted, n_expected, n_weighted, share,
               mean, min, max, by_code
        FROM {view} WHERE {column} = ? AND period = ? ORDER BY position""", [code, period])


def commune_values(con: duckdb.DuckDBPyConnection, districts: Sequence[str],
                   period: str) -> dict[str, dict[str, float | None]]:
    """commune → code → value of every current report (None for a blank cell)."""
    rows = con.execute("""SELECT commune_code, code, value FROM observations WHERE period = ?
                          AND district_code IN (SELECT unnest(?::VARCHAR[]))""",
                       [period, list(districts)]).fetchall()
    values: dict[str, dict[str, float | None]] = {}
    for commune, code, value in rows:
        values.setdefault(commune, {})[code] = value
    return values


def completeness(con: duckdb.DuckDBPyConnection, districts: Sequence[str],
                 period: str) -> dict[str, dict[str, Any]]:
    """commune → its completeness row, with the file name and issue counts of the report that
    speaks for it (the current one, else the latest rejected). Communes of districts that sent
    nothing for the period are absent: the caller counts them missing."""
    rows = _records(con, """
        SELECT c.commune_code, c.status, c.report_id, c.report_date, c.doc_number,
               c.received_at, c.n_reports, r.file_name,
               coalesce(r.n_errors, 0) AS n_errors, coalesce(r.n_warnings, 0) AS n_warnings
        FROM completeness c LEFT JOIN reports r ON r.report_id = c.report_id
        WHERE c.period = ? AND c.district_code IN (SELECT unnest(?::VARCHAR[]))""",
                    [period, list(districts)])
    return {row["commune_code"]: row for row in rows}


def first_valid_receipts(con: duckdb.DuckDBPyConnection, districts: Sequence[str],
                         period: str) -> dict[str, datetime]:
    """commune → when its first report for the period that was not rejected was received
    (as its file's latest reading has it: a report read again and now rejected does not count)."""
    rows = con.execute("""SELECT commune_code, min(received_at) FROM reports
                          WHERE period = ? AND status IN ('accepted', 'superseded')
                          AND reread_by IS NULL AND district_code IN (SELECT unnest(?::VARCHAR[]))
                          GROUP BY commune_code""", [period, list(districts)]).fetchall()
    return dict(rows)


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


def unidentified(con: duckdb.DuckDBPyConnection, districts: Sequence[str], first: date,
                 last: date) -> list[dict[str, Any]]:
    """Issues of rejected reports that name no commune or no period (so no commune's row can
    hold them), received between these days, unless they name another district."""
    return _records(con, """
        SELECT r.report_id, r.file_name, r.received_at, r.commune_code, r.commune_name,
               i.rule, i.severity, i.codes, i.message
        FROM reports r JOIN issues i ON i.report_id = r.report_id
        WHERE r.status = 'rejected' AND (r.commune_code IS NULL OR r.period IS NULL)
          AND (r.district_code IS NULL OR r.district_code IN (SELECT unnest(?::VARCHAR[])))
          AND CAST(r.received_at AS DATE) BETWEEN ? AND ?
        ORDER BY r.received_at, r.file_name, i.rule""", [list(districts), first, last])
