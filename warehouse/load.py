"""Writing to the warehouse: runs, files received, reports, their figures and issues.

Plain functions over an open connection (``warehouse.schema.connect``), each committing one
thing whole, so that the nightly flow can call them one file at a time and a crash anywhere
leaves complete reports or none. Loads are idempotent: a file already recorded at the same inbox
path with the same bytes writes nothing and says so (``LoadResult.outcome == "unchanged"``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import duckdb
import pandas as pd

from cchc.transforms.model import Issue, Report
from cchc.transforms.periods import parse_period, report_window
from cchc.warehouse.schema import transaction, write_period

ReportStatus = Literal["accepted", "rejected"]
OtherStatus = Literal["quarantined", "duplicate"]
Outcome = Literal["loaded", "recorded", "duplicate", "unchanged"]
DUPLICATE_OF_REPORT = ("tệp trùng hoàn toàn với một báo cáo đã nạp trước đó (cùng nội dung); "
                       "không cần xử lý thêm")


@dataclass(frozen=True)
class Submission:
    """One file as it was found in the inbox: what the flow knows before reading it.

    ``mtime`` is ``os.stat().st_mtime`` (compared as is by ``known_files``); ``received_at`` is
    when the file arrived in the inbox (that mtime as naive local time), not when cchc found
    it: the commune sent it then, and timeliness counts from it; ``archive_path`` where its
    bytes are kept
    (content-addressed); ``format`` as detected from the bytes, None when unreadable.
    """

    file_name: str
    inbox_path: str
    sha256: str
    size: int
    mtime: float
    received_at: datetime
    archive_path: str | None
    format: str | None

    @property
    def submission_id(self) -> str:
        """Stable for (inbox_path, sha256), so recording the same file twice is a no-op."""
        key = f"{self.inbox_path}\0{self.sha256}".encode()
        return hashlib.sha256(key).hexdigest()[:20]


@dataclass(frozen=True)
class ReadWith:
    """What a report was read and checked with: the cchc version, the fingerprint of the
    reference data (``transforms.validate.reference_sha256``) and the template's name and
    version. Stored with each report; without it, the template loaded last is recorded."""

    cchc_version: str
    reference_sha256: str
    template: str | None = None
    template_version: str | None = None


@dataclass(frozen=True)
class LoadResult:
    """What a load did. ``outcome``: loaded (a new report), recorded (a quarantined or duplicate
    file noted), duplicate (bytes already loaded, noted as a duplicate submission), unchanged
    (this file was already recorded: nothing written). ``status`` is the submission's status
    afterwards; ``superseded`` the reports this load made superseded."""

    outcome: Outcome
    submission_id: str
    status: str
    report_id: str | None = None
    superseded: tuple[str, ...] = ()


def known_files(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, float, str]]:
    """inbox_path → (size, mtime, sha256) of the last file recorded there.

    The cheap "what is new" test: a file whose size and mtime match needs no hashing.
    """
    rows = con.execute("""SELECT inbox_path, size, mtime, sha256 FROM core.submissions
                          QUALIFY row_number() OVER (PARTITION BY inbox_path
                                                     ORDER BY received_at DESC) = 1""").fetchall()
    return {path: (size, mtime, sha256) for path, size, mtime, sha256 in rows}


def known_sha256(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every content ever received (loaded, rejected or quarantined): new bytes are not in it."""
    return {row[0] for row in con.execute("SELECT sha256 FROM core.files").fetchall()}


def record_submission(con: duckdb.DuckDBPyConnection, run_id: str, submission: Submission,
                      status: OtherStatus, reason: str,
                      duplicate_of: str | None = None) -> LoadResult:
    """Note a file that yields no new report: quarantined (unreadable) or a duplicate.

    The file row is kept either way: nothing that arrives is lost. ``duplicate_of`` defaults to
    the first submission of the same bytes. One transaction.
    """
    if status not in ("quarantined", "duplicate"):
        raise ValueError(f"record_submission takes quarantined or duplicate, not {status!r}; "
                         "use load_report for a report")
    with transaction(con):
        if _recorded(con, submission):
            return LoadResult("unchanged", submission.submission_id, _status(con, submission))
        _insert_file(con, run_id, submission)
        report_id = _existing_report(con, submission.sha256) if status == "duplicate" else None
        if status == "duplicate" and duplicate_of is None:
            duplicate_of = _first_submission(con, submission.sha256)
        _insert_submission(con, run_id, submission, status, reason, report_id, duplicate_of)
    return LoadResult("recorded", submission.submission_id, status, report_id)


