"""The steps of a run as plain functions over plain data: what the Prefect tasks call.

Kept free of Prefect so each can be tested and reasoned about alone; flows/nightly.py only
wires them, with retries where the disk or the warehouse can fail.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from cchc.errors import CchcError, UnreadableReport
from cchc.flows.inbox import Received
from cchc.labels import FILE_STATUS, said
from cchc.settings import Settings
from cchc.transforms.model import Report
from cchc.transforms.narrative import Claim

log = logging.getLogger("cchc.ingest")

# Vietnamese like every other reason a person reads in submissions.reason.
# The longest the night's load waits, once per officer's action, for the desk to apply it.
DESK_WAIT_SECONDS = 10.0
DUPLICATE_REASON = ("tệp trùng hoàn toàn với một tệp đã nhận trước đó (cùng nội dung); không "
                    "cần xử lý thêm")


@dataclass(frozen=True)
class Extracted:
    """One received file and what extraction made of it: a report, or why there is none.

    Neither (report and reason both None) marks a duplicate of bytes already handled.
    """

    received: Received
    report: Report | None = None
    claims: tuple[Claim, ...] = ()
    reason: str | None = None


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
    kind: str = "ingest"  # or "reprocess": files read again from the archive
    # Lines about what came before and after the files: the mailbox pulled, the communes
    # answered (flows/mailbox.py, flows/answers.py).
    notes: tuple[str, ...] = ()

    def markdown(self) -> str:
        """The run summary as Markdown, in Vietnamese: published as a Prefect artifact, printed,
        and shown in the desk's run log, where the officer reads it."""
        notes = "".join(f"\n\n{note}" for note in self.notes)
        if not self.outcomes and self.kind == "reprocess":
            return "Không có tệp lưu trữ nào khớp điều kiện để đọc lại."
        if not self.outcomes:
            return (f"Không có tệp mới trong hộp thư ({self.n_seen} tệp đã nhận từ trước)."
                    + notes)
        title, what = ("Lần đọc lại", "đọc lại") if self.kind == "reprocess" else (
            "Lần nạp", "mới")
        lines = [f"# {title} {self.run_id}", *(line for note in self.notes
                                               for line in ("", note)), "",
                 f"Số tệp đã xét: {self.n_seen}; {what}: {len(self.outcomes)}", "",
                 "| tình trạng | số tệp |", "| --- | --- |"]
        lines += [f"| {said(FILE_STATUS, status)} | {n} |"
                  for status, n in sorted(self.counts.items())]
        lines += ["", "| tệp | tình trạng | xã | kỳ | lỗi | lưu ý | lý do |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        lines += [f"| {o.file_name} | {said(FILE_STATUS, o.status)} | {o.commune or ''} | "
                  f"{o.period or ''} | {o.n_errors} | {o.n_warnings} | "
                  f"{(o.reason or '').replace('|', '/')} |"
                  for o in self.outcomes]
        lines += ["", f"Kho dữ liệu: {self.db}", f"Lưu trữ tệp gốc: {self.archive}"]
        if self.docs:
            lines.append(f"Báo cáo kiểm tra dữ liệu (Great Expectations Data Docs): {self.docs}")
        return "\n".join(lines)


def begin_run(settings: Settings, kind: str = "ingest") -> tuple[str, set[str]]:
    """Open the run in the warehouse; (run_id, every content already received)."""
    from cchc.warehouse.load import known_sha256
    from cchc.warehouse.runs import mark_interrupted_runs, start_run
    from cchc.warehouse.schema import connect

    con = connect(settings.db, retry_seconds=60)
    try:
        mark_interrupted_runs(con)
        return start_run(con, str(settings.inbox), kind=kind), known_sha256(con)
    finally:
        con.close()


def quiet_night(settings: Settings, n_seen: int, notes: tuple[str, ...] = ()) -> RunSummary:
    """A night with nothing new still leaves its run in the warehouse, so that ``cchc status``
    tells a quiet night from a night that never ran; and it closes a run killed after its last
    load (still marked running, its roll-ups not refreshed). Nothing else: a quiet night stays
    quick, so the roll-ups are refreshed only when such a run is closed."""
    from cchc.warehouse.runs import mark_interrupted_runs, record_quiet_run
    from cchc.warehouse.schema import connect

    summary = RunSummary(None, n_seen, db=str(settings.db), archive=str(settings.archive),
                         notes=notes)
    con = connect(settings.db, retry_seconds=60)
    try:
        mark_interrupted_runs(con)
        run_id = record_quiet_run(con, str(settings.inbox), n_seen, summary.markdown())
    finally:
        con.close()
    return replace(summary, run_id=run_id)


def add_notes(settings: Settings, summary: RunSummary, notes: tuple[str, ...]) -> RunSummary:
    """The summary with lines added after its run was recorded (the answers sent once the
    night is over), stored with the run as well."""
    from cchc.warehouse.runs import set_summary
    from cchc.warehouse.schema import connect

    if not notes:
        return summary
    summary = replace(summary, notes=(*summary.notes, *notes))
    if summary.run_id is not None:
        con = connect(settings.db, retry_seconds=60)
        try:
            set_summary(con, summary.run_id, summary.markdown())
        finally:
            con.close()
    return summary


