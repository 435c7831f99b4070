"""The desk as one ASGI app: its settings, its warehouse handle, the endpoint modules' routes
and the middleware every request passes (body limit, security headers, the session cookie,
``security.Guard``'s login, roles and CSRF).

The pages are in ``browse`` (reading), ``report_routes`` (a report and its actions),
``letter_pages``, ``upload`` and ``login``; each answers through one ``respond.Responder``.
Every GET page also answers ``?format=json`` with the same data its template gets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from cchc.settings import Settings
from cchc.web import actions, browse, letter_pages, login, report_routes, security, upload
from cchc.web.headers import SecurityHeaders
from cchc.web.limits import BodyLimit
from cchc.web.page_cache import PageCache
from cchc.web.respond import Responder, templates
from cchc.web.sessions import MAX_AGE_SECONDS, Sessions
from cchc.web.store import Store

log = logging.getLogger("cchc.web")
STATIC = Path(__file__).resolve().parent / "static"
APPLY_EVERY_SECONDS = 1.0
_FAILED = ("Đã có lỗi khi mở trang này; lỗi đã được ghi lại để người quản trị xem. Vui lòng "
           "thử lại, hoặc báo cho người quản trị nếu lỗi lặp lại.")


def create_app(settings: Settings, secret: str | None = None) -> Starlette:
    """The desk over ``settings.db``, with the night's settings: uploads go to its inbox and
    archive and are checked with its rules and province, a correction with its rules, the
    glance times reports against its deadlines; ``behind_proxy``: reached over TLS through a
    reverse proxy, so cookies are sent over TLS only. ``secret`` signs the session cookies (by
    default the key kept beside the warehouse, so a restart logs nobody out)."""
    store = Store(settings.db, settings.rules)
    sessions = Sessions(settings.db)
    r = Responder(store, PageCache(settings.db), templates())
    stop = threading.Event()

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
        *login.routes(r, sessions),
        # Before report_routes: its POST /report/{id}/{kind} would take the letter's.
        Route("/report/{report_id}/letter.docx", letter_pages.download(store, r.render)),
        Route("/report/{report_id}/letter", letter_pages.make(store), methods=["POST"]),
        *report_routes.routes(r),
        *browse.routes(r, settings.deadlines, settings.province),
        Route("/upload", upload.form_page(store, r.render), methods=["GET"]),
        Route("/upload", upload.submit(store, settings, r.render), methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    key = secret or security.session_secret(settings.db)
    middleware = [Middleware(BodyLimit), Middleware(SecurityHeaders),
                  Middleware(SessionMiddleware, secret_key=key, session_cookie="cchc_desk",
                             same_site="strict", https_only=settings.behind_proxy,
                             max_age=MAX_AGE_SECONDS),
                  Middleware(security.Guard, sessions=sessions)]

    async def not_found(request: Request, exc: Exception) -> Response:
        return r.refused(request, "Không có trang này.")

    async def failed(request: Request, exc: Exception) -> Response:
        log.error("the desk failed on %s", request.url.path, exc_info=exc)
        return r.render(request, "error.html", {"message": _FAILED}, 500)

    handlers = {404: not_found, 405: not_found, Exception: failed}
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                    exception_handlers=handlers)
    app.state.store = store
    return app
