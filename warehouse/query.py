"""Reading the warehouse for people: ``cchc query`` and ``cchc status``.

Both open the file read-only and wait (``retry_seconds``) while the nightly load holds it, so an
analyst's query never fails merely because a load is running, and can never change anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from cchc.errors import CchcError
from cchc.transforms.periods import parse_period
from cchc.warehouse.mail import last_pull
from cchc.warehouse.schema import connect, connect_for_analysts, schema_version

# Statement types a read-only query may run; COPY … TO, ATTACH, SET and the like are refused
# even though a read-only connection would let some of them through.
_READING = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN, duckdb.StatementType.CALL}


class QueryError(CchcError):
    """A query that cannot run: not a single read statement, or wrong SQL."""


def run_query(path: str | Path, sql: str,
              retry_seconds: float = 30) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read-only statement; (column names, rows). It runs where it can read the
    warehouse and nothing else (``connect_for_analysts``)."""
    con = connect_for_analysts(path, retry_seconds=retry_seconds)
    try:
        try:
            statements = con.extract_statements(sql)
        except duckdb.Error as exc:
            raise QueryError(f"cannot parse the query: {_first_line(exc)}") from None
        if len(statements) != 1 or statements[0].type not in _READING:
            kinds = ", ".join(s.type.name for s in statements) or "nothing"
            raise QueryError(
                f"cchc query runs one read statement (SELECT, WITH, DESCRIBE, SUMMARIZE, CALL, "
                f"EXPLAIN), got {kinds}: the warehouse is written only by the nightly load")
        try:
            result = con.execute(sql)
            return [d[0] for d in result.description], result.fetchall()
        except duckdb.Error as exc:
            raise QueryError(f"query failed: {_first_line(exc)}") from None
    finally:
        con.close()


def status(path: str | Path, period: str | None = None,
           retry_seconds: float = 30) -> dict[str, Any]:
    """Recent runs, files by status, and who has reported: per district × period on the
    legacy map, per province × period on the 2025 map (no districts).

    ``period`` (a key such as "2024-9M") narrows the completeness to that period.
    """
    if period is not None:
        period = parse_period(period).key
    con = connect(path, read_only=True, retry_seconds=retry_seconds)
    try:
        runs = _records(con, """SELECT run_id, kind, started_at, finished_at, status, n_seen,
                                       n_new,
                                       n_accepted, n_rejected, n_quarantined, n_duplicate,
                                       n_superseded
                                FROM core.runs ORDER BY started_at DESC LIMIT 10""")
        by_status = dict(con.execute("SELECT status, count(*) FROM core.submissions "
                                     "GROUP BY status ORDER BY status").fetchall())
        completeness = _records(con, """
            SELECT admin_map, province_code, district_code, district_name, period,
                   count(*) AS n_expected,
                   count(*) FILTER (WHERE status = 'submitted') AS n_submitted,
                   count(*) FILTER (WHERE status = 'rejected') AS n_rejected,
                   count(*) FILTER (WHERE status = 'missing') AS n_missing
            FROM completeness WHERE $period IS NULL OR period = $period
            GROUP BY ALL ORDER BY period, admin_map DESC, province_code, district_code""",
                                {"period": period})
        return {"warehouse": str(path), "schema_version": schema_version(con), "runs": runs,
                "submissions": by_status, "completeness": completeness,
                "mailbox": last_pull(con)}
    finally:
        con.close()


def _records(con: duckdb.DuckDBPyConnection, sql: str,
             parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    result = con.execute(sql, parameters or {})
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]
