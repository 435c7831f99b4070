"""A report handed in at the desk — a commune's upload, or an officer's on its behalf for a file
that came on paper, by Zalo or on a USB stick — read and checked at once with the night's own
code, kept, and loaded as soon as the warehouse is free.

Nothing is lost on the way: the file is first put in the inbox (``tai-len/<commune>/``), where
the night would read it whatever happens next, and how it came (who, which way, the note) is
spooled beside the warehouse until it is recorded. The verdict does not wait for the warehouse:
extraction runs in a process of its own, bounded in time and memory (a hostile PDF costs that
process only), and validation needs no write. Loading then takes the warehouse for a moment; when
the night holds it, the desk's background loop loads the upload once it is free.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import time
import zipfile
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cchc.errors import CchcError
from cchc.flows import steps
from cchc.flows.inbox import Candidate, archive, fingerprint
from cchc.labels import FILE_STATUS, said
from cchc.settings import Settings
from cchc.transforms.model import Issue

UPLOAD_FOLDER = "tai-len"
EXTRACT_SECONDS = 60  # the slowest report seen took 4 s to read
EXTRACT_MEMORY = 2 * 1024 ** 3  # bytes of address space for the reading process
READABLE = {"pdf": "PDF", "docx": "Word (.docx)", "xlsx": "Excel (.xlsx)"}
NOT_A_REPORT = ("Tệp này không phải báo cáo dạng PDF, Word (.docx) hoặc Excel (.xlsx): hãy gửi "
                "tệp báo cáo kèm Phụ lục 01b (tệp .doc, .xls cũ: mở và lưu lại thành .docx, "
                ".xlsx; bản giấy: quét thành PDF).")
TOO_SLOW = ("Hệ thống chưa đọc xong tệp trong {seconds} giây; tệp vẫn được giữ và sẽ được đọc lại "
            "trong lần nạp ban đêm; nếu vẫn không đọc được, đề nghị gửi lại tệp PDF xuất từ "
            "Word hoặc tệp .docx/.xlsx")


class NotAReport(CchcError):
    """The bytes are not a PDF, DOCX or XLSX."""


@dataclass(frozen=True)
class Upload:
    """One file handed in at the desk, once it is in the inbox."""

    inbox_path: str
    file_name: str  # as the uploader's computer named it
    sha256: str
    uploaded_by: str
    received_via: str  # "upload" (the commune's own account) or "other" (an officer for it)
    arrived_at: str  # ISO time
    note: str | None = None
    unit: tuple[str, str] | None = None  # a commune account's (map, code)


@dataclass(frozen=True)
class Answer:
    """What the uploader is told at once."""

    status: str  # accepted, rejected, quarantined (unreadable), duplicate
    issues: tuple[Issue, ...]
    reason: str | None
    commune_name: str | None
    period: str | None
    report_id: str | None
    loaded: bool  # in the warehouse now (False: waiting for the night's load to let go)


def kind_of(path: Path) -> str:
    """"pdf", "docx" or "xlsx" from the file's bytes (not its name); NotAReport otherwise."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as package:
                names = set(package.namelist())
        except (zipfile.BadZipFile, OSError):
            raise NotAReport(NOT_A_REPORT) from None
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    raise NotAReport(NOT_A_REPORT)


def receive(settings: Settings, uploaded: Path, file_name: str, uploaded_by: str,
            unit: tuple[str, str] | None, note: str | None = None,
            for_code: str | None = None) -> Upload:
    """Move the uploaded file (a temporary file) into the inbox, named for its commune (the
    commune account's ``unit``, or the code an officer gave, ``for_code``) and the time, with
    the suffix its bytes call for; NotAReport (the file discarded: the uploader still has it)
    when it is not a report."""
    kind = kind_of(uploaded)
    now = datetime.now()
    folder = settings.inbox / UPLOAD_FOLDER / (unit[1] if unit else for_code or "khac")
    folder.mkdir(parents=True, exist_ok=True)
    stem = _safe(Path(file_name).stem) or "bao-cao"
    target = folder / f"{now:%Y%m%d-%H%M%S}-{stem}.{kind}"
    for n in range(2, 100):
        if not target.exists():
            break
        target = folder / f"{now:%Y%m%d-%H%M%S}-{stem}-{n}.{kind}"
    shutil.move(uploaded, target)
    return Upload(str(target.resolve()), file_name, fingerprint(target), uploaded_by,
                  "upload" if unit else "other", now.isoformat(timespec="seconds"),
                  note or None, unit)


def read_and_check(settings: Settings, upload: Upload) -> tuple[steps.Extracted, Any]:
    """The night's extraction (bounded, in its own process) and validation of one upload:
    (what was extracted, its verdict or None for a file that could not be read)."""
    from cchc.flows.reading import template_for
    from cchc.transforms.validate import validate_reports

    received = _received(settings, upload)
    extracted = _extract_bounded(received, settings.province, settings.rules)
    if extracted.report is None:
        return extracted, None
    verdict = validate_reports([(extracted.report, extracted.claims)],
                               template_for(settings.rules),
                               _history(settings, extracted))[upload.sha256]
    if upload.unit and not _same_commune(extracted.report, upload.unit):
        verdict = _with(verdict, _other_commune(extracted.report, upload.unit))
    return extracted, verdict


