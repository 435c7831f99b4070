"""The nightly ingest: inbox → fingerprint and archive → extract → validate → load → summary.

``run_ingest`` is what the command line and the deployment call. It decides what is new with a
stat per file and one read of the warehouse, and only then starts Prefect, so that a night with
nothing new takes about a second. The flow's tasks are thin calls of plain functions; only the
ones that touch the disk or the warehouse retry. Each report is loaded in its own transaction,
and the warehouse is opened per batch of loads, never for the whole run, so that analysts can
query while the night runs.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from cchc.errors import CchcError
from cchc.settings import Settings
from flows.inbox import Candidate, Received, archive, discover, new_candidates, run_lock

log = logging.getLogger("cchc.ingest")

LOAD_BATCH = 20
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Outcome:
    """What became of one file."""

    file_name: str
    inbox_path: str
    status: str
    reason: str | None = None
    commune: str | None = None
    period: str | None = None
    n_errors: int = 0
    n_warnings: int = 0


@dataclass(frozen=True)
class RunSummary:
    """A run's result: counts by status, one Outcome per new file, where to look next."""

    run_id: str | None
    n_seen: int
    outcomes: tuple[Outcome, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)
    db: str = ""
    archive: str = ""
    docs: str | None = None

    def markdown(self) -> str:
        """The run summary as Markdown: published as a Prefect artifact and printed."""
        if not self.outcomes:
            return f"Nothing new in the inbox ({self.n_seen} files already recorded)."
        lines = [f"# cchc run {self.run_id}", "",
                 f"Files seen: {self.n_seen}; new: {len(self.outcomes)}", "",
                 "| status | files |", "| --- | --- |"]
        lines += [f"| {status} | {n} |" for status, n in sorted(self.counts.items())]
        lines += ["", "| file | status | commune | period | errors | warnings | reason |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        lines += [f"| {o.file_name} | {o.status} | {o.commune or ''} | {o.period or ''} | "
                  f"{o.n_errors} | {o.n_warnings} | {(o.reason or '').replace('|', '/')} |"
                  for o in self.outcomes]
        lines += ["", f"Warehouse: {self.db}", f"Archive: {self.archive}"]
        if self.docs:
            lines.append(f"Validation report (Great Expectations Data Docs): {self.docs}")
        return "\n".join(lines)


def plan(settings: Settings) -> tuple[list[Candidate], list[Candidate]]:
    """(everything in the inbox, what is new): no hashing, one short read of the warehouse."""
    from warehouse.load import known_files
    from warehouse.schema import connect

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
    with run_lock(settings.db):
        found, new = plan(settings)
        if not new:
            return RunSummary(None, len(found), db=str(settings.db),
                              archive=str(settings.archive))
        _quiet_prefect()
        from prefect.settings import temporary_settings

        with temporary_settings(updates={"flows.heartbeat_frequency": None}):
            return nightly_ingest(settings, new, len(found), progress)


