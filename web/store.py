"""Short connections to a warehouse the nightly load also writes.

DuckDB lets one process hold a file for writing, and while it does every other open fails,
read-only included; within one process, a read-only and a read-write connection to the same
file cannot be open at once. So the desk takes one connection at a time (a process lock), reads
with a short wait, and writes in one short transaction. An action that cannot get the file
because the night's load holds it is kept in a spool folder beside the warehouse and applied
by ``pending.Applier`` once the file is free, so nothing an officer submits is lost.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from cchc.warehouse.schema import connect, transaction
from cchc.warehouse.spool import spool_dir

READ_WAIT_SECONDS = 3.0


class Store:
    """The warehouse file as the desk uses it."""

    def __init__(self, db: Path, rules: Path | None = None) -> None:
        self.db = Path(db)
        # The office's rules file (the setting ``rules``): a correction is checked with it.
        self.rules = rules
        self.spool = spool_dir(self.db)
        self._lock = threading.Lock()
        # Held while spooled actions are applied, so the request that submitted an action and
        # the background applier never apply the same one twice.
        self.applying = threading.Lock()

    @contextmanager
    def read(self, wait: float = READ_WAIT_SECONDS) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection for one page; WarehouseBusy when the load holds the file
        longer than ``wait`` seconds."""
        with self._lock:
            con = connect(self.db, read_only=True, retry_seconds=wait)
            try:
                yield con
            finally:
                con.close()

    @contextmanager
    def alone(self) -> Iterator[None]:
        """No desk connection open meanwhile: for library code that opens its own (the
        summary), which DuckDB would refuse beside a connection of another kind."""
        with self._lock:
            yield

    @contextmanager
    def write(self, wait: float = 0.0) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction; WarehouseBusy when the file is not free within ``wait`` seconds."""
        with self._lock:
            con = connect(self.db, retry_seconds=wait)
            try:
                with transaction(con):
                    yield con
            finally:
                con.close()

    @contextmanager
    def writer(self, wait: float = 0.0) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write connection for library code that makes its own transactions (loading an
        upload, as the night loads a file); WarehouseBusy as ``write``."""
        with self._lock:
            con = connect(self.db, retry_seconds=wait)
            try:
                yield con
            finally:
                con.close()
