"""Reading archived files again (``cchc reprocess``): which files, and storing a new reading.

A reading is one report row made from a file's bytes. When cchc or its reference data changes,
a file may be read again into a new reading (report_id ``<sha256>-r<n>``); the earlier one
stays queryable, marked ``reread_by`` the new one and superseded by it, with its own figures and
issues. The file's submission then points at the new reading and takes its status, so that
the views, the roll-ups and ``cchc status`` see the files as today's code reads them.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import duckdb

from cchc.errors import CchcError
from cchc.transforms.model import Issue, Report
from cchc.warehouse.load import (
    LoadResult,
    ReadWith,
    ReportStatus,
    Submission,
    _insert_issues,
    _insert_observations,
    _insert_report,
    _unique,
    apply_supersession,
)
from cchc.warehouse.schema import transaction

_VERSION = re.compile(r"\d+(\.\d+)*")


class VersionError(CchcError):
    """A cchc version that cannot be compared (``--since``)."""


@dataclass(frozen=True)
class Archived:
    """A file as the warehouse knows it: its first submission, where its bytes are kept, and
    its latest reading (None when it was never read into a report: quarantined)."""

    submission: Submission
    reading: str | None
    admin_map: str | None
    commune_code: str | None
    period: str | None


def version_key(version: str) -> tuple[int, ...]:
    """"0.10.2" → (0, 10, 2), so that versions compare as numbers; VersionError otherwise."""
    if not _VERSION.fullmatch(version.strip()):
        raise VersionError(f"{version!r} is not a cchc version (such as 0.1.0): see "
                           "`pip show cchc` or reports.cchc_version")
    return tuple(int(part) for part in version.strip().split("."))


def files_to_reread(con: duckdb.DuckDBPyConnection, period: str | None = None,
                    commune: str | None = None, since: str | None = None,
                    units: Collection[tuple[str, str]] | None = None) -> list[Archived]:
    """Every file received once (duplicates aside), with its latest reading, by inbox path.

    ``period`` and ``commune`` (a GSO code, on any map) keep the files whose latest reading is
    of that period and commune, ``units`` (admin_map, code) those of these communes; ``since``
    those whose latest reading was made by cchc ``since`` or later. A file never read into a
    report has none of these and is kept only when none is given.
    """
    floor = version_key(since) if since is not None else None
    rows = con.execute("""
        SELECT s.submission_id, s.file_name, s.inbox_path, s.sha256, s.size, s.mtime,
               s.received_at, f.archive_path, f.format, r.report_id, r.admin_map,
               r.commune_code, r.period, r.cchc_version
        FROM core.submissions s
        JOIN core.files f ON f.sha256 = s.sha256
        LEFT JOIN core.reports r ON r.sha256 = s.sha256 AND r.reread_by IS NULL
        WHERE s.status <> 'duplicate'
        ORDER BY s.inbox_path, s.submission_id""").fetchall()
    found = []
    for (_, name, path, sha256, size, mtime, received_at, archive_path, fmt, reading,
         admin_map, commune_code, report_period, version) in rows:
        wanted = [period in (None, report_period), commune in (None, commune_code),
                  units is None or (admin_map, commune_code) in units,
                  floor is None or (version is not None and version_key(version) >= floor)]
        if not all(wanted):
            continue
        found.append(Archived(Submission(name, path, sha256, size, mtime, received_at,
                                         archive_path, fmt), reading, admin_map,
                              commune_code, report_period))
    return found


def store_reading(con: duckdb.DuckDBPyConnection, run_id: str, archived: Archived,
                  report: Report, issues: Iterable[Issue], status: ReportStatus,
                  read_with: ReadWith) -> LoadResult:
    """Store a new reading of an archived file, whole or not at all, and make it the file's.

    The earlier reading (if any) is kept, superseded by and ``reread_by`` the new one; every
    submission of the bytes points at the new one; the file's first submission takes its
    status; then the commune's current report for the period is decided again, for the
    reading's commune and period and for the earlier reading's, should they differ.
    """
    submission = archived.submission
    with transaction(con):
        number = con.execute("SELECT coalesce(max(reading), 0) + 1 FROM core.reports "
                             "WHERE sha256 = ?", [submission.sha256]).fetchone()[0]
        report_id = submission.sha256 if number == 1 else f"{submission.sha256}-r{number}"
        _insert_report(con, run_id, submission, report, status, report_id, number, read_with)
        _insert_observations(con, run_id, report_id, report)
        _insert_issues(con, run_id, report_id, submission.submission_id,
                       _unique([*report.issues, *issues]))
        if archived.reading is not None:
            con.execute("UPDATE core.reports SET status = 'superseded', superseded_by = ?, "
                        "reread_by = ? WHERE report_id = ?",
                        [report_id, report_id, archived.reading])
        con.execute("UPDATE core.submissions SET report_id = ? WHERE sha256 = ?",
                    [report_id, submission.sha256])
        con.execute("UPDATE core.submissions SET status = ?, reason = NULL, read_run_id = ? "
                    "WHERE submission_id = ?", [status, run_id, submission.submission_id])
        cells = {(report.admin_map, report.meta.commune_code, report.meta.period),
                 (archived.admin_map, archived.commune_code, archived.period)}
        superseded = tuple(
            report for admin_map, commune, period in cells if admin_map and commune and period
            for report in apply_supersession(con, admin_map, commune, period, report_id))
        final = con.execute("SELECT status FROM core.submissions WHERE submission_id = ?",
                            [submission.submission_id]).fetchone()[0]
    return LoadResult("loaded", submission.submission_id, final, report_id, superseded)


def still_unreadable(con: duckdb.DuckDBPyConnection, run_id: str, archived: Archived,
                     reason: str) -> LoadResult:
    """A file today's cchc cannot read either. A quarantined file takes today's reason. A file
    an earlier cchc did read keeps that reading: a regression of the reader must not throw
    away a report; the run's summary says what happened."""
    submission = archived.submission
    if archived.reading is not None:
        return LoadResult("unchanged", submission.submission_id, "quarantined",
                          archived.reading)
    with transaction(con):
        con.execute("UPDATE core.submissions SET reason = ?, read_run_id = ? "
                    "WHERE submission_id = ?", [reason, run_id, submission.submission_id])
    return LoadResult("recorded", submission.submission_id, "quarantined")

