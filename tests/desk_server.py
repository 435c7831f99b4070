"""The desk served for real (uvicorn on a free local port) and Debian's chromium driven by
Playwright, for the browser tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import uvicorn

from cchc.settings import Settings
from cchc.web.app import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
PASSWORD = "mat-khau-thu-nghiem"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(db: Path, secret: str | None = "test-secret", settings=None,
          https: bool = False) -> Iterator[tuple[str, object]]:
    """(base URL, the app) while uvicorn serves the desk in a thread; ``secret=None`` signs
    sessions with the key kept beside the warehouse, as ``cchc web`` does; ``settings`` as
    ``cchc web`` hands them (the inbox uploads go to); ``https`` as ``--behind-proxy``."""
    settings = settings or Settings(db=Path(db), inbox=Path(db).parent / "inbox")
    app = create_app(replace(settings, behind_proxy=https), secret=secret)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the desk did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(browser, base: str, name: str):
    """A new browser context logged in as ``name``; its page."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN",
                                  accept_downloads=True)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def csrf_of(page: str) -> str:
    """The CSRF token a desk page's forms carry."""
    return page.split('name="csrftoken" value="')[1].split('"')[0]


def http_login(base: str, name: str, password: str = PASSWORD, **client: object):
    """An httpx client logged in to the desk at ``base`` as ``name`` (its own session)."""
    import httpx

    http = httpx.Client(base_url=base, timeout=120, **client)
    answer = http.post("/login", data={"csrftoken": csrf_of(http.get("/login").text),
                                       "name": name, "password": password})
    assert answer.status_code in (200, 303), (name, answer.status_code)
    return http
