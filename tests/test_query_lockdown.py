"""``cchc query`` reads the warehouse and nothing else: no file, no URL, no extension."""

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from cchc.warehouse.runs import finish_run, start_run
from cchc.warehouse.schema import connect, connect_for_analysts
from tests.test_warehouse import load, seed

REFUSED = "file system operations are disabled by configuration"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("lockdown") / "cchc.duckdb"
    con = connect(path)
    start_run(con, "inbox", run_id="run-1")
    load(con, seed())
    finish_run(con, "run-1", n_seen=1)
    con.close()
    return path


def query(db: Path, sql: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cchc.cli", "query", sql, "--db", str(db),
                           "--format", "csv"], capture_output=True, text=True, timeout=120)


def test_the_views_still_answer(db):
    result = query(db, "SELECT o.commune_name, o.value, d.value AS district_value "
                       "FROM observations o JOIN district_rollup d USING (district_code, "
                       "period, code) WHERE code = '3.3.1'")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "commune_name,value,district_value\nThị trấn Bút Sơn,841.0,841.0\n"


@pytest.mark.parametrize("function", ["read_text", "read_csv", "read_blob", "glob"])
def test_files_outside_the_warehouse_are_refused(db, function):
    result = query(db, f"SELECT * FROM {function}('/etc/passwd')")
    assert result.returncode == 2
    assert result.stderr == ('cchc: query failed: Permission Error: Cannot access file '
                             f'"/etc/passwd" - {REFUSED}\n')


def test_urls_are_refused(db):
    result = query(db, "SELECT * FROM 'https://example.com/data.csv'")
    assert result.returncode == 2
    assert REFUSED in result.stderr


@pytest.mark.parametrize("sql", ["COPY (SELECT 1) TO '/tmp/out.csv'", "ATTACH '/tmp/x.duckdb'",
                                 "INSTALL httpfs", "LOAD httpfs",
                                 "SET enable_external_access = true"])
def test_statements_that_reach_outside_are_refused(db, sql):
    result = query(db, sql)
    assert result.returncode == 2
    assert result.stderr.startswith("cchc: cchc query runs one read statement (SELECT, ")


@pytest.mark.parametrize(("sql", "refusal"), [
    ("COPY (SELECT 1) TO '{tmp}/out.csv'", REFUSED),
    ("ATTACH '{tmp}/other.duckdb' AS other", REFUSED),
    ("INSTALL httpfs", REFUSED),
    ("LOAD httpfs", "Loading external extensions is disabled through configuration"),
    ("SET enable_external_access = true", 'Cannot change configuration option '
                                          '"enable_external_access" - the configuration has '
                                          'been locked'),
    ("SET lock_configuration = false", "the configuration has been locked"),
])
def test_the_connection_itself_refuses_them(db, tmp_path, sql, refusal):
    """Beneath the statement check: the analysts' connection cannot do it either."""
    con = connect_for_analysts(db)
    try:
        with pytest.raises(duckdb.Error, match=refusal):
            con.execute(sql.format(tmp=tmp_path))
    finally:
        con.close()
    assert list(tmp_path.iterdir()) == []


def test_other_connections_of_the_process_keep_their_settings(db, tmp_path):
    """The lock-down is the analysts' connection's own, not the warehouse file's."""
    analyst = connect_for_analysts(db)
    other = connect(db, read_only=True)
    try:
        (tmp_path / "x.csv").write_text("a\n1\n", encoding="utf-8")
        assert other.execute(f"SELECT a FROM read_csv('{tmp_path / 'x.csv'}')").fetchall() \
            == [(1,)]
    finally:
        other.close()
        analyst.close()
