"""The stored roll-ups: ``core.rollups``, a copy of ``core.area_rollup`` the roll-up views read.

Computing every area's roll-up takes seconds on a large warehouse (the successor level alone is
about half a million rows), and the writer holding the file meanwhile keeps the review desk and
the analysts out. So a change recomputes only what it can have changed: a run, the periods of
the reports it read; a desk action, the areas of one report in its period; new reference data
(the catalog, the units, the lineage), everything.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import duckdb

_ORDER = "ORDER BY admin_map, level, area_code, period, position"


def refresh_rollups(con: duckdb.DuckDBPyConnection, periods: Collection[str] | None = None,
                    areas: Iterable[tuple[str, str, str]] | None = None) -> None:
    """Recompute the stored roll-ups from the current reports: all of them (no ``periods``),
    every area of these periods, or only these (admin_map, level, area_code) areas of them."""
    if periods is None:
        con.execute(f"CREATE OR REPLACE TABLE core.rollups AS SELECT * FROM core.area_rollup "
                    f"{_ORDER}")
        return
    where = "period IN (SELECT unnest($periods::VARCHAR[]))"
    if areas is not None:
        con.execute("CREATE OR REPLACE TEMP TABLE touched_areas "
                    "(admin_map VARCHAR, level VARCHAR, area_code VARCHAR)")
        con.executemany("INSERT INTO touched_areas VALUES (?, ?, ?)", list(areas))
        where += (" AND (admin_map, level, area_code) IN "
                  "(SELECT (admin_map, level, area_code) FROM touched_areas)")
    con.execute(f"DELETE FROM core.rollups WHERE {where}", {"periods": sorted(periods)})
    con.execute(f"INSERT INTO core.rollups SELECT * FROM core.area_rollup WHERE {where} {_ORDER}",
                {"periods": sorted(periods)})
    if areas is not None:
        con.execute("DROP TABLE touched_areas")


def periods_read_by(con: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """The periods whose roll-ups a run can have changed: those of the reports it stored, and
    of the earlier readings its new readings replaced (a reprocess may read another period).
    A report it superseded is of the same commune and period, so no other period moves."""
    return [row[0] for row in con.execute("""
        SELECT DISTINCT period FROM core.reports
        WHERE period IS NOT NULL
          AND (run_id = $run_id
               OR reread_by IN (SELECT report_id FROM core.reports WHERE run_id = $run_id))
        ORDER BY period""", {"run_id": run_id}).fetchall()]
