"""The nightly ingest: (mailbox →) inbox → fingerprint and archive → extract → validate → load
→ summary (→ answers to the communes).

``run_ingest`` is what the command line and the deployment call. It decides what is new with a
stat per file and one read of the warehouse, and only then starts Prefect, so that a night with
nothing new takes about a second. The flow's tasks are thin calls of plain functions; only the
ones that touch the disk or the warehouse retry. Files are extracted by ``settings.workers``
processes on this machine (flows/extraction.py) or, with ``runner = "dask"``, on a Dask
cluster (flows/runners.py); validation and loads always run in the flow's own process. Each
report is loaded in its own transaction, and the warehouse is opened per batch of loads, never
for the whole run, so that analysts can query while the night runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextvars import ContextVar

from cchc.flows.extraction import ExtractionProcesses
from cchc.flows.inbox import Candidate, discover, new_candidates, run_lock
from cchc.flows.steps import RunSummary, add_notes, quiet_night
from cchc.settings import Settings

Progress = Callable[[str, int, int], None]

# Where the flow reports its progress (the command line's bar). Not a flow parameter: Prefect
# records parameters with the flow run, and a callable is neither recordable nor meaningful
# there. The flow reads it in its own process; tasks never do.
progress_to: ContextVar[Progress | None] = ContextVar("progress_to", default=None)
# The extraction processes of a thread-runner run (flows/extraction.py); None under Dask, whose
# workers extract in their own processes.
extract_in: ContextVar[ExtractionProcesses | None] = ContextVar("extract_in", default=None)


def plan(settings: Settings) -> tuple[list[Candidate], list[Candidate]]:
    """(everything in the inbox, what is new): no hashing, one short read of the warehouse."""
    from cchc.warehouse.load import known_files
    from cchc.warehouse.schema import connect

    found = discover(settings.inbox)
    if not settings.db.exists():
        return found, found
    con = connect(settings.db, read_only=True, retry_seconds=60)
    try:
        known = known_files(con)
    finally:
        con.close()
    return found, new_candidates(found, known)


def run_ingest(settings: Settings, progress: Progress | None = None) -> RunSummary:
    """Ingest what is new in the inbox; the run's summary. Raises RunInProgress when another
    ingest holds the warehouse."""
    from cchc.flows.answers import answer
    from cchc.flows.mailbox import pulled_note

    with run_lock(settings.db):
        notes = pulled_note(settings)  # the office mailbox first, when one is set
        found, new = plan(settings)
        if not new:
            summary = quiet_night(settings, len(found), notes)
        else:
            _quiet_prefect()
            from cchc.flows.nightly import nightly_ingest

            summary = run_flow(settings, progress, nightly_ingest, settings, notes)
        return add_notes(settings, summary, answer(settings))


def run_reprocess(settings: Settings, period: str | None = None, commune: str | None = None,
                  since: str | None = None, progress: Progress | None = None) -> RunSummary:
    """Read the archived files again with today's cchc and reference data, as one run (see
    warehouse/reread.py): those of ``period``, of ``commune``, read by cchc ``since`` or later;
    all of them when none is given. Takes the run lock as an ingest does."""
    from cchc.flows.steps import files_to_reread

    with run_lock(settings.db):
        files = files_to_reread(settings, period, commune, since)
        if not files:
            return RunSummary(None, 0, db=str(settings.db), archive=str(settings.archive),
                              kind="reprocess")
        _quiet_prefect()
        from cchc.flows.nightly import reprocess

        return run_flow(settings, progress, reprocess, settings, files)


def run_flow(settings: Settings, progress: Progress | None, flow, *parameters) -> RunSummary:
    """Run a flow of flows/nightly.py with the settings' task runner and extraction processes."""
    from prefect.settings import temporary_settings

    from cchc.flows.runners import task_runner

    runner = task_runner(settings.runner, settings.workers, settings.address)
    processes = ExtractionProcesses(settings.workers) if settings.runner == "thread" else None
    tokens = progress_to.set(progress), extract_in.set(processes)
    try:
        with temporary_settings(updates={"flows.heartbeat_frequency": None}):
            return flow.with_options(task_runner=runner)(*parameters)
    finally:
        progress_to.reset(tokens[0])
        extract_in.reset(tokens[1])
        if processes is not None:
            processes.close()


def _quiet_prefect() -> None:
    """Prefect's defaults for a command-line tool on a machine that may be offline."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