def load_report(con: duckdb.DuckDBPyConnection, run_id: str, submission: Submission,
                report: Report, issues: Iterable[Issue], status: ReportStatus,
                read_with: ReadWith | None = None) -> LoadResult:
    """Store one extracted report whole, or nothing: file, submission, report, figures, issues.

    ``issues`` are the validation's; the extraction's (``report.issues``) are stored too, once.
    ``status`` is the validation's verdict. Then supersession: among the commune's reports for
    the period that are not rejected, the latest is current and the others are superseded.
    All in one transaction. Bytes already loaded under another path become a duplicate
    submission; the same file again changes nothing. ``read_with`` is stored with the report.
    """
    if status not in ("accepted", "rejected"):
        raise ValueError(f"a report is loaded accepted or rejected, not {status!r}")
    if status == "accepted" and not (report.meta.commune_code and report.meta.period
                                     and report.admin_map):
        raise ValueError(f"{submission.file_name}: a report without commune, period or map "
                         "cannot be accepted; load it as rejected")
    if report.admin_map == "2025" and report.meta.district_code:
        raise ValueError(f"{submission.file_name}: a report on the 2025 map has no district "
                         f"(got {report.meta.district_code!r}): districts ended on 2025-06-30")
    if report.source.sha256 != submission.sha256:
        raise ValueError(f"{submission.file_name}: the report was extracted from other bytes "
                         f"({report.source.sha256[:12]}) than the submission's "
                         f"({submission.sha256[:12]})")
    report_id = submission.sha256
    with transaction(con):
        if _recorded(con, submission):
            return LoadResult("unchanged", submission.submission_id, _status(con, submission),
                              report_id)
        _insert_file(con, run_id, submission)
        reading = _existing_report(con, submission.sha256)
        if reading:
            first = _first_submission(con, submission.sha256)
            _insert_submission(con, run_id, submission, "duplicate",
                               DUPLICATE_OF_REPORT, reading, first)
            return LoadResult("duplicate", submission.submission_id, "duplicate", reading)
        _insert_submission(con, run_id, submission, status, None, report_id, None)
        _insert_report(con, run_id, submission, report, status, report_id, 1, read_with)
        _insert_observations(con, run_id, report_id, report)
        _insert_issues(con, run_id, report_id, submission.submission_id,
                       _unique([*report.issues, *issues]))
        superseded = (apply_supersession(con, report.admin_map, report.meta.commune_code,
                                          report.meta.period, report_id)
                      if status == "accepted" else ())
    return LoadResult("loaded", submission.submission_id, _status(con, submission), report_id,
                      superseded)


def _recorded(con: duckdb.DuckDBPyConnection, submission: Submission) -> bool:
    return con.execute("SELECT count(*) FROM core.submissions WHERE submission_id = ?",
                       [submission.submission_id]).fetchone()[0] > 0


def _status(con: duckdb.DuckDBPyConnection, submission: Submission) -> str:
    return con.execute("SELECT status FROM core.submissions WHERE submission_id = ?",
                       [submission.submission_id]).fetchone()[0]


def _existing_report(con: duckdb.DuckDBPyConnection, sha256: str) -> str | None:
    """The latest reading of these bytes, if they were ever read into a report."""
    row = con.execute("SELECT report_id FROM core.reports WHERE sha256 = ? AND reread_by IS NULL",
                      [sha256]).fetchone()
    return row[0] if row else None


def _first_submission(con: duckdb.DuckDBPyConnection, sha256: str) -> str | None:
    row = con.execute("""SELECT submission_id FROM core.submissions WHERE sha256 = ?
                         ORDER BY received_at, submission_id LIMIT 1""", [sha256]).fetchone()
    return row[0] if row else None


