"""The security headers of every answer of the desk.

The desk's own pages run no inline script and load nothing from elsewhere, so their policy
allows only the desk's own files. Data Docs (Great Expectations' HTML) are files the desk did not
write, and GX draws their tables with inline script: their policy lets that script run but cut
off from the desk — no request of its own (connect-src), no form, no frame, no worker — so a page
there cannot act on the desk with the officer's session. (A CSP sandbox would isolate it further,
but a sandboxed page loads its own assets without the SameSite=strict session cookie, and the
login check turns every one of them away.)
"""

from __future__ import annotations

from collections.abc import Callable

from cchc.web.security import ASGIApp

DESK_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
DOCS_POLICY = ("default-src 'none'; script-src 'self' 'unsafe-inline'; "
               "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
               "connect-src 'none'; form-action 'none'; frame-src 'none'; worker-src 'none'; "
               "base-uri 'none'; frame-ancestors 'none'")
DOCS_PREFIX = "/runs/"
COMMON = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
          (b"x-frame-options", b"DENY"))


def policy_for(path: str) -> str:
    return DOCS_POLICY if path.startswith(DOCS_PREFIX) and "/docs/" in path else DESK_POLICY


class SecurityHeaders:
    """Adds COMMON and the path's Content-Security-Policy to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [*COMMON, (b"content-security-policy", policy_for(scope["path"]).encode())]

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                message = {**message, "headers": [*message.get("headers", []),
                                                  *(h for h in extra if h[0] not in names)]}
            await send(message)

        await self.app(scope, receive, with_headers)
