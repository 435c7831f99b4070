"""The desk as an attacker meets it (OWASP ASVS level 1), over real HTTP against a real `cchc
web` app served by uvicorn on loopback: the login throttle, server-side sessions, body sizes,
no 500s, and the security headers.

The warehouse holds a PDF and an XLSX report stored by the real load function, and a run whose
Data Docs folder exists, so every route below has something real to refuse.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import statistics
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from cchc.flows.reading import read_report
from cchc.warehouse.load import Submission, load_report
from cchc.warehouse.runs import finish_run, start_run
from cchc.warehouse.schema import connect
from cchc.web.accounts import change_password, change_role, create_user
from cchc.web.security import FREE_FAILURES
from tests.desk_server import PASSWORD, serve
from tests.shipped import TEMPLATE

REPORTS = Path(__file__).parent / "fixtures" / "reports"


def _load(db: Path, archive: Path, name: str) -> str:
    source = REPORTS / name
    report, _ = read_report(source, TEMPLATE)
    kept = shutil.copy(source, archive / name)
    submission = Submission(name, f"/inbox/{name}", report.source.sha256,
                            source.stat().st_size, 0.0, datetime(2024, 9, 20, 8), str(kept),
                            report.source.format)
    con = connect(db)
    try:
        run_id = start_run(con, "/inbox")
        load_report(con, run_id, submission, report, [], "accepted")
        finish_run(con, run_id, n_seen=1)
        docs = archive.parent / "docs" / run_id
        docs.mkdir(parents=True)
        (docs / "index.html").write_text("<p>GX</p>", encoding="utf-8")
        con.execute("UPDATE core.runs SET docs_path = ? WHERE run_id = ?",
                    [str(docs / "index.html"), run_id])
    finally:
        con.close()
    return report.source.sha256


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("security")
    db, archive = tmp / "cchc.duckdb", tmp / "archive"
    archive.mkdir()
    pdf = _load(db, archive, "pdf_word_15928_2024-9M.pdf")
    xlsx = _load(db, archive, "xlsx_15976_2024-9M.xlsx")
    for name, role in (("admin", "admin"), ("can_bo", "officer"), ("xem", "viewer")):
        create_user(db, name, role, PASSWORD)
    con = connect(db, read_only=True)
    run_id = con.execute("SELECT run_id FROM core.runs ORDER BY started_at LIMIT 1").fetchone()[0]
    con.close()
    return {"db": db, "pdf": pdf, "xlsx": xlsx, "run": run_id}


@pytest.fixture(scope="module")
def desk(warehouse):
    with serve(warehouse["db"]) as (base, app):
        yield {**warehouse, "base": base, "app": app}


def client(base: str, address: str = "127.0.0.1") -> httpx.Client:
    """A client whose connections leave from ``address`` (any 127.x.y.z is this machine)."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=base, transport=transport, follow_redirects=False, timeout=30)


def token(http: httpx.Client, path: str = "/login") -> str:
    page = http.get(path, follow_redirects=True).text
    return page.split('name="csrftoken" value="')[1].split('"')[0]


def log_in(http: httpx.Client, name: str, password: str = PASSWORD) -> httpx.Response:
    return http.post("/login", data={"csrftoken": token(http), "name": name,
                                     "password": password})


# --- the login throttle -----------------------------------------------------------------------

def test_a_guesser_locks_out_neither_the_account_nor_its_neighbours(desk):
    guesser = client(desk["base"], "127.0.0.2")
    codes = [log_in(guesser, "admin", "doan-sai-mat-khau").status_code
             for _ in range(FREE_FAILURES + 1)]
    assert codes == [401] * FREE_FAILURES + [429]
    assert "Vui lòng thử lại sau" in log_in(guesser, "admin").text  # even the right one waits
    # The real admin, from the office's own address, gets in at once.
    assert log_in(client(desk["base"]), "admin").status_code == 303
    # A colleague behind the guesser's address too.
    assert log_in(client(desk["base"], "127.0.0.2"), "xem").status_code == 303


def test_the_right_password_gets_in_once_the_wait_is_over(desk):
    http = client(desk["base"], "127.0.0.3")
    for _ in range(FREE_FAILURES):
        assert log_in(http, "can_bo", "doan-sai").status_code == 401
    assert log_in(http, "can_bo").status_code == 429
    time.sleep(2.2)  # the first wait after the free failures: 2 s
    assert log_in(http, "can_bo").status_code == 303


def test_an_unknown_name_takes_as_long_to_refuse_as_a_wrong_password(desk):
    http = client(desk["base"], "127.0.0.4")
    login_token = token(http)

    def timed(name: str) -> float:
        started = time.perf_counter()
        answer = http.post("/login", data={"csrftoken": login_token, "name": name,
                                           "password": "khong-dung-dau"})
        assert answer.status_code == 401
        return time.perf_counter() - started

    known = statistics.median(timed("xem") for _ in range(FREE_FAILURES - 1))
    unknown = statistics.median(timed(f"khong-co-{i}") for i in range(FREE_FAILURES - 1))
    assert unknown > known / 2, (known, unknown)


# --- sessions recorded on the server ----------------------------------------------------------

def _cookie_of(http: httpx.Client) -> dict:
    return {"cchc_desk": http.cookies["cchc_desk"]}


def _still_in(base: str, cookie: dict) -> bool:
    with httpx.Client(base_url=base, cookies=cookie, follow_redirects=False) as other:
        answer = other.get("/audit")
    return answer.status_code == 200