def load(con, settings: Settings, upload: Upload, extracted: steps.Extracted,
         verdict: Any) -> Answer:
    """Record the arrival, then load the file as the night would, in one short run of its own
    (kind "upload"), inside the caller's transaction."""
    from cchc.warehouse.mail import Arrival, record_arrival
    from cchc.warehouse.runs import finish_run, start_run

    record_arrival(con, Arrival(upload.inbox_path, upload.sha256, upload.received_via,
                                datetime.fromisoformat(upload.arrived_at),
                                attachment_name=upload.file_name, note=_note(upload)))
    run_id = start_run(con, str(settings.inbox), kind="upload")
    verdicts = {upload.sha256: verdict} if verdict is not None else {}
    duplicate = con.execute("SELECT report_id FROM core.submissions WHERE sha256 = ? LIMIT 1",
                            [upload.sha256]).fetchone()
    item = extracted if duplicate is None else steps.Extracted(extracted.received)
    _, outcome = steps.load_one(con, run_id, steps.submission_of(item), item, verdicts,
                                steps.read_with(settings))
    finish_run(con, run_id, n_seen=1, summary_md=_summary(upload, outcome))
    return answer(extracted, verdict, outcome.status, duplicate[0] if duplicate else
                  (upload.sha256 if extracted.report is not None else None), loaded=True)


def answer(extracted: steps.Extracted, verdict: Any, status: str | None = None,
           report_id: str | None = None, loaded: bool = False) -> Answer:
    """What the uploader is told, from the verdict (and, once loaded, the stored status)."""
    if extracted.report is None:
        return Answer(status or "quarantined", (), extracted.reason, None, None, report_id,
                      loaded)
    meta = extracted.report.meta
    return Answer(status or verdict.status, verdict.issues, None, meta.commune_name,
                  meta.period, report_id, loaded)


# Waiting for the warehouse --------------------------------------------------------------------

def spool(db: Path, upload: Upload) -> Path:
    """Keep the upload's arrival beside the warehouse until it is loaded (written whole)."""
    folder = _spool_dir(db)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{upload.sha256[:16]}-{int(time.time() * 1000)}.json"
    draft = path.with_suffix(".part")
    draft.write_text(json.dumps(asdict(upload), ensure_ascii=False), encoding="utf-8")
    os.replace(draft, path)
    return path


def spooled(db: Path) -> list[tuple[Path, Upload]]:
    """The uploads waiting for the warehouse, oldest first."""
    folder = _spool_dir(db)
    found = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        data = json.loads(path.read_text(encoding="utf-8"))
        data["unit"] = tuple(data["unit"]) if data.get("unit") else None
        found.append((path, Upload(**data)))
    return found


def _spool_dir(db: Path) -> Path:
    from cchc.warehouse.spool import spool_dir

    return spool_dir(db) / "uploads"


# Small pieces ---------------------------------------------------------------------------------

def _received(settings: Settings, upload: Upload):
    path = Path(upload.inbox_path)
    stat = path.stat()
    received = archive(Candidate(path, stat.st_size, stat.st_mtime), settings.archive.resolve())
    return received


def _extract_bounded(received, province: str | None, rules: Path | None) -> steps.Extracted:
    context = multiprocessing.get_context("forkserver")
    with context.Pool(1, initializer=_limit_memory, maxtasksperchild=1) as pool:
        pending = pool.apply_async(steps.extract, (received, province, rules))
        try:
            return pending.get(EXTRACT_SECONDS)
        except multiprocessing.TimeoutError:
            pool.terminate()
            return steps.Extracted(received, reason=TOO_SLOW.format(seconds=EXTRACT_SECONDS))


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (EXTRACT_MEMORY, EXTRACT_MEMORY))


def _history(settings: Settings, extracted: steps.Extracted):
    """The commune's past figures for the history check; none while the night holds the
    warehouse (the check then runs when the upload is loaded by the night)."""
    from cchc.warehouse.schema import WarehouseBusy, WarehouseError

    try:
        return steps.history_for(settings, [extracted.report], wait=1.0)
    except (WarehouseBusy, WarehouseError):
        return None


def _same_commune(report, unit: tuple[str, str]) -> bool:
    from cchc.transforms.admin_units import same_commune

    return bool(report.meta.commune_code) and same_commune(report.admin_map,
                                                           report.meta.commune_code, *unit)


def _other_commune(report, unit: tuple[str, str]) -> Issue:
    return Issue("upload_commune", "warning", (),
                 f"Báo cáo ghi là của {report.meta.commune_name or 'một xã không rõ'}, nhưng "
                 f"được gửi từ tài khoản của xã mã {unit[1]}; đề nghị cán bộ kiểm tra xã nào "
                 "gửi báo cáo này")


def _with(verdict, issue: Issue):
    from dataclasses import replace

    return replace(verdict, issues=(*verdict.issues, issue))


def _note(upload: Upload) -> str:
    how = "xã tự tải lên" if upload.received_via == "upload" else "nhận qua đường khác"
    return f"{how}, tài khoản {upload.uploaded_by}" + (f": {upload.note}" if upload.note else "")


def _summary(upload: Upload, outcome) -> str:
    return (f"Tải lên tại bàn duyệt: {upload.file_name} ({_note(upload)}) — "
            f"{said(FILE_STATUS, outcome.status)}"
            + (f": {outcome.reason}" if outcome.reason else ""))


def _safe(name: str) -> str:
    """A file name stem that is safe on every disk: letters (Vietnamese kept), digits, - _."""
    return re.sub(r"[^\w\-]+", "-", name, flags=re.UNICODE).strip("-")[:80]
