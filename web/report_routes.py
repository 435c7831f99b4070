"""A report's pages and actions: the report with its figures and issues, a PDF page drawn with
the figure's cell outlined, the file as the commune sent it, and the officer's actions on it
(correct, accept, return, undo), submitted through ``actions``."""

from __future__ import annotations

import math
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from cchc.errors import CchcError
from cchc.warehouse import desk
from cchc.web import actions, pages, upload
from cchc.web.respond import Responder

LARGEST_FIGURE = 1e12  # no figure of the appendix comes near: a typo, not a count
_MEDIA = {".pdf": "application/pdf", ".txt": "text/plain; charset=utf-8",
          ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_QUEUED = ("Kho dữ liệu đang được quá trình nạp ban đêm sử dụng: thao tác đã được ghi nhận và "
           "sẽ được áp dụng ngay khi kho được giải phóng.")


def routes(r: Responder) -> list[Route]:
    store = r.store

    async def report(request: Request) -> Response:
        report_id = request.path_params["report_id"]
        waiting = [w.__dict__ for w in actions.pending(store, report_id)]
        return await r.page(request, "report.html", pages.report_page, report_id, waiting,
                            request.query_params.get("code"),
                            check=lambda data: upload.check_own(request, data["report"]))

    async def page_image(request: Request) -> Response:
        from cchc.web import pdf_page

        report_id, number = request.path_params["report_id"], request.path_params["page"]
        code = request.query_params.get("code")

        def draw() -> bytes:
            with store.read() as con:
                found = desk.report(con, report_id)
                upload.check_own(request, found)
                box = desk.figure_box(con, report_id, code) if code else None
            if found["format"] != "pdf":
                raise desk.DeskError("báo cáo này không phải tệp PDF: không có ảnh trang")
            boxes = [box[1]] if box and box[0] == number else []
            return pdf_page.render(_archived(found).read_bytes(), number, boxes)
        return await r.answer(request, draw, lambda png: Response(png, media_type="image/png"))

    async def original(request: Request) -> Response:
        """The file as the commune sent it, from the archive, under the name it came with."""
        report_id = request.path_params["report_id"]

        def find() -> tuple[Path, str]:
            with store.read() as con:
                found = desk.report(con, report_id)
            upload.check_own(request, found)
            path = _archived(found)
            return path, Path(found["sent_as"] or found["file_name"] or path.name).name
        return await r.answer(request, find, lambda kept: FileResponse(
            kept[0], filename=kept[1], media_type=_MEDIA.get(kept[0].suffix.lower(),
                                                             "application/octet-stream")))

    async def act(request: Request) -> Response:
        form = await request.form()
        kind = request.path_params["kind"]
        report_id = request.path_params["report_id"]
        back = RedirectResponse(f"/report/{quote(report_id)}", 303)
        try:
            value = parse_value(form.get("value", "")) if kind == "correct" else None
            made = actions.new_request(kind, report_id, request.session["user"],
                                       str(form.get("reason", "")),
                                       code=form.get("code") or None, value=value,
                                       undoes=form.get("undoes") or None)
            done = await run_in_threadpool(actions.submit, store, made)
        except CchcError as exc:
            request.session["flash"] = str(exc)
            return back
        request.session["flash"] = ("Đã lưu thao tác." if done else _QUEUED)
        return back

    return [
        Route("/report/{report_id}", report),
        Route("/report/{report_id}/page/{page:int}.png", page_image),
        Route("/report/{report_id}/file", original),
        Route("/report/{report_id}/{kind}", act, methods=["POST"]),
    ]


def _archived(found: dict) -> Path:
    """The report's file in the archive; DeskError when it is not there (moved, deleted)."""
    path = Path(found["archive_path"] or "")
    if not path.is_file():
        raise desk.DeskError("không tìm thấy tệp của báo cáo trong kho lưu trữ")
    return path


def parse_value(text: str) -> float | None:
    """The officer's number: "1.234,5" or "1234.5" or blank (the cell left blank)."""
    from cchc.template.text import NotANumber, parse_number

    if not str(text).strip():
        return None
    try:
        value = float(parse_number(str(text)))
    except (NotANumber, ValueError, OverflowError):
        raise desk.DeskError(f"giá trị {str(text)[:40]!r} không phải là số") from None
    if not math.isfinite(value) or abs(value) > LARGEST_FIGURE:
        raise desk.DeskError(f"giá trị {str(text)[:40]!r} quá lớn cho một chỉ tiêu của Phụ lục "
                             "01b")
    return value