def test_logout_ends_the_session_and_its_old_cookie_is_refused(desk):
    http = client(desk["base"])
    assert log_in(http, "xem").status_code == 303
    cookie = _cookie_of(http)
    assert _still_in(desk["base"], cookie)
    http.post("/logout", data={"csrftoken": token(http, "/audit")})
    assert not _still_in(desk["base"], cookie)


@pytest.mark.parametrize("change", ["password", "role"])
def test_a_password_or_role_change_ends_the_accounts_sessions(desk, change):
    name = f"doi_{change}"
    create_user(desk["db"], name, "officer", PASSWORD)
    http = client(desk["base"])
    assert log_in(http, name).status_code == 303
    cookie = _cookie_of(http)
    assert _still_in(desk["base"], cookie)
    ended = (change_password(desk["db"], name, "mat-khau-moi-dai") if change == "password"
             else change_role(desk["db"], name, "viewer"))
    assert ended == 1
    assert not _still_in(desk["base"], cookie)


def test_cookies_are_secure_behind_an_https_proxy(warehouse):
    with serve(warehouse["db"], https=True) as (base, _):
        answer = client(base).get("/login")  # its session cookie carries the CSRF token
    assert "; secure" in answer.headers["set-cookie"].lower()
    with serve(warehouse["db"]) as (base, _):
        assert "; secure" not in client(base).get("/login").headers["set-cookie"].lower()


# --- body size before work --------------------------------------------------------------------

def _raw(base: str, request: bytes, then: bytes = b"") -> bytes:
    """Send ``request`` (and ``then``, if the server has not answered yet); the answer."""
    host, port = urlsplit(base).hostname, urlsplit(base).port
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(request)
        with contextlib.suppress(OSError):  # the server answered and closed first: good
            s.sendall(then)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks):
                break
    return b"".join(chunks)


def test_a_huge_post_is_refused_from_its_length_before_it_is_read(desk):
    started = time.perf_counter()
    answer = _raw(desk["base"], b"POST /report/x/correct HTTP/1.1\r\nHost: x\r\n"
                                b"Content-Type: application/x-www-form-urlencoded\r\n"
                                b"Content-Length: 200000000\r\n\r\n", b"a" * 65536)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.perf_counter() - started < 5


def test_a_chunked_body_is_cut_off_at_the_limit(desk):
    chunk = b"%x\r\n%s\r\n" % (65536, b"a" * 65536)
    answer = _raw(desk["base"], b"POST /login HTTP/1.1\r\nHost: x\r\n"
                                b"Content-Type: application/x-www-form-urlencoded\r\n"
                                b"Transfer-Encoding: chunked\r\n\r\n", chunk * 8)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_post_without_a_session_is_refused_before_its_body(desk):
    answer = httpx.post(f"{desk['base']}/report/x/correct", content=b"a" * 100_000,
                        headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 401


# --- no 500s ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def officer(desk):
    http = client(desk["base"])
    assert log_in(http, "can_bo").status_code == 303
    return http


@pytest.mark.parametrize("page", ["0", "99999", "9" * 40])
def test_a_page_the_pdf_has_not_is_the_desks_404(desk, officer, page):
    answer = officer.get(f"/report/{desk['pdf']}/page/{page}.png")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "Bàn duyệt báo cáo CCHC" in answer.text


def test_a_page_image_of_an_xlsx_report_is_a_404_that_says_why(desk, officer):
    answer = officer.get(f"/report/{desk['xlsx']}/page/1.png")
    assert answer.status_code == 404
    assert "không phải tệp PDF" in answer.text


def test_a_nul_byte_in_a_data_docs_path_is_a_404(desk, officer):
    assert officer.get(f"/runs/{desk['run']}/docs/index.html").status_code == 200
    answer = officer.get(f"/runs/{desk['run']}/docs/index%00.html")
    assert answer.status_code == 404
    assert "Bàn duyệt báo cáo CCHC" in answer.text


def test_a_400_digit_correction_is_refused_in_words(desk, officer):
    page = f"/report/{desk['pdf']}"
    answer = officer.post(f"{page}/correct", data={
        "csrftoken": token(officer, page), "code": "3.3.1", "value": "9" * 400,
        "reason": "thử"})
    assert answer.status_code == 303
    shown = officer.get(page).text
    assert "quá lớn" in shown or "không phải là số" in shown


def test_an_unknown_address_is_the_desks_404_in_vietnamese(desk, officer):
    answer = officer.get("/khong-co-trang-nay")
    assert answer.status_code == 404
    assert "Không có trang này." in answer.text


# --- headers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/login", "/audit", "/static/desk.css", "/khong-co"])
def test_every_answer_carries_the_security_headers(desk, officer, path):
    headers = officer.get(path).headers
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("style-src")[0]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


def test_data_docs_script_is_cut_off_from_the_desk(desk, officer):
    """GX's pages need their inline script; it may make no request, form or frame of its own."""
    policy = officer.get(f"/runs/{desk['run']}/docs/index.html").headers[
        "content-security-policy"]
    assert policy.startswith("default-src 'none'")
    for directive in ("connect-src 'none'", "form-action 'none'", "frame-src 'none'",
                      "worker-src 'none'", "frame-ancestors 'none'"):
        assert directive in policy


def test_no_page_of_the_desk_has_inline_script():
    """The policy forbids inline script: a page that had some would silently lose it."""
    templates = Path(__file__).parent.parent / "web" / "templates"
    for template in templates.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"\son[a-z]+\s*=", text), template.name
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template.name
