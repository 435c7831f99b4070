"""The desk's routes: each reads a page's data (``pages``) and renders it, or acts (``actions``).

Login, roles and CSRF are checked by ``security.Guard`` before any of these runs. Every GET page
also answers ``?format=json`` with the same data the template gets.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import tempfile
import threading
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from cchc.errors import CchcError
from cchc.settings import Settings
from cchc.templating import environment
from cchc.warehouse import desk
from cchc.warehouse.schema import WarehouseBusy
from cchc.web import actions, letter_pages, pages, security, upload
from cchc.web.headers import SecurityHeaders
from cchc.web.limits import BodyLimit
from cchc.web.page_cache import PageCache
from cchc.web.sessions import MAX_AGE_SECONDS, Sessions
from cchc.web.store import Store

log = logging.getLogger("cchc.web")
STATIC = Path(__file__).resolve().parent / "static"
APPLY_EVERY_SECONDS = 1.0
LARGEST_FIGURE = 1e12  # no figure of the appendix comes near: a typo, not a count


def create_app(db: Path, deadlines: Mapping[str, object] | None = None,
               secret: str | None = None, https: bool = False,
               settings: Settings | None = None) -> Starlette:
    """The desk over one warehouse file. ``secret`` signs the session cookies (by default the
    key kept beside the warehouse, so a restart logs nobody out); ``https``: the desk is
    reached over TLS (a reverse proxy in front), so cookies are sent over TLS only.
    ``settings``: where uploads go (the night's inbox and archive) and what they are checked
    with; by default an inbox and archive beside the warehouse."""
    db = Path(db)
    settings = settings or Settings(db=db, inbox=db.parent / "inbox",
                                    archive=db.parent / "archive")
    store = Store(db, settings.rules)
    cache = PageCache(db)
    sessions = Sessions(Path(db))
    env = environment("cchc.web")
    env.filters["num"] = _number
    env.filters["when"] = _when
    env.filters["q"] = lambda value: quote(str(value), safe="")
    throttle = security.Throttle()
    stop = threading.Event()

    def render(request: Request, template: str, data: dict[str, Any],
               status: int = 200) -> Response:
        if request.query_params.get("format") == "json":
            return Response(json.dumps(data, ensure_ascii=False, default=str),
                            status_code=status, media_type="application/json")
        session = request.session
        html = env.get_template(template).render(
            **data, user=session.get("user"), role=session.get("role"),
            can_act=security.RANK.get(session.get("role", ""), -1) >= security.RANK["officer"],
            csrf=security.csrf_token(session), path=request.url.path,
            flash=session.pop("flash", None))
        return HTMLResponse(html, status_code=status)

    async def answer(request: Request, work, reply) -> Response:
        """``reply(work())``, the work done in a thread; the busy page (503) while the night's
        load holds the warehouse, the error page (404) for what the desk refuses."""
        try:
            done = await run_in_threadpool(work)
        except WarehouseBusy:
            return render(request, "busy.html", {"message": _BUSY}, 503)
        except CchcError as exc:
            return render(request, "error.html", {"message": str(exc)}, 404)
        return reply(done)

    async def page(request: Request, template: str, build, *args, check=None,
                   **kwargs) -> Response:
        """A page whose data ``build(con, *args, **kwargs)`` reads (kept by ``cache`` until the
        warehouse changes); ``check(data)`` may refuse it for this user (DeskError: 404)."""
        def read():
            key = (build.__name__, args, tuple(sorted(kwargs.items(), key=lambda kv: kv[0])))

            def fresh():
                with store.read() as con:
                    return build(con, *args, **kwargs)
            data = cache.get(repr(key), fresh)
            if check is not None:
                check(data)
            return data
        return await answer(request, read, lambda data: render(request, template, data))

    def show(template: str, build, param: str | None = None):
        """An endpoint that renders one page's data (the path parameter passed along)."""
        async def endpoint(request: Request) -> Response:
            args = (request.path_params[param],) if param else ()
            return await page(request, template, build, *args)
        return endpoint

    async def home(request: Request) -> Response:
        if upload.unit_of(request):
            return RedirectResponse("/upload", 303)

        def first():
            with store.read() as con:
                return desk.periods_with_reports(con)
        try:
            choices = await run_in_threadpool(first)
        except WarehouseBusy:
            return render(request, "busy.html", {"message": _BUSY}, 503)
        if not choices:
            return RedirectResponse("/runs", 303)
        top = choices[0]
        return RedirectResponse(
            f"/period?{urlencode({top['level']: top['code'], 'period': top['period']})}", 303)

    async def period(request: Request) -> Response:
        q = dict(request.query_params)
        level, _, rest = q.pop("pick", "").partition("|")
        code, _, period_key = rest.partition("|")
        if level in ("district", "province") and code and period_key:  # the menu's choice
            q.update({"district": "", "province": "", level: code, "period": period_key})
        return await page(request, "period.html", pages.period_page, q.get("period", ""),
                          district=q.get("district") or None, province=q.get("province") or None,
                          status=q.get("status", ""), commune=q.get("commune", ""),
                          deadlines=deadlines)

    async def commune(request: Request) -> Response:
        wanted = (request.path_params["admin_map"], request.path_params["code"])
        if upload.unit_of(request) not in (None, wanted):
            return render(request, "error.html", {"message": "Không có trang này."}, 404)
        return await page(request, "commune.html", pages.commune_page, *wanted)

    async def report(request: Request) -> Response:
        report_id = request.path_params["report_id"]
        waiting = [r.__dict__ for r in actions.pending(store, report_id)]
        return await page(request, "report.html", pages.report_page, report_id, waiting,
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
            try:
                data = Path(found["archive_path"]).read_bytes()
            except OSError:
                raise desk.DeskError("không tìm thấy tệp của báo cáo trong kho lưu trữ") from None
            return pdf_page.render(data, number, boxes)
        return await answer(request, draw, lambda png: Response(png, media_type="image/png"))

    async def original(request: Request) -> Response:
        """The file as the commune sent it, from the archive, under the name it came with."""
        report_id = request.path_params["report_id"]

        def find() -> tuple[Path, str]:
            with store.read() as con:
                found = desk.report(con, report_id)
            upload.check_own(request, found)
            path = Path(found["archive_path"] or "")
            if not path.is_file():
                raise desk.DeskError("không tìm thấy tệp của báo cáo trong kho lưu trữ")
            return path, Path(found["sent_as"] or found["file_name"] or path.name).name
        return await answer(request, find, lambda kept: FileResponse(
            kept[0], filename=kept[1], media_type=_MEDIA.get(kept[0].suffix.lower(),
                                                             "application/octet-stream")))

    async def summary(request: Request) -> Response:
        from cchc.summary import build

        level, code = request.path_params["level"], request.path_params["code"]
        period_key, kind = request.path_params["period"], request.path_params["kind"]
        if level not in ("district", "province") or kind not in ("xlsx", "html"):
            return render(request, "error.html", {"message": "không có bản tổng hợp này"}, 404)
        out = Path(tempfile.mkdtemp(prefix="cchc-desk-"))

        def make():
            with store.alone():
                return build(store.db, period_key, out_dir=out, deadlines=deadlines,
                             **{level: code})
        def download(paths) -> Response:
            path = paths.xlsx if kind == "xlsx" else paths.html
            return FileResponse(path, filename=path.name)
        return await answer(request, make, download)

    async def data_docs(request: Request) -> Response:
        """A file of one run's Data Docs, read-only, and only from under that run's folder."""
        run_id, wanted = request.path_params["run_id"], request.path_params["path"]

        def find() -> Path:
            with store.read() as con:
                index = desk.run_docs(con, run_id)
            if not index:
                raise desk.DeskError("lần nạp này không có báo cáo kiểm tra dữ liệu")
            return docs_file(Path(index).parent, wanted)
        return await answer(request, find, lambda path: FileResponse(path, headers=_DOCS_HEADERS))

    async def act(request: Request) -> Response:
        form = await request.form()
        kind = request.path_params["kind"]
        report_id = request.path_params["report_id"]
        try:
            value = _value(form.get("value", "")) if kind == "correct" else None
            made = actions.new_request(kind, report_id, request.session["user"],
                                       str(form.get("reason", "")),
                                       code=form.get("code") or None, value=value,
                                       undoes=form.get("undoes") or None)
        except CchcError as exc:
            request.session["flash"] = str(exc)
            return RedirectResponse(f"/report/{quote(report_id)}", 303)
        try:
            done = await run_in_threadpool(actions.submit, store, made)
        except CchcError as exc:
            request.session["flash"] = str(exc)
            return RedirectResponse(f"/report/{quote(report_id)}", 303)
        request.session["flash"] = ("Đã lưu thao tác." if done else _QUEUED)
        return RedirectResponse(f"/report/{quote(report_id)}", 303)

    async def login_form(request: Request) -> Response:
        return render(request, "login.html", {"error": None})

    async def login(request: Request) -> Response:
        form = await request.form()
        name, password = str(form.get("name", "")), str(form.get("password", ""))
        client = request.client.host if request.client else "?"
        wait = throttle.wait(name, client)
        if wait:
            return render(request, "login.html", {"error": _THROTTLED.format(
                seconds=math.ceil(wait))}, 429)

        def check():
            with store.read() as con:
                return desk.user(con, name)
        try:
            found = await run_in_threadpool(check)
        except WarehouseBusy:
            return render(request, "busy.html", {"message": _BUSY}, 503)
        known = await run_in_threadpool(security.verify_password,
                                        found["password_hash"] if found else None, password)
        if not known:
            throttle.fail(name, client)
            return render(request, "login.html", {"error": "Sai tên đăng nhập hoặc mật khẩu."},
                          401)
        throttle.succeed(name, client)
        unit = (found["admin_map"], found["commune_code"]) if found["commune_code"] else None
        session_id = await run_in_threadpool(sessions.start, found["name"], found["role"], unit)
        request.session.clear()
        request.session.update({"user": found["name"], "role": found["role"],
                                "sid": session_id})
        return RedirectResponse("/", 303)

    async def logout(request: Request) -> Response:
        await run_in_threadpool(sessions.end, request.session.get("sid", ""))
        request.session.clear()
        return RedirectResponse("/login", 303)

    async def add_user(request: Request) -> Response:
        form = await request.form()

        def add():
            with store.write(wait=5) as con:
                desk.add_user(con, str(form.get("name", "")).strip(), str(form.get("role", "")),
                              security.hash_password(str(form.get("password", ""))))
        try:
            if len(str(form.get("password", ""))) < 8:
                raise desk.DeskError("mật khẩu cần ít nhất 8 ký tự")
            await run_in_threadpool(add)
            request.session["flash"] = "Đã tạo tài khoản."
        except CchcError as exc:
            request.session["flash"] = str(exc)
        return RedirectResponse("/users", 303)

    def applier() -> None:
        while not stop.wait(APPLY_EVERY_SECONDS):
            try:
                actions.apply_pending(store)
                upload.apply_spooled(store, settings)
            except Exception:  # a background loop: log, keep the action spooled, try again
                log.exception("applying the desk's pending actions and uploads")

    @contextlib.asynccontextmanager
    async def lifespan(app):
        worker = threading.Thread(target=applier, name="cchc-desk-applier", daemon=True)
        worker.start()
        yield
        stop.set()
        await asyncio.to_thread(worker.join, 5)

    routes = [
        Route("/", home),
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/period", period),
        Route("/report/{report_id}", report),
        Route("/report/{report_id}/page/{page:int}.png", page_image),
        Route("/report/{report_id}/letter.docx", letter_pages.download(store, render)),
        Route("/report/{report_id}/file", original),
        Route("/report/{report_id}/letter", letter_pages.make(store), methods=["POST"]),
        Route("/report/{report_id}/{kind}", act, methods=["POST"]),
        Route("/commune/{admin_map}/{code}", commune),
        Route("/upload", upload.form_page(store, render), methods=["GET"]),
        Route("/upload", upload.submit(store, settings, render), methods=["POST"]),
        Route("/runs", show("runs.html", pages.runs_page)),
        Route("/mail", show("mail.html", pages.mail_page)),
        Route("/audit", show("audit.html", pages.audit_page)),
        Route("/users", show("users.html", pages.users_page), methods=["GET"]),
        Route("/users", add_user, methods=["POST"]),
        Route("/summary/{level}/{code}/{period}.{kind}", summary),
        Route("/runs/{run_id}/docs/{path:path}", data_docs, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    key = secret or security.session_secret(Path(db))
    middleware = [Middleware(BodyLimit), Middleware(SecurityHeaders),
                  Middleware(SessionMiddleware, secret_key=key, session_cookie="cchc_desk",
                             same_site="strict", https_only=https, max_age=MAX_AGE_SECONDS),
                  Middleware(security.Guard, sessions=sessions)]

    async def not_found(request: Request, exc: Exception) -> Response:
        return render(request, "error.html", {"message": "Không có trang này."}, 404)

    async def failed(request: Request, exc: Exception) -> Response:
        log.error("the desk failed on %s", request.url.path, exc_info=exc)
        return render(request, "error.html", {"message": _FAILED}, 500)

    handlers = {404: not_found, 405: not_found, Exception: failed}
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                    exception_handlers=handlers)
    app.state.store = store
    return app


# Served as the files are, never sniffed into another type (their CSP: web/headers.py).
_DOCS_HEADERS = {"x-content-type-options": "nosniff"}
_MEDIA = {".pdf": "application/pdf", ".txt": "text/plain; charset=utf-8",
          ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_BUSY = ("Kho dữ liệu đang được quá trình nạp ban đêm cập nhật. Trang sẽ tự tải lại khi kho "
         "được giải phóng.")
_QUEUED = ("Kho dữ liệu đang được quá trình nạp ban đêm sử dụng: thao tác đã được ghi nhận và "
           "sẽ được áp dụng ngay khi kho được giải phóng.")
_THROTTLED = "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {seconds} giây."
_FAILED = ("Đã có lỗi khi mở trang này; lỗi đã được ghi lại để người quản trị xem. Vui lòng "
           "thử lại, hoặc báo cho người quản trị nếu lỗi lặp lại.")


def docs_file(root: Path, wanted: str) -> Path:
    """The file ``wanted`` names under a run's Data Docs folder ``root``; DeskError for
    anything else (``..``, an absolute path, a link out of the folder, a folder, nothing)."""
    base = root.resolve()
    if "\0" in wanted:
        raise desk.DeskError("không có tệp này trong báo cáo kiểm tra dữ liệu của lần nạp")
    path = (base / (wanted or "index.html")).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        raise desk.DeskError("không có tệp này trong báo cáo kiểm tra dữ liệu của lần nạp")
    return path


def _value(text: str) -> float | None:
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


def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}".replace(",", ".")
    return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".") \
        if isinstance(value, float) else str(value)


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return "" if value is None else str(value)
