"""Passwords, sessions, roles and CSRF: every check in one place, before any handler runs.

``Guard`` is an ASGI middleware inside Starlette's SessionMiddleware (signed cookie). The cookie
names a session the server records (``sessions.Sessions``), and the account's role is the one
recorded there, so logging out or changing a password or role ends it. Guard refuses any page
without a login (a GET is sent to the login form, anything else gets 401 before its body is
read), any POST without the session's CSRF token (403), and any action above the user's role
(403). Roles: viewer reads, officer acts on reports and uploads, admin also manages accounts;
a commune account uploads its own reports and reads only them (``allowed``).
"""

from __future__ import annotations

import contextlib
import functools
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
from cchc.web.sessions import Sessions

_HASHER = PasswordHasher()
RANK: dict[str, int] = {"viewer": 0, "officer": 1, "admin": 2}
OPEN_PATHS = ("/login", "/static/")
COMMUNE_READS = ("/report/", "/commune/")
FREE_FAILURES, ADDRESS_FREE_FAILURES = 5, 50
MAX_DELAY_SECONDS, FAILURE_WINDOW_SECONDS = 300.0, 900.0


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` is the account's; an unknown account (``None``) is checked against
    a hash of nothing, so that it takes as long to refuse as a wrong password does."""
    if password_hash is None:
        with contextlib.suppress(VerificationError):
            _HASHER.verify(_nobody(), password)
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _nobody() -> str:
    return _HASHER.hash(secrets.token_hex(16))


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
    accounts page for admins. (Uploading is for officers and communes: ``allowed``.)"""
    if path.startswith("/users"):
        return "admin"
    if method == "POST" and path not in ("/login", "/logout", "/upload"):
        return "officer"
    return "viewer"


def allowed(role: str, method: str, path: str) -> bool:
    """Whether an account of ``role`` may make this request at all. A commune account reaches
    only its upload page, and its own reports and commune page (the endpoints check that they
    are its own, answering 404 otherwise); a viewer does not upload."""
    if role == "commune":
        if method == "POST":
            return path in ("/upload", "/logout")
        return path in ("/", "/upload") or path.startswith(COMMUNE_READS)
    if path == "/upload" and method == "POST":
        return RANK[role] >= RANK["officer"]
    return RANK[role] >= RANK[required_role(method, path)]


class Throttle:
    """Failed logins counted per (account name, client address), so that a guesser elsewhere
    can lock out neither the account nor the colleagues behind the same address. After
    FREE_FAILURES the pair waits, 2 s after the next failure, then 4, 8, … up to MAX_DELAY:
    the right password always gets in once the wait is over, and a success clears the count.
    An address that fails for many names is slowed the same way, from ADDRESS_FREE_FAILURES.
    Failures are forgotten FAILURE_WINDOW_SECONDS after the last one."""

    def __init__(self) -> None:
        self._failures: dict[tuple[str, ...], tuple[int, float]] = {}  # key → (count, last)
        self._lock = threading.Lock()

    def wait(self, name: str, address: str) -> float:
        """Seconds before this name may try again from this address (0: it may now)."""
        now = time.monotonic()
        with self._lock:
            return max(self._wait(("pair", name, address), FREE_FAILURES, now),
                       self._wait(("address", address), ADDRESS_FREE_FAILURES, now))

    def fail(self, name: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in (("pair", name, address), ("address", address)):
                count, last = self._failures.get(key, (0, now))
                fresh = now - last < FAILURE_WINDOW_SECONDS
                self._failures[key] = ((count if fresh else 0) + 1, now)

    def succeed(self, name: str, address: str) -> None:
        with self._lock:
            self._failures.pop(("pair", name, address), None)

    def _wait(self, key: tuple[str, ...], free: int, now: float) -> float:
        count, last = self._failures.get(key, (0, now))
        if count < free or now - last >= FAILURE_WINDOW_SECONDS:
            return 0.0
        delay = min(MAX_DELAY_SECONDS, 2.0 ** (count - free + 1))
        return max(0.0, last + delay - now)


ASGIApp = Callable[[dict, Callable, Callable], Awaitable[None]]


class Guard:
    """Login, role and CSRF checks for every request (see the module docstring). A cookie
    whose session the server no longer has (logged out, password or role changed, expired)
    is a visitor's: the role comes from the server's record, never from the cookie alone."""

    def __init__(self, app: ASGIApp, sessions: Sessions) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path, session = scope["method"], scope["path"], scope["session"]
        self._recall(session)
        if not path.startswith(OPEN_PATHS):
            role = session.get("role")
            if role is None:
                if method == "GET":
                    await _redirect(send, "/login")
                else:  # refused before a byte of the body is read
                    await _refuse(send, 401, "Cần đăng nhập.")
                return
            if not allowed(role, method, path):
                await _refuse(send, 403, "Tài khoản của bạn không có quyền thực hiện việc này.")
                return
        if method == "POST":
            token, receive = await _csrf_sent(scope, receive)
            if not session.get("csrf") or not secrets.compare_digest(token, session["csrf"]):
                await _refuse(send, 403, "Yêu cầu bị từ chối: thiếu hoặc sai mã CSRF. "
                                         "Hãy tải lại trang rồi thử lại.")
                return
        await self.app(scope, receive, send)

    def _recall(self, session: dict) -> None:
        """Fill the session's account and role from the server's record, or clear it."""
        if "user" not in session:
            return
        found = self.sessions.find(session.get("sid", ""))
        if found is None:
            csrf = session.get("csrf")
            session.clear()
            if csrf:
                session["csrf"] = csrf
            return
        session["user"], session["role"] = found.user_name, found.role
        session["unit"] = list(found.unit) if found.unit else None


async def _csrf_sent(scope: dict, receive: Callable) -> tuple[str, Callable]:
    """The CSRF token a POST carries, and a ``receive`` that still yields its body. An upload
    (multipart) carries it in the query string, so the file streams to disk and is never
    held here; a form carries it in its (small, size-limited) body."""
    headers = dict(scope.get("headers", []))
    if headers.get(b"content-type", b"").startswith(b"multipart/form-data"):
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        return query.get("csrftoken", [""])[0], receive
    body = await _read_body(receive)
    form = parse_qs(body.decode("utf-8", "replace"))
    return form.get("csrftoken", [""])[0], _replay(body)


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