def _insert_file(con: duckdb.DuckDBPyConnection, run_id: str, submission: Submission) -> None:
    con.execute("""INSERT INTO core.files VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT (sha256) DO NOTHING""",
                [submission.sha256, submission.size, submission.format,
                 submission.archive_path, submission.received_at, run_id])


def _insert_submission(con: duckdb.DuckDBPyConnection, run_id: str, submission: Submission,
                       status: str, reason: str | None, report_id: str | None,
                       duplicate_of: str | None) -> None:
    # How the file came is what its arrival says (the mailbox, an upload), else the inbox.
    con.execute("""INSERT INTO core.submissions (submission_id, run_id, file_name, inbox_path,
                       sha256, size, mtime, received_at, status, reason, report_id,
                       duplicate_of, read_run_id, received_via)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                           coalesce((SELECT received_via FROM core.arrivals
                                     WHERE inbox_path = ? AND sha256 = ?), 'inbox'))""",
                [submission.submission_id, run_id, submission.file_name, submission.inbox_path,
                 submission.sha256, submission.size, submission.mtime, submission.received_at,
                 status, reason, report_id, duplicate_of, run_id, submission.inbox_path,
                 submission.sha256])


def _insert_report(con: duckdb.DuckDBPyConnection, run_id: str, submission: Submission,
                   report: Report, status: str, report_id: str, reading: int,
                   read_with: ReadWith | None) -> None:
    meta = report.meta
    start, end = report_window(meta)
    cumulative = parse_period(meta.period).cumulative if meta.period else None
    if meta.period:
        write_period(con, meta.period)
    con.execute("""INSERT INTO core.reports (report_id, admin_map, commune_code, district_code,
                       province_code, period, period_start, period_end, cumulative, report_date,
                       doc_number, format, received_at, run_id, status, sha256, reading,
                       cchc_version, reference_sha256, template, template_version)
                   SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                          coalesce(?, t.template), coalesce(?, t.version)
                   FROM (SELECT NULL) LEFT JOIN core.current_template t ON true""",
                [report_id, report.admin_map, meta.commune_code, meta.district_code,
                 meta.province_code,
                 meta.period, start, end, cumulative, meta.report_date, meta.doc_number,
                 report.source.format, submission.received_at, run_id, status,
                 submission.sha256, reading, read_with and read_with.cchc_version,
                 read_with and read_with.reference_sha256,
                 read_with and read_with.template, read_with and read_with.template_version])


def _insert_observations(con: duckdb.DuckDBPyConnection, run_id: str, report_id: str,
                         report: Report) -> None:
    """Bulk insert from a DataFrame (one statement, ~50x faster than row by row)."""
    frame = pd.DataFrame([{"code": o.code, "value": o.value, "raw": o.raw, "unit": o.unit,
                           **_place_columns(o.place), "present": o.present}
                          for o in report.observations],
                         columns=["code", "value", "raw", "unit", *_PLACE_COLUMNS, "present"])
    frame = frame.astype({"value": "Float64", "page": "Int64", "line": "Int64",
                          "word_table": "Int64", "word_row": "Int64"})
    _insert_frame(con, frame, """INSERT INTO core.observations
        (report_id, code, value, raw, unit, page, sheet, cell, line, bbox, word_table, word_row,
         present, run_id)
        SELECT ?, code, value, raw, unit, page, sheet, cell, line, bbox::DOUBLE[], word_table,
               word_row, present, ? FROM frame""", [report_id, run_id])


_PLACE_COLUMNS = ("page", "sheet", "cell", "line", "bbox", "word_table", "word_row")


def _place_columns(place) -> dict:
    """Where a figure was read, as observation columns (all None for a row not in the file)."""
    if place is None:
        return dict.fromkeys(_PLACE_COLUMNS)
    return {"page": place.page, "sheet": place.sheet, "cell": place.cell, "line": place.line,
            "bbox": list(place.bbox) if place.bbox else None,
            "word_table": place.table, "word_row": place.row}


