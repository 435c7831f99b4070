"""A run's row in core.runs: begun, closed with counts taken from the rows it wrote, its summary.

Closing a run and refreshing the roll-ups happen in one transaction (``finish_run``), as does
marking killed runs failed, so that a crash never leaves a finished run with stale roll-ups.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

import duckdb

from cchc.warehouse.rollups import refresh_rollups
from cchc.warehouse.schema import transaction

RunStatus = Literal["finished", "failed"]
RunKind = Literal["ingest", "reprocess", "upload"]


def start_run(con: duckdb.DuckDBPyConnection, inbox: str, run_id: str | None = None,
              kind: RunKind = "ingest") -> str:
    """Record that a run began; returns its run_id (made up from the time when not given).
    ``kind``: an ingest of the inbox, or a reprocess of files already archived."""
    started = datetime.now()
    run_id = run_id or _new_run_id(started)
    con.execute("INSERT INTO core.runs (run_id, started_at, inbox, status, kind) "
                "VALUES (?, ?, ?, 'running', ?)", [run_id, started, inbox, kind])
    return run_id


def _new_run_id(started: datetime) -> str:
    """When the run began, to the second, and six random hex digits: sorts by time, and two
    runs begun in the same second (an upload during the night) still differ."""
    return f"{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


def record_quiet_run(con: duckdb.DuckDBPyConnection, inbox: str, n_seen: int,
                     summary_md: str) -> str:
    """Record a run that found nothing new, already finished; returns its run_id. The roll-ups
    are not refreshed: nothing changed."""
    started = datetime.now()
    run_id = _new_run_id(started)
    con.execute("""INSERT INTO core.runs (run_id, started_at, finished_at, inbox, n_seen, n_new,
                       n_accepted, n_rejected, n_quarantined, n_duplicate, n_superseded,
                       summary_md, status, kind)
                   VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 0, ?, 'finished', 'ingest')""",
                [run_id, started, datetime.now(), inbox, n_seen, summary_md])
    return run_id


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, n_seen: int,
               status: RunStatus = "finished", summary_md: str | None = None,
               docs_path: str | None = None) -> dict[str, int]:
    """Close a run: count what it did from the rows it wrote, so the counts cannot drift.

    n_new is the files this run recorded (or, reprocessing, read again); n_accepted …
    n_duplicate the statuses those files have now; n_superseded the reports (of any run) that a
    report of this run superseded, earlier readings of the same files aside. The run is
    marked finished and the roll-ups refreshed in one transaction: a run killed between the two
    would be finished with stale roll-ups, which no later quiet night would notice.
    """
    with transaction(con):
        result = _close_run(con, run_id, n_seen, status, summary_md, docs_path)
        refresh_rollups(con)
    return result


def _close_run(con: duckdb.DuckDBPyConnection, run_id: str, n_seen: int, status: RunStatus,
               summary_md: str | None, docs_path: str | None) -> dict[str, int]:
    counts = con.execute("""
        SELECT count(*) AS n_new,
               count(*) FILTER (WHERE status = 'accepted') AS n_accepted,
               count(*) FILTER (WHERE status = 'rejected') AS n_rejected,
               count(*) FILTER (WHERE status = 'quarantined') AS n_quarantined,
               count(*) FILTER (WHERE status = 'duplicate') AS n_duplicate,
               (SELECT count(*) FROM core.reports old JOIN core.reports new
                    ON old.superseded_by = new.report_id
                WHERE new.run_id = $run_id AND old.reread_by IS NULL) AS n_superseded
        FROM core.submissions WHERE read_run_id = $run_id""", {"run_id": run_id})
    names = [column[0] for column in counts.description]
    result = {"n_seen": n_seen, **dict(zip(names, counts.fetchone(), strict=True))}
    updated = con.execute("""UPDATE core.runs SET finished_at = ?, status = ?, summary_md = ?,
                                 docs_path = ?, n_seen = ?, n_new = ?, n_accepted = ?,
                                 n_rejected = ?, n_quarantined = ?, n_duplicate = ?,
                                 n_superseded = ?
                             WHERE run_id = ?""",
                          [datetime.now(), status, summary_md, docs_path, *result.values(),
                           run_id]).fetchone()[0]
    if updated != 1:
        raise ValueError(f"no run {run_id!r} to finish: start it with start_run")
    return result


def set_summary(con: duckdb.DuckDBPyConnection, run_id: str, summary_md: str) -> None:
    """Replace a closed run's summary (lines added after it closed: the answers sent)."""
    con.execute("UPDATE core.runs SET summary_md = ? WHERE run_id = ?", [summary_md, run_id])


def run_statuses(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, str]:
    """inbox_path → status now, for the files a run recorded or read again (a later file of the
    same run may have superseded an earlier one after it was loaded)."""
    rows = con.execute("SELECT inbox_path, status FROM core.submissions WHERE read_run_id = ?",
                       [run_id]).fetchall()
    return dict(rows)


def mark_interrupted_runs(con: duckdb.DuckDBPyConnection) -> int:
    """Runs still marked running were killed (the caller holds the run lock): mark them failed,
    and bring the roll-ups up to the reports they loaded before they died (one transaction, for
    the same reason as ``finish_run``)."""
    with transaction(con):
        marked = con.execute("UPDATE core.runs SET status = 'failed' WHERE status = 'running'"
                             ).fetchone()[0]
        if marked:
            refresh_rollups(con)
    return marked
