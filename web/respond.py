"""How every desk endpoint answers: a page rendered (or its data as JSON), warehouse work run in
a thread off the event loop, the busy page while the night holds the warehouse.

One ``Responder`` is made per desk (``app.create_app``) and handed to the endpoint modules, so
that each page of the desk is answered the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from jinja2 import Environment
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from cchc import shown
from cchc.errors import CchcError
from cchc.labels import ROLE, said
from cchc.templating import environment
from cchc.warehouse.schema import WarehouseBusy
from cchc.web import run_summary, security
from cchc.web.page_cache import PageCache
from cchc.web.store import Store

BUSY = ("Kho dữ liệu đang được quá trình nạp ban đêm cập nhật. Trang sẽ tự tải lại khi kho "
        "được giải phóng.")


def templates() -> Environment:
    """The desk's Jinja environment with its filters: numbers, dates and periods as an officer
    writes them, a role by its name, a run's summary as HTML, ``q`` for a value in a URL path."""
    env = environment("cchc.web")
    env.filters["num"] = _number
    env.filters["when"] = _when
    env.filters["period"] = shown.period
    env.filters["role"] = lambda key: said(ROLE, key or "")
    env.filters["run_summary"] = run_summary.as_html
    env.filters["q"] = lambda value: quote(str(value), safe="")
    return env


@dataclass(frozen=True)
class Responder:
    """The desk's warehouse (``store``), its page cache and its templates."""

    store: Store
    cache: PageCache
    env: Environment

    def render(self, request: Request, template: str, data: dict[str, Any],
               status: int = 200) -> Response:
        """``template`` with ``data`` and the session's user, role and CSRF token; the data
        itself as JSON for ``?format=json``."""
        if request.query_params.get("format") == "json":
            return Response(json.dumps(data, ensure_ascii=False, default=str),
                            status_code=status, media_type="application/json")
        session = request.session
        html = self.env.get_template(template).render(
            **data, user=session.get("user"), role=session.get("role"),
            can_act=security.RANK.get(session.get("role", ""), -1) >= security.RANK["officer"],
            csrf=security.csrf_token(session), path=request.url.path,
            flash=session.pop("flash", None))
        return HTMLResponse(html, status_code=status)

    def busy(self, request: Request) -> Response:
        return self.render(request, "busy.html", {"message": BUSY}, 503)

    def refused(self, request: Request, message: str) -> Response:
        return self.render(request, "error.html", {"message": message}, 404)

    async def answer(self, request: Request, work: Callable[[], Any],
                     reply: Callable[[Any], Response]) -> Response:
        """``reply(work())``, the work done in a thread; the busy page (503) while the night's
        load holds the warehouse, the error page (404) for what the desk refuses."""
        try:
            done = await run_in_threadpool(work)
        except WarehouseBusy:
            return self.busy(request)
        except CchcError as exc:
            return self.refused(request, str(exc))
        return reply(done)

    async def page(self, request: Request, template: str, build: Callable, *args: Any,
                   check: Callable[[dict], None] | None = None, **kwargs: Any) -> Response:
        """A page whose data ``build(con, *args, **kwargs)`` reads (kept by the cache until
        the warehouse changes); ``check(data)`` may refuse it for this user (DeskError: 404)."""
        def read() -> dict[str, Any]:
            key = (build.__name__, args, tuple(sorted(kwargs.items(), key=lambda kv: kv[0])))

            def fresh() -> dict[str, Any]:
                with self.store.read() as con:
                    return build(con, *args, **kwargs)
            data = self.cache.get(repr(key), fresh)
            if check is not None:
                check(data)
            return data
        return await self.answer(request, read,
                                 lambda data: self.render(request, template, data))

    def show(self, template: str, build: Callable, param: str | None = None) -> Callable:
        """An endpoint that renders one page's data (the path parameter passed along)."""
        async def endpoint(request: Request) -> Response:
            args = (request.path_params[param],) if param else ()
            return await self.page(request, template, build, *args)
        return endpoint


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    return shown.number(value)


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return shown.moment(value)
    if isinstance(value, date):
        return shown.day(value)
    return "" if value is None else str(value)