def _insert_issues(con: duckdb.DuckDBPyConnection, run_id: str, report_id: str,
                   submission_id: str, issues: list[Issue]) -> None:
    if not issues:
        return
    frame = pd.DataFrame([{"rule": i.rule, "severity": i.severity, "codes": list(i.codes),
                           "message": i.message} for i in issues])
    _insert_frame(con, frame, """INSERT INTO core.issues
        (report_id, submission_id, rule, severity, codes, message, run_id)
        SELECT ?, ?, rule, severity, codes::VARCHAR[], message, ? FROM frame""",
                  [report_id, submission_id, run_id])


def _insert_frame(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, sql: str,
                  parameters: list) -> None:
    """Run ``sql`` reading the DataFrame as ``frame``. Not unregistered on failure: an aborted
    transaction refuses even that, and the next call replaces the registration anyway."""
    con.register("frame", frame)
    con.execute(sql, parameters)
    con.unregister("frame")


def _unique(issues: list[Issue]) -> list[Issue]:
    return list(dict.fromkeys(issues))


def apply_supersession(con: duckdb.DuckDBPyConnection, admin_map: str, commune_code: str,
                       period: str, changed: str | None = None) -> tuple[str, ...]:
    """Make the latest non-rejected report of the commune and period current, the rest
    superseded by it; returns the reports that became superseded just now (``changed``, the
    report just loaded or whose status the review desk just changed, aside).

    The commune is its code on its map: codes were reused by the 2025 map, so Xã Hoằng Hóa's
    (15865, 2025) report never supersedes Thị trấn Bút Sơn's (15865, legacy).

    Latest means: later report date, then higher document number ("112/BC-UBND" → 112), then
    received later. An undated report sorts before a dated one. A rejected report takes no
    part: it neither supersedes nor is superseded. Nor does a reading that a newer reading of
    the same file replaced (``reread_by``).
    """
    ranked = con.execute("""
        SELECT report_id, status FROM core.reports
        WHERE admin_map = ? AND commune_code = ? AND period = ? AND status <> 'rejected'
              AND reread_by IS NULL
        ORDER BY report_date DESC NULLS LAST,
                 TRY_CAST(regexp_extract(doc_number, '^\\s*(\\d+)', 1) AS BIGINT) DESC NULLS LAST,
                 received_at DESC, report_id DESC""",
                         [admin_map, commune_code, period]).fetchall()
    if not ranked:
        return ()
    current, others = ranked[0][0], [row[0] for row in ranked[1:]]
    newly = tuple(report_id for report_id, status in ranked[1:]
                  if status == "accepted" and report_id != changed)
    con.execute("UPDATE core.reports SET status = 'accepted', superseded_by = NULL "
                "WHERE report_id = ?", [current])
    con.execute("UPDATE core.submissions SET status = 'accepted' "
                "WHERE report_id = ? AND status IN ('accepted', 'superseded')", [current])
    if others:
        con.execute("UPDATE core.reports SET status = 'superseded', superseded_by = ? "
                    "WHERE report_id IN (SELECT unnest(?::VARCHAR[]))", [current, others])
        con.execute("UPDATE core.submissions SET status = 'superseded' "
                    "WHERE report_id IN (SELECT unnest(?::VARCHAR[])) "
                    "AND status IN ('accepted', 'superseded')", [others])
    return newly


def recorded_in(con: duckdb.DuckDBPyConnection, submission_id: str) -> str | None:
    """The run that recorded a submission, None if none has."""
    row = con.execute("SELECT run_id FROM core.submissions WHERE submission_id = ?",
                      [submission_id]).fetchone()
    return row[0] if row else None


def touch(con: duckdb.DuckDBPyConnection, submission: Submission) -> None:
    """Note a recorded file's new size and mtime (same bytes, copied again), so that the next
    run's cheap stat comparison skips it."""
    con.execute("UPDATE core.submissions SET size = ?, mtime = ? WHERE submission_id = ?",
                [submission.size, submission.mtime, submission.submission_id])