def first_of_each(received: Sequence[Received], seen_before: set[str]) -> list[Received]:
    """The files whose bytes are new: not in the warehouse, and the first to arrive (by mtime)
    of their kind tonight; later copies are duplicates of it."""
    fresh, seen = [], set(seen_before)
    for item in sorted(received, key=lambda r: (r.mtime, str(r.path))):
        if item.sha256 not in seen:
            fresh.append(item)
            seen.add(item.sha256)
    return fresh


def extract(received: Received, province: str | None = None, rules: Path | None = None
            ) -> Extracted:
    """Extract one file; an unreadable file becomes a reason, never an exception that stops the
    night. An unexpected error is a bug in cchc: it is logged in full and the file kept.
    ``province`` is the inbox's setting (settles names several provinces share), ``rules`` the
    office's rules file (the template is loaded with it once per process)."""
    from cchc.flows.reading import read_report, template_for

    try:
        report, claims = read_report(received.path, template_for(rules), province)
    except UnreadableReport as exc:  # the name has its own column; reasons then group by kind
        return Extracted(received, reason=exc.reason)
    except CchcError as exc:
        return Extracted(received, reason=str(exc))
    except Exception as exc:  # a bug must not lose the file or stop the other communes
        log.exception("extracting %s", received.path)
        return Extracted(received, reason=f"cchc failed on this file ({type(exc).__name__}: "
                                          f"{exc}); it is kept in the archive; please report "
                                          "this as a bug")
    return Extracted(received, report, claims)


def history_for(settings: Settings, reports: Sequence[Report], wait: float = 60):
    """The past figures of the communes these reports are from (for the history check),
    waiting at most ``wait`` seconds for the warehouse."""
    from cchc.warehouse.history import history_frame
    from cchc.warehouse.schema import connect

    con = connect(settings.db, read_only=True, retry_seconds=wait)
    try:
        return history_frame(con, [(r.admin_map, r.meta.commune_code) for r in reports
                                   if r.admin_map and r.meta.commune_code])
    finally:
        con.close()


def read_with(settings: Settings):
    """What tonight's reports are read and checked with: this cchc, this reference data."""
    from cchc import __version__
    from cchc.flows.reading import template_for
    from cchc.transforms.validate import reference_sha256
    from cchc.warehouse.load import ReadWith

    template = template_for(settings.rules)
    return ReadWith(__version__, reference_sha256(template), template.name, template.version)


def load_batch(db: Path, run_id: str, batch: Sequence[Extracted], verdicts: dict,
               read_with=None) -> list[Outcome]:
    """Load a batch of files, each in its own transaction, holding the warehouse briefly.

    A file already recorded with the same bytes at the same path (copied again, so only its
    mtime changed) is not news: its new mtime is noted so the next run skips it at the stat.
    A file this very run recorded is news, though: a retried batch finds the files its first
    attempt loaded already recorded, and they belong in the run's summary all the same.
    """
    from cchc.warehouse.load import recorded_in, touch
    from cchc.warehouse.schema import connect

    con = connect(db, retry_seconds=60)
    outcomes = []
    try:
        for item in batch:
            submission = submission_of(item)
            changed, outcome = load_one(con, run_id, submission, item, verdicts, read_with)
            if changed or recorded_in(con, submission.submission_id) == run_id:
                outcomes.append(outcome)
            else:
                touch(con, submission)
    finally:
        con.close()
    return outcomes


def make_way_for_the_desk(db: Path, yielded: set[str],
                          longest: float = DESK_WAIT_SECONDS) -> None:
    """Between two batches, let the officers' pending actions in: wait (at most ``longest``
    seconds) while actions the desk spooled are still waiting. Without it the desk, trying
    once a second, rarely hits the instant between two batches, and an officer waited a
    minute or more behind a 2,000-report load. ``yielded`` is the actions already waited for,
    so that a desk that is not running (its spool stays full) delays a night only once."""
    from cchc.warehouse.spool import pending_ids

    waiting = pending_ids(db) - yielded
    deadline = time.monotonic() + longest
    while waiting & pending_ids(db) and time.monotonic() < deadline:
        time.sleep(0.1)
    yielded |= waiting


def load_one(con, run_id: str, submission, item: Extracted, verdicts: dict,
             read_with) -> tuple[bool, Outcome]:
    """Load one file inside the caller's transaction: (whether anything changed, its outcome).
    Also how a desk upload is loaded (flows/upload.py)."""
    from cchc.warehouse.load import load_report, record_submission

    name, path = submission.file_name, submission.inbox_path
    if item.report is None:
        status, reason = ("duplicate", DUPLICATE_REASON) if item.reason is None else (
            "quarantined", item.reason)
        result = record_submission(con, run_id, submission, status, reason)
        return result.outcome != "unchanged", Outcome(name, path, result.status, reason)
    verdict = verdicts[item.received.sha256]
    result = load_report(con, run_id, submission, item.report, verdict.issues, verdict.status,
                         read_with)
    return result.outcome != "unchanged", _report_outcome(name, path, result.status, item,
                                                          verdict)


