"""Passwords, sessions, roles and CSRF: every check in one place, before any handler runs.

``Guard`` is an ASGI middleware inside Starlette's SessionMiddleware (signed cookie). It refuses
any page without a login (a GET is sent to the login form, anything else gets 401), any POST
whose form lacks the session's CSRF token (403), and any action above the user's role (403).
Roles: viewer reads, officer acts on reports, admin also manages accounts.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import parse_qs

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cchc.warehouse.desk import Role

_HASHER = PasswordHasher()
RANK: dict[str, int] = {"viewer": 0, "officer": 1, "admin": 2}
OPEN_PATHS = ("/login", "/static/")
MAX_FAILURES, FAILURE_WINDOW_SECONDS = 5, 300


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def csrf_token(session: dict) -> str:
    """The session's CSRF token, made on first use; every form carries it as ``csrftoken``."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def session_secret(db: Path) -> str:
    """The key that signs the desk's session cookies, kept beside the warehouse in
    ``<db>.desk-secret`` (readable by its owner only), made on the first start. A key made
    anew at each start would log every officer out whenever the desk restarts. Two desks
    starting at once agree on one key: the file appears whole or not at all."""
    path = db.with_name(db.name + ".desk-secret")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{path.name}.{os.getpid()}")
        handle = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(handle, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another desk made it first: use its key
        finally:
            draft.unlink()
    return path.read_text(encoding="ascii").strip()


def required_role(method: str, path: str) -> Role:
    """What a request needs: reading is for everyone logged in, acting for officers, the
    accounts page for admins."""
    if path.startswith("/users"):
        return "admin"
    if method == "POST" and path not in ("/login", "/logout"):
        return "officer"
    return "viewer"


class Throttle:
    """At most MAX_FAILURES failed logins per name and per client address within
    FAILURE_WINDOW_SECONDS; a guesser then waits out the window."""

    def __init__(self) -> None:
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(key, now)) >= MAX_FAILURES for key in keys)

    def fail(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._failures[key] = [*self._recent(key, now), now]

    def _recent(self, key: str, now: float) -> list[float]:
        return [t for t in self._failures.get(key, []) if now - t < FAILURE_WINDOW_SECONDS]


ASGIApp = Callable[[dict, Callable, Callable], Awaitable[None]]


class Guard:
    """Login, role and CSRF checks for every request (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path, session = scope["method"], scope["path"], scope["session"]
        if method == "POST":
            body = await _read_body(receive)
            form = parse_qs(body.decode("utf-8", "replace"))
            if not session.get("csrf") or form.get("csrftoken", [""])[0] != session["csrf"]:
                await _refuse(send, 403, "Yêu cầu bị từ chối: thiếu hoặc sai mã CSRF. "
                                         "Hãy tải lại trang rồi thử lại.")
                return
            receive = _replay(body)
        if not path.startswith(OPEN_PATHS):
            role = session.get("role")
            if role is None:
                if method == "GET":
                    await _redirect(send, "/login")
                else:
                    await _refuse(send, 401, "Cần đăng nhập.")
                return
            if RANK[role] < RANK[required_role(method, path)]:
                await _refuse(send, 403, "Tài khoản của bạn không có quyền thực hiện việc này.")
                return
        await self.app(scope, receive, send)


async def _read_body(receive: Callable) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replay(body: bytes) -> Callable:
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _refuse(send: Callable, status: int, message: str) -> None:
    body = message.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _redirect(send: Callable, location: str) -> None:
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", location.encode()), (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})
