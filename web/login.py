"""Signing in and out, and the admin's form for a new account. Wrong passwords are throttled per
(name, address) with growing waits (``security.Throttle``); a session is recorded server-side
(``sessions``), so logging out ends it for good."""

from __future__ import annotations

import math

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from cchc.errors import CchcError
from cchc.warehouse import desk
from cchc.warehouse.schema import WarehouseBusy
from cchc.web import security
from cchc.web.accounts import check_password
from cchc.web.respond import Responder
from cchc.web.sessions import Sessions

_THROTTLED = "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {seconds} giây."
_WRONG = "Sai tên đăng nhập hoặc mật khẩu."


def routes(r: Responder, sessions: Sessions) -> list[Route]:
    throttle = security.Throttle()

    async def login_form(request: Request) -> Response:
        return r.render(request, "login.html", {"error": None})

    async def login(request: Request) -> Response:
        form = await request.form()
        name, password = str(form.get("name", "")), str(form.get("password", ""))
        client = request.client.host if request.client else "?"
        wait = throttle.wait(name, client)
        if wait:
            return r.render(request, "login.html",
                            {"error": _THROTTLED.format(seconds=math.ceil(wait))}, 429)

        def check():
            with r.store.read() as con:
                return desk.user(con, name)
        try:
            found = await run_in_threadpool(check)
        except WarehouseBusy:
            return r.busy(request)
        known = await run_in_threadpool(security.verify_password,
                                        found["password_hash"] if found else None, password)
        if not known:
            throttle.fail(name, client)
            return r.render(request, "login.html", {"error": _WRONG}, 401)
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
            with r.store.write(wait=5) as con:
                desk.add_user(con, str(form.get("name", "")).strip(), str(form.get("role", "")),
                              security.hash_password(str(form.get("password", ""))))
        try:
            check_password(str(form.get("password", "")))
            await run_in_threadpool(add)
            request.session["flash"] = "Đã tạo tài khoản."
        except CchcError as exc:
            request.session["flash"] = str(exc)
        return RedirectResponse("/users", 303)

    return [
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/users", add_user, methods=["POST"]),
    ]