def _report_outcome(name: str, path: str, status: str, item: Extracted, verdict) -> Outcome:
    meta = item.report.meta
    return Outcome(name, path, status, None, meta.commune_name, meta.period,
                   sum(i.severity == "error" for i in verdict.issues),
                   sum(i.severity == "warning" for i in verdict.issues))


def submission_of(item: Extracted):
    """The submission row of a received file."""
    from cchc.warehouse.load import Submission

    received = item.received
    return Submission(
        file_name=received.path.name, inbox_path=str(received.path), sha256=received.sha256,
        size=received.size, mtime=received.mtime, received_at=received.received_at,
        archive_path=str(received.archive_path),
        format=item.report.source.format if item.report is not None else None)


def files_to_reread(settings: Settings, period: str | None, commune: str | None,
                    since: str | None) -> list:
    """The archived files a reprocess reads again (``warehouse.reread.files_to_reread``)."""
    from cchc.transforms.periods import parse_period
    from cchc.warehouse.reread import files_to_reread as archived
    from cchc.warehouse.schema import connect

    period = parse_period(period).key if period is not None else None
    if not settings.db.exists():
        raise CchcError(f"no warehouse at {settings.db}: nothing was ever received to read "
                        "again; pass the path of the warehouse with --db")
    units = None
    if commune is not None and not commune.strip().isdigit():
        units = frozenset((u.admin_map, u.code) for u in communes_named(commune, settings.province))
        commune = None
    con = connect(settings.db, retry_seconds=60)
    try:
        return archived(con, period, commune, since, units)
    finally:
        con.close()


def communes_named(name: str, province: str | None) -> list:
    """The communes ``--commune NAME`` means, on either map, matched as letterheads are
    (admin_units.find_all): one per map at most, else the command stops listing them."""
    from cchc.transforms import admin_units
    from cchc.transforms.report import describe

    found = [u for admin_map in admin_units.MAPS
             for u in admin_units.find_all("commune", name, province_code=province,
                                           admin_map=admin_map)]
    if not found:
        raise CchcError(f"--commune {name!r}: no commune of that name on either map; pass its "
                        "GSO code (reference/admin_units.csv)")
    if any(sum(u.admin_map == m for u in found) > 1 for m in admin_units.MAPS):
        raise CchcError(f"--commune {name!r} names {len(found)} communes: "
                        f"{'; '.join(f'{describe(u)} [{u.admin_map}]' for u in found)}; pass "
                        "the GSO code of the one meant, or --province")
    return found


def from_archive(archived) -> Received:
    """An archived file as the extract step takes it: read from its archived bytes."""
    submission = archived.submission
    return Received(Path(submission.archive_path), submission.size, submission.mtime,
                    submission.sha256, Path(submission.archive_path), submission.received_at)


def reread_batch(db: Path, run_id: str, batch: Sequence[Extracted], verdicts: dict,
                 files: dict, read_with) -> list[Outcome]:
    """Store a new reading of each file of a batch (``files``: the Archived by sha256), each
    in its own transaction, holding the warehouse briefly as ``load_batch`` does."""
    from cchc.warehouse.reread import still_unreadable, store_reading
    from cchc.warehouse.schema import connect

    con = connect(db, retry_seconds=60)
    outcomes = []
    try:
        for item in batch:
            archived = files[item.received.sha256]
            name, path = archived.submission.file_name, archived.submission.inbox_path
            if item.report is None:
                result = still_unreadable(con, run_id, archived, item.reason or "")
                kept = " (giữ bản đọc trước)" if result.outcome == "unchanged" else ""
                outcomes.append(Outcome(name, path, "quarantined", f"{item.reason}{kept}"))
                continue
            verdict = verdicts[item.received.sha256]
            result = store_reading(con, run_id, archived, item.report, verdict.issues,
                                   verdict.status, read_with)
            outcomes.append(_report_outcome(name, path, result.status, item, verdict))
    finally:
        con.close()
    return outcomes


def finish(settings: Settings, run_id: str, n_seen: int, outcomes: Sequence[Outcome],
           docs_index: str | None, kind: str = "ingest",
           notes: tuple[str, ...] = ()) -> RunSummary:
    """Close the run; its summary, with each file's final status (a later file of the same
    run may have superseded an earlier one after it was loaded)."""
    from cchc.warehouse.runs import finish_run, run_statuses
    from cchc.warehouse.schema import connect

    con = connect(settings.db, retry_seconds=60)
    try:
        final = run_statuses(con, run_id)
        outcomes = tuple(replace(o, status=final.get(o.inbox_path, o.status)) for o in outcomes)
        summary = RunSummary(run_id, n_seen, outcomes, dict(Counter(o.status for o in outcomes)),
                             str(settings.db), str(settings.archive), docs_index, kind, notes)
        finish_run(con, run_id, n_seen, summary_md=summary.markdown(), docs_path=docs_index)
    finally:
        con.close()
    return summary
