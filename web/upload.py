"""The upload page: a commune sends its report and sees the verdict at once; an officer adds a
file that came another way ("nhận qua đường khác", with a note). The work is flows/upload.py's,
run in a thread off the event loop; this module reads the form and says the result.

The form is multipart: its CSRF token travels in the query string (``security.Guard`` never
holds an upload in memory) and its size is capped before it is read (``limits``).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cchc.errors import CchcError
from cchc.flows import upload as uploads
from cchc.labels import SEVERITY, said
from cchc.settings import Settings
from cchc.warehouse import desk
from cchc.warehouse.schema import WarehouseBusy
from cchc.web import pages
from cchc.web.store import Store

log = logging.getLogger("cchc.web")
Render = Callable[..., Response]
VERDICT = {"accepted": "Đã nhận: báo cáo hợp lệ",
           "rejected": "Báo cáo có lỗi: đề nghị xã sửa và gửi lại",
           "quarantined": "Hệ thống không đọc được tệp này",
           "duplicate": "Tệp này đã được gửi trước đó (cùng nội dung): không cần gửi lại"}


def unit_of(request: Request) -> tuple[str, str] | None:
    """A commune account's unit (map, code); None for the office's accounts."""
    unit = request.session.get("unit")
    return (unit[0], unit[1]) if unit else None


def check_own(request: Request, report: dict[str, Any]) -> None:
    """A commune account reads only its own unit's reports: anyone else's is "not found"."""
    unit = unit_of(request)
    if unit and (report.get("admin_map"), report.get("commune_code")) != unit:
        raise desk.DeskError("không có báo cáo này trong các báo cáo của xã")


def form_page(store: Store, render: Render) -> Callable:
    async def endpoint(request: Request) -> Response:
        unit = unit_of(request)

        def read() -> dict[str, Any]:
            if unit is None:
                return {}
            with store.read() as con:
                return pages.commune_page(con, *unit)
        try:
            mine = await run_in_threadpool(read)
        except WarehouseBusy:
            mine = {}
        return render(request, "upload.html", _data(unit, mine))
    return endpoint


def submit(store: Store, settings: Settings, render: Render) -> Callable:
    async def endpoint(request: Request) -> Response:
        unit = unit_of(request)
        form = await request.form(max_files=1, max_fields=5)
        sent = form.get("file")
        note = str(form.get("note", "")).strip()
        for_code = str(form.get("commune", "")).strip() or None
        problem = _form_problem(sent, unit, note, for_code)
        if problem:
            request.session["flash"] = problem
            return RedirectResponse("/upload", 303)
        temporary = await _to_disk(sent, settings.inbox)
        try:
            found = await run_in_threadpool(
                _handle, store, settings, temporary, sent.filename, request.session["user"],
                unit, note, for_code)
        except uploads.NotAReport as exc:
            return render(request, "upload.html", _data(unit, refused=str(exc)), 400)
        finally:
            temporary.unlink(missing_ok=True)
        return render(request, "upload.html", _data(unit, answer=_shown(found)))
    return endpoint


def _handle(store: Store, settings: Settings, temporary: Path, file_name: str, user: str,
            unit: tuple[str, str] | None, note: str, for_code: str | None) -> uploads.Answer:
    """In a thread: into the inbox, read and checked, then loaded or spooled."""
    kept = uploads.receive(settings, temporary, file_name, user, unit, note, for_code)
    extracted, verdict = uploads.read_and_check(settings, kept)
    try:
        with store.writer() as con:
            return uploads.load(con, settings, kept, extracted, verdict)
    except WarehouseBusy:
        uploads.spool(store.db, kept)
        return uploads.answer(extracted, verdict)


def apply_spooled(store: Store, settings: Settings) -> int:
    """Load the uploads that waited for the warehouse (the desk's background loop); stops at
    the first that finds it busy again. How many were loaded."""
    loaded = 0
    for path, kept in uploads.spooled(store.db):
        if not Path(kept.inbox_path).exists():  # the night already took it (and kept it)
            path.unlink()
            continue
        extracted, verdict = uploads.read_and_check(settings, kept)
        try:
            with store.writer() as con:
                uploads.load(con, settings, kept, extracted, verdict)
        except WarehouseBusy:
            break
        path.unlink()
        loaded += 1
    return loaded


def _data(unit: tuple[str, str] | None, mine: dict[str, Any] | None = None,
          answer: dict[str, Any] | None = None, refused: str | None = None) -> dict[str, Any]:
    """The page's data: the form, the commune's reports (a commune account), the verdict."""
    mine = mine or {}
    return {"unit": unit, "commune": mine.get("commune"), "reports": mine.get("reports", []),
            "answer": answer, "refused": refused, "max_mb": _max_mb()}


def _form_problem(sent: Any, unit: tuple[str, str] | None, note: str,
                  for_code: str | None) -> str | None:
    if not isinstance(sent, UploadFile) or not sent.filename:
        return "Hãy chọn tệp báo cáo để gửi."
    if unit is None and not for_code:
        return "Hãy ghi mã xã gửi báo cáo này."
    if unit is None and not note:
        return "Hãy ghi chú báo cáo được nhận qua đường nào (bản giấy, Zalo, USB…)."
    return None


async def _to_disk(sent: UploadFile, inbox: Path) -> Path:
    """The upload as a hidden file beside the inbox's uploads (so moving it in is a rename;
    the night skips hidden files)."""
    folder = inbox / uploads.UPLOAD_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".dang-tai-", dir=folder)
    with os.fdopen(handle, "wb") as out:
        while chunk := await sent.read(1 << 20):
            out.write(chunk)
    return Path(name)


def _shown(found: uploads.Answer) -> dict[str, Any]:
    return {"status": found.status, "verdict": VERDICT.get(found.status, found.status),
            "reason": found.reason, "commune_name": found.commune_name,
            "period_label": _period_label(found.period), "report_id": found.report_id,
            "loaded": found.loaded,
            "issues": [{"severity": i.severity, "severity_label": said(SEVERITY, i.severity),
                        "message": i.message} for i in found.issues
                       if i.severity in ("error", "warning")]}


def _period_label(key: str | None) -> str | None:
    from cchc.transforms.periods import parse_period

    if not key:
        return None
    try:
        return parse_period(key).label
    except (CchcError, ValueError):
        return key


def _max_mb() -> int:
    from cchc.web.limits import UPLOAD_LIMIT

    return UPLOAD_LIMIT // (1024 * 1024)

