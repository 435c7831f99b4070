"""How large a request body may be, checked before any of it is read or parsed.

Without it a 200 MB POST without a session was read whole before its 403 (+350 MB in the
server). The outermost middleware refuses a body over its route's limit from its
Content-Length at once, and counts the bytes of a body sent without one, stopping at the limit.
"""

from __future__ import annotations

from collections.abc import Callable

from cchc.web.security import ASGIApp

FORM_LIMIT = 256 * 1024  # a login, an action, a new account: a few hundred bytes
UPLOAD_LIMIT = 60 * 1024 * 1024  # a report: the largest seen was 12 MB
UPLOAD_PATHS = ("/upload",)
TOO_LARGE = "Yêu cầu quá lớn: tệp gửi lên tối đa {mb} MB.".format


def limit_for(path: str) -> int:
    return UPLOAD_LIMIT if path.startswith(UPLOAD_PATHS) else FORM_LIMIT


class _Overflow(Exception):
    pass


class BodyLimit:
    """413 for a body over ``limit_for(path)`` bytes, read no further than the limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"])
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(send, limit)
            return
        seen, started = 0, False

        async def counted() -> dict:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _Overflow
            return message

        async def watched(message: dict) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _Overflow:
            if not started:
                await _too_large(send, limit)


async def _too_large(send: Callable, limit: int) -> None:
    body = TOO_LARGE(mb=limit // (1024 * 1024) or 1).encode("utf-8")
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
