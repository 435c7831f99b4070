"""The desk's return-letter endpoints: the officer fills the number, deadline and signer and
downloads the letter (kept in core.letters, so the commune's deadline is on record); the letter
can be downloaded again, by the officer or by the commune's own account, as it was made."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cchc.errors import CchcError
from cchc.warehouse import desk
from cchc.warehouse.schema import WarehouseBusy
from cchc.web import letter as letters
from cchc.web import upload
from cchc.web.store import Store

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NOT_RETURNED = "báo cáo này chưa được trả lại xã"
NO_LETTER = "chưa có thư trả lại nào cho báo cáo này: cán bộ điền số, hạn và người ký rồi tải"


def make(store: Store) -> Callable:
    """POST /report/{id}/letter: record the details, answer the .docx."""
    async def endpoint(request: Request) -> Response:
        report_id = request.path_params["report_id"]
        form = await request.form()
        try:
            details = _details(form)
        except CchcError as exc:
            request.session["flash"] = str(exc)
            return RedirectResponse(f"/report/{quote(report_id)}#letter", 303)

        def build() -> tuple[dict, bytes]:
            with store.write(wait=3) as con:
                report, issues, figures, review = _content(con, report_id)
                desk.record_letter(con, {
                    "letter_id": uuid.uuid4().hex[:20], "report_id": report_id,
                    "action_id": review["action_id"], "number": details.number,
                    "deadline": details.deadline, "signer_name": details.signer_name,
                    "signer_title": details.signer_title,
                    "made_by": request.session["user"], "made_at": datetime.now()})
            return report, letters.return_letter(report, issues, figures, review["reason"],
                                                 details)
        return await _answer(request, build)
    return endpoint


def download(store: Store, render: Callable) -> Callable:
    """GET /report/{id}/letter.docx: the latest letter made, as it was made."""
    async def endpoint(request: Request) -> Response:
        report_id = request.path_params["report_id"]

        def build() -> tuple[dict, bytes]:
            with store.read() as con:
                report, issues, figures, review = _content(con, report_id)
                upload.check_own(request, report)
                made = desk.latest_letter(con, report_id)
            if made is None:
                raise desk.DeskError(NO_LETTER)
            details = letters.LetterDetails(made["number"], made["deadline"],
                                            made["signer_name"], made["signer_title"])
            return report, letters.return_letter(report, issues, figures, review["reason"],
                                                 details, today=made["made_at"].date())
        try:
            return await _answer(request, build)
        except desk.DeskError as exc:
            return render(request, "error.html", {"message": str(exc)}, 404)
    return endpoint


def _content(con, report_id: str) -> tuple[dict, list, list, dict]:
    report = desk.report(con, report_id)
    review = desk.reviews(con, [report_id]).get(report_id)
    if not review or review["kind"] != "return":
        raise desk.DeskError(NOT_RETURNED)
    issues = desk.file_issues(con, report_id)
    codes = sorted({code for issue in issues for code in issue["codes"]})
    return report, issues, desk.values_read(con, report_id, codes), review


async def _answer(request: Request, build: Callable) -> Response:
    try:
        report, data = await run_in_threadpool(build)
    except WarehouseBusy:
        request.session["flash"] = ("Kho dữ liệu đang bận với lần nạp ban đêm: thử tải thư lại "
                                    "sau ít phút.")
        return RedirectResponse(f"/report/{quote(request.path_params['report_id'])}", 303)
    name = letters.file_name(report)
    disposition = (f'attachment; filename="{name}"; '
                   f"filename*=UTF-8''{quote(letters.vietnamese_file_name(report))}")
    return Response(data, media_type=DOCX, headers={"content-disposition": disposition})


def _details(form) -> letters.LetterDetails:
    number = str(form.get("number", "")).strip()
    signer = str(form.get("signer_name", "")).strip()
    title = str(form.get("signer_title", "")).strip()
    if not number or not signer or not title:
        raise desk.DeskError("Hãy điền số văn bản, người ký và chức vụ trước khi tải thư.")
    try:
        deadline = date.fromisoformat(str(form.get("deadline", "")).strip())
    except ValueError:
        raise desk.DeskError("Hạn gửi lại phải là một ngày (ngày/tháng/năm).") from None
    if deadline < date.today():
        raise desk.DeskError("Hạn gửi lại đã qua: hãy chọn một ngày từ hôm nay trở đi.")
    if len(number) > 40 or len(signer) > 80 or len(title) > 120:
        raise desk.DeskError("Số văn bản, người ký hoặc chức vụ quá dài.")
    return letters.LetterDetails(number, deadline, signer, title)
