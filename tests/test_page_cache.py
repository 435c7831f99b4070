"""The desk's page cache forgets a page as soon as anyone writes the warehouse: a real DuckDB
file written by another connection (as the night's load or an officer's action would)."""

from __future__ import annotations

import duckdb

from cchc.web.page_cache import PageCache


def test_a_page_is_read_again_after_any_write_to_the_warehouse(tmp_path):
    db = tmp_path / "cchc.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE t (n INTEGER)")
        con.execute("INSERT INTO t VALUES (1)")
    cache, reads = PageCache(db), []

    def read() -> int:
        with duckdb.connect(str(db), read_only=True) as con:
            reads.append(1)
            return con.execute("SELECT sum(n) FROM t").fetchone()[0]

    assert cache.get("glance", read) == 1 and cache.get("glance", read) == 1
    assert len(reads) == 1  # kept
    with duckdb.connect(str(db)) as con:
        con.execute("INSERT INTO t VALUES (41)")
    assert cache.get("glance", read) == 42  # the write made it read again
    assert len(reads) == 2
    assert cache.get("another page", read) == 42 and len(reads) == 3