def _quiet_prefect() -> None:
    """Prefect's defaults for a command-line tool on a machine that may be offline."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def _flow():
    """The Prefect flow, built on first use so that importing this module stays cheap."""
    from prefect import flow, task, unmapped
    from prefect.artifacts import create_markdown_artifact
    from prefect.cache_policies import NO_CACHE
    from prefect.futures import as_completed
    from prefect.task_runners import ThreadPoolTaskRunner

    from transforms.validate import validate_reports
    from warehouse.history import history_frame
    from warehouse.load import (
        finish_run,
        known_sha256,
        mark_interrupted_runs,
        run_statuses,
        start_run,
    )
    from warehouse.schema import connect

    receive = task(archive, name="receive", retries=2, retry_delay_seconds=2,
                   cache_policy=NO_CACHE)
    extract = task(_extract, name="extract", cache_policy=NO_CACHE)
    validate = task(validate_reports, name="validate", cache_policy=NO_CACHE)
    load = task(_load_batch, name="load", retries=2, retry_delay_seconds=5,
                cache_policy=NO_CACHE)

    @flow(name="nightly_ingest", validate_parameters=False)
    def nightly_ingest_flow(settings: Settings, new: list[Candidate], n_seen: int,
                            progress: Progress | None = None) -> RunSummary:
        con = connect(settings.db, retry_seconds=60)
        try:
            mark_interrupted_runs(con)
            run_id = start_run(con, str(settings.inbox))
            seen_before = known_sha256(con)
        finally:
            con.close()
        received = [f.result() for f in receive.map(new, unmapped(settings.archive))]
        fresh = _first_of_each(received, seen_before)
        read = []
        for future in as_completed(extract.map(fresh)):
            read.append(future.result())
            if progress:
                progress("extract", len(read), len(fresh))
        read.sort(key=lambda r: str(r.received.path))
        reports = [(r.report, r.lines) for r in read if r.report is not None]
        con = connect(settings.db, read_only=True, retry_seconds=60)
        try:
            history = history_frame(con, [r.meta.commune_code for r, _ in reports
                                          if r.meta.commune_code])
        finally:
            con.close()
        docs = settings.docs / run_id
        verdicts = validate.submit(reports, history, docs).result() if reports else {}
        outcomes = []
        todo = [*read, *(_Read(item) for item in received if item not in fresh)]
        for start in range(0, len(todo), LOAD_BATCH):
            batch = todo[start:start + LOAD_BATCH]
            outcomes += load.submit(settings.db, run_id, batch, verdicts).result()
            if progress:
                progress("load", len(outcomes), len(todo))
        con = connect(settings.db, retry_seconds=60)
        try:
            final = run_statuses(con, run_id)
            outcomes = [replace(o, status=final.get(o.inbox_path, o.status)) for o in outcomes]
            docs_index = str(docs / "index.html") if reports else None
            summary = RunSummary(run_id, n_seen, tuple(outcomes), _count(outcomes),
                               str(settings.db), str(settings.archive), docs_index)
            finish_run(con, run_id, n_seen, summary_md=summary.markdown(), docs_path=docs_index)
        finally:
            con.close()
        create_markdown_artifact(summary.markdown(), key="cchc-run-summary",
                                 description="What the nightly ingest did with each file")
        return summary

    return nightly_ingest_flow, ThreadPoolTaskRunner


def _count(outcomes: list[Outcome]) -> dict[str, int]:
    return dict(Counter(o.status for o in outcomes))


@dataclass(frozen=True)
class _Read:
    """One received file and what extraction made of it (a report, or a reason it could not)."""

    received: Received
    report: object | None = None
    lines: tuple = ()
    reason: str | None = None


def _extract(received: Received) -> _Read:
    """Extract one file; an unreadable file becomes a reason, never an exception that stops the
    night. An unexpected error is a bug in cchc: it is logged in full and the file kept."""
    from transforms.report import read_report

    try:
        report, lines = read_report(received.path)
    except CchcError as exc:
        return _Read(received, reason=str(exc))
    except Exception as exc:  # a bug must not lose the file or stop the other communes
        log.exception("extracting %s", received.path)
        return _Read(received, reason=f"cchc failed on this file ({type(exc).__name__}: {exc}); "
                                      "it is kept in the archive; please report this as a bug")
    return _Read(received, report, lines)


def _first_of_each(received: list[Received], seen_before: set[str]) -> list[Received]:
    """The files whose bytes are new: not in the warehouse, and the first to arrive (by mtime)
    of their kind tonight; later copies are duplicates of it."""
    fresh, seen = [], set(seen_before)
    for item in sorted(received, key=lambda r: (r.mtime, str(r.path))):
        if item.sha256 not in seen:
            fresh.append(item)
            seen.add(item.sha256)
    return fresh


def _load_batch(db: Path, run_id: str, batch: list[_Read], verdicts: dict) -> list[Outcome]:
    """Load a batch of files, each in its own transaction, holding the warehouse briefly.

    A file already recorded with the same bytes at the same path (copied again, so only its
    mtime changed) is not news: its new mtime is noted so the next run skips it at the stat.
    """
    from warehouse.load import load_report, record_submission, touch
    from warehouse.schema import connect

    con = connect(db, retry_seconds=60)
    outcomes = []
    try:
        for item in batch:
            submission = _submission(item.received, item.report)
            result, outcome = _load_one(con, run_id, submission, item, verdicts,
                                        load_report, record_submission)
            if result.outcome == "unchanged":
                touch(con, submission)
            else:
                outcomes.append(outcome)
    finally:
        con.close()
    return outcomes


def _load_one(con, run_id, submission, item: _Read, verdicts: dict, load_report,
              record_submission):
    if item.report is None and item.reason is None:
        reason = "same bytes as a file received before"
        result = record_submission(con, run_id, submission, "duplicate", reason)
        return result, Outcome(submission.file_name, submission.inbox_path, result.status, reason)
    if item.report is None:
        result = record_submission(con, run_id, submission, "quarantined", item.reason)
        return result, Outcome(submission.file_name, submission.inbox_path, result.status,
                               item.reason)
    verdict = verdicts[item.received.sha256]
    result = load_report(con, run_id, submission, item.report, verdict.issues, verdict.status)
    meta = item.report.meta
    return result, Outcome(submission.file_name, submission.inbox_path, result.status, None,
                           meta.commune_name, meta.period,
                           sum(i.severity == "error" for i in verdict.issues),
                           sum(i.severity == "warning" for i in verdict.issues))


def _submission(received: Received, report) -> object:
    from warehouse.load import Submission

    return Submission(
        file_name=received.path.name, inbox_path=str(received.path), sha256=received.sha256,
        size=received.size, mtime=received.mtime, received_at=received.received_at,
        archive_path=str(received.archive_path),
        format=report.source.format if report is not None else None)


def nightly_ingest(settings: Settings, new: list[Candidate], n_seen: int,
                   progress: Progress | None = None) -> RunSummary:
    """Run the Prefect flow over the new files, extracting ``settings.workers`` at a time."""
    nightly_ingest_flow, runner = _flow()
    return nightly_ingest_flow.with_options(task_runner=runner(max_workers=settings.workers))(
        settings, new, n_seen, progress)
