"""A warehouse written by the release before the 2025 map upgrades in place, losing nothing.

The file (tests/fixtures/warehouse/, see its README) was made by that release from the fixture
reports. What it held is read with plain DuckDB before today's code opens it; after the upgrade
every submission, report, figure, issue and stored roll-up must be exactly what it was, and the
old district's figures (Huyện Hoằng Hóa, 399) unchanged through the view analysts read.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import duckdb
import pytest

from cchc.warehouse.schema import MIGRATIONS, connect, schema_version

FIXTURE = Path(__file__).parent / "fixtures" / "warehouse" / "previous_release.duckdb.gz"

# Every table the previous release wrote, with a key to sort its rows by.
TABLES = {
    "runs": "run_id",
    "files": "sha256",
    "submissions": "submission_id",
    "reports": "report_id",
    "observations": "report_id, code",
    "issues": "report_id, rule, message",
    "periods": "period",
}
ROLLUP_COLUMNS = ("level, area_code, period, position, code, label, unit, kind, aggregation, "
                  "value, n_reporting, n_submitted, n_expected, n_weighted, share, mean, min, max, "
                  "CAST(by_code AS VARCHAR) AS by_code")


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [row[0] for row in con.execute(f"DESCRIBE core.{table}").fetchall()]


@pytest.fixture
def previous(tmp_path) -> tuple[Path, dict]:
    """The previous release's file, unpacked into tmp_path, and what it held (read before any
    cchc code touches it)."""
    path = tmp_path / "cchc.duckdb"
    with gzip.open(FIXTURE) as packed, path.open("wb") as unpacked:
        shutil.copyfileobj(packed, unpacked)
    con = duckdb.connect(str(path), read_only=True)
    try:
        held = {"version": _rows(con, "SELECT max(version) FROM core.schema_version")[0][0],
                "columns": {t: _columns(con, t) for t in TABLES}}
        for table, key in TABLES.items():
            held[table] = _rows(con, f"SELECT * FROM core.{table} ORDER BY {key}")
        held["rollups"] = _rows(con, f"SELECT {ROLLUP_COLUMNS} FROM core.rollups "
                                     "ORDER BY level, area_code, period, position")
        held["district_399"] = _rows(con, """
            SELECT period, code, value, n_reporting, n_submitted, n_expected
            FROM district_rollup WHERE district_code = '399' ORDER BY period, position""")
    finally:
        con.close()
    return path, held


def test_the_fixture_is_a_previous_release_with_something_of_everything(previous):
    _, held = previous
    assert held["version"] == 1
    assert "admin_map" not in held["columns"]["reports"]
    statuses = sorted({row[8] for row in held["submissions"]})
    assert statuses == ["accepted", "duplicate", "quarantined", "rejected", "superseded"]
    assert (len(held["reports"]), len(held["observations"]), len(held["rollups"])) == (15, 975,
                                                                                        650)
    assert len(held["district_399"]) == 4 * 65


def test_upgrade_in_place_loses_nothing(previous):
    path, held = previous
    con = connect(path)
    try:
        assert schema_version(con) == len(MIGRATIONS)
        for table, key in TABLES.items():
            columns = ", ".join(held["columns"][table])
            assert _rows(con, f"SELECT {columns} FROM core.{table} ORDER BY {key}") == \
                held[table], table
        assert _rows(con, "SELECT DISTINCT admin_map FROM core.reports") == [("legacy",)]
        assert _rows(con, f"""SELECT {ROLLUP_COLUMNS} FROM core.rollups
                              WHERE level IN ('district', 'province')
                              ORDER BY level, area_code, period, position""") == held["rollups"]
        assert _rows(con, "SELECT DISTINCT admin_map FROM core.rollups "
                          "WHERE level IN ('district', 'province')") == [("legacy",)]
    finally:
        con.close()
    assert connect(path).execute("SELECT count(*) FROM core.schema_version").fetchone()[0] == \
        len(MIGRATIONS)  # a second open applies nothing more


def test_the_old_district_reads_the_same_and_its_communes_keep_their_names(previous):
    path, held = previous
    connect(path).close()
    con = connect(path, read_only=True)
    try:
        assert _rows(con, """SELECT period, code, value, n_reporting, n_submitted, n_expected
                             FROM district_rollup WHERE district_code = '399'
                             ORDER BY period, position""") == held["district_399"]
        # 15865 is Thị trấn Bút Sơn on the legacy map (Xã Hoằng Hóa reused it on the 2025 map).
        assert _rows(con, """SELECT DISTINCT commune_name, district_name FROM reports
                             WHERE commune_code = '15865'""") == [
            ("Thị trấn Bút Sơn", "Huyện Hoằng Hóa")]
        assert _rows(con, """SELECT count(*), count(DISTINCT commune_code) FROM completeness
                             WHERE district_code = '399' AND period = '2024-9M'""") == [(36, 36)]
    finally:
        con.close()
