"""Communes upload their report in the desk and see the verdict at once; an officer adds a file
that came another way (issue 18). A real `cchc web` on loopback, Debian's chromium through
Playwright, real PDF and DOCX files, a real warehouse file; a second process holding the
warehouse plays the night.

The truths asserted come from the fixtures (their expected.json, the value planted in the DOCX)
and from the units registry, not from the code under test.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import httpx
import pytest

from cchc.settings import Settings
from cchc.warehouse.schema import WarehouseBusy, connect
from cchc.web.accounts import create_user
from tests.desk_server import PASSWORD, chromium, http_login, log_in, serve
from tests.fixtures.specs import make_spec
from tests.fixtures.word import WordLook, write_docx

REFORM = Path(__file__).parent / "fixtures" / "reform"
GOOD_PDF = REFORM / "pdf_word_15865_2025-9M.pdf"  # Xã Hoằng Hóa, 9 tháng 2025, accepted
TRUTH = json.loads((REFORM / "pdf_word_15865_2025-9M.expected.json").read_text("utf-8"))
BAD_CODE, BAD_VALUE = "1.1.2", 999  # more tasks done than planned (1.1.1): an error


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("upload")
    settings = Settings(inbox=tmp / "inbox", db=tmp / "w" / "cchc.duckdb",
                        archive=tmp / "w" / "archive", docs=tmp / "w" / "docs")
    connect(settings.db).close()
    create_user(settings.db, "hoang_hoa", "commune", PASSWORD, ("2025", "15865"))
    create_user(settings.db, "hoang_loc", "commune", PASSWORD, ("2025", "15961"))
    create_user(settings.db, "can_bo", "officer", PASSWORD)
    create_user(settings.db, "xem", "viewer", PASSWORD)
    bad, fixed = tmp / "BC 9T Hoang Loc.docx", tmp / "BC 9T Hoang Loc (da sua).docx"
    spec = make_spec("15961", "2025-9M", report_date=date(2025, 9, 15),
                     doc_number="12/BC-UBND", admin_map="2025")
    write_docx(replace(spec, values={**spec.values, BAD_CODE: BAD_VALUE}),
               WordLook(letterhead="council"), bad)
    write_docx(replace(spec, doc_number="13/BC-UBND", report_date=date(2025, 9, 17)),
               WordLook(letterhead="council"), fixed)
    with serve(settings.db, settings=settings) as (base, app), chromium() as browser:
        yield {"base": base, "app": app, "browser": browser, "settings": settings, "bad": bad,
               "fixed": fixed}


def stored(desk, sql: str, params=()):
    with desk["app"].state.store.read() as con:
        return con.execute(sql, params).fetchall()


def upload_in_browser(desk, user: str, path: Path, **fields: str):
    page = log_in(desk["browser"], desk["base"], user)
    page.goto(f"{desk['base']}/upload")
    page.set_input_files("input[name=file]", str(path))
    for name, value in fields.items():
        page.fill(f"input[name={name}]", value)
    page.click("form.upload button[type=submit]")
    page.wait_for_selector("#verdict")
    return page


def test_a_commune_uploads_its_report_and_sees_it_accepted_at_once(desk):
    page = log_in(desk["browser"], desk["base"], "hoang_hoa")
    assert page.url.endswith("/upload")  # a commune account lands on its upload page
    assert "Xã Hoằng Hóa" in page.inner_text("h1")
    page = upload_in_browser(desk, "hoang_hoa", GOOD_PDF)
    verdict = page.inner_text("#verdict")
    assert "Đã nhận: báo cáo hợp lệ" in verdict
    assert "Xã Hoằng Hóa" in verdict and "9 tháng đầu năm 2025" in verdict
    with page.expect_navigation():
        page.click("text=Xem báo cáo đã gửi")
    assert "/report/" in page.url
    with page.expect_download() as info:  # the original file, as it was sent
        page.click("#original")
    assert info.value.suggested_filename == GOOD_PDF.name
    assert Path(info.value.path()).read_bytes() == GOOD_PDF.read_bytes()
    # Printed, the report page is its content alone: no menu, no forms.
    page.emulate_media(media="print")
    assert page.is_visible("h1") and not page.is_visible("header.top")
    assert not page.is_visible("#original")
    page.emulate_media(media="screen")
    rows = stored(desk, """SELECT s.received_via, r.commune_code, r.admin_map, r.status,
                                  s.inbox_path, f.archive_path, a.note
                           FROM core.submissions s JOIN core.reports r USING (report_id)
                           JOIN core.files f ON f.sha256 = s.sha256
                           JOIN core.arrivals a ON a.inbox_path = s.inbox_path
                           WHERE r.period = '2025-9M' AND r.commune_code = '15865'""")
    assert len(rows) == 1
    via, code, admin_map, status, inbox_path, archive_path, note = rows[0]
    assert (via, code, admin_map, status) == ("upload", "15865", "2025", "accepted")
    assert "tai-len/15865/" in inbox_path and Path(inbox_path).is_file()
    assert Path(archive_path).read_bytes() == GOOD_PDF.read_bytes()
    assert "hoang_hoa" in note
    # Every figure as the fixture's truth has it.
    figures = dict(stored(desk, "SELECT code, value FROM core.observations o JOIN core.reports "
                                "r USING (report_id) WHERE r.commune_code = '15865' AND "
                                "r.period = '2025-9M'"))
    assert {code: figures[code] for code in TRUTH["values"]} == TRUTH["values"]


def test_a_commune_sees_exactly_what_to_fix_in_a_rejected_report(desk):
    page = upload_in_browser(desk, "hoang_loc", desk["bad"])
    verdict = page.inner_text("#verdict")
    assert "Báo cáo có lỗi" in verdict
    errors = [row.inner_text() for row in page.locator("#verdict tbody tr").all()
              if "Lỗi" in row.inner_text()]
    assert any(BAD_CODE in row and "999" in row for row in errors), errors
    # The very issues the desk shows the officer, word for word.
    messages = {m for (m,) in stored(desk, """SELECT i.message FROM core.issues i JOIN
        core.reports r USING (report_id) WHERE r.commune_code = '15961' AND i.severity = 'error'
        AND i.replaced_by IS NULL""")}
    assert messages and all(any(m in row for row in errors) for m in messages)
    # The commune fixes the figure and sends the report again: accepted, and it is the one in
    # force for the period.
    page = upload_in_browser(desk, "hoang_loc", desk["fixed"])
    assert "Đã nhận: báo cáo hợp lệ" in page.inner_text("#verdict")
    assert stored(desk, """SELECT doc_number FROM main.reports WHERE commune_code = '15961'
                           AND period = '2025-9M' AND status = 'accepted'""") == [("13/BC-UBND",)]


def test_an_officer_adds_a_report_that_came_on_paper(desk, tmp_path):
    copy = tmp_path / "ban giay Hoang Hoa.pdf"
    copy.write_bytes(GOOD_PDF.read_bytes() + b"\n% ban giay\n")  # other bytes, same report
    page = upload_in_browser(desk, "can_bo", copy, commune="15865", note="bản giấy, nhận 18/9")
    assert "Đã nhận" in page.inner_text("#verdict")
    via, note = stored(desk, """SELECT a.received_via, a.note FROM core.arrivals a
                                WHERE a.attachment_name = ?""", [copy.name])[0]
    assert via == "other" and "bản giấy, nhận 18/9" in note and "can_bo" in note


def _client(desk, user: str) -> tuple[httpx.Client, str]:
    """Logged in as ``user``; and the upload form's CSRF token (in its action's query)."""
    http = http_login(desk["base"], user)
    return http, http.get("/upload").text.split("csrftoken=")[1].split('"')[0]


def test_a_commune_account_sees_nothing_but_its_own(desk):
    other = stored(desk, "SELECT report_id FROM core.reports WHERE commune_code = '15961'")
    assert other, "the rejected report of Hoằng Lộc is loaded by an earlier test"
    http, _ = _client(desk, "hoang_hoa")
    report_id = other[0][0]
    for path in (f"/report/{report_id}", f"/report/{report_id}/letter.docx",
                 f"/report/{report_id}/page/1.png", f"/report/{report_id}/file",
                 "/commune/2025/15961"):
        assert http.get(path).status_code == 404, path
    for path in ("/period?province=38&period=2025-9M", "/runs", "/audit", "/users",
                 "/summary/province/38/2025-9M.xlsx"):
        assert http.get(path).status_code == 403, path
    assert http.post(f"/report/{report_id}/accept", data={"reason": "x"}).status_code == 403
    assert http.get("/commune/2025/15865").status_code == 200


def test_a_viewer_cannot_upload(desk):
    http, token = _client(desk, "xem")
    answer = http.post(f"/upload?csrftoken={token}", files={"file": ("a.pdf", b"%PDF-1.4")})
    assert answer.status_code == 403


def test_an_upload_without_its_csrf_token_is_refused(desk):
    http, _ = _client(desk, "hoang_hoa")
    answer = http.post("/upload", files={"file": ("a.pdf", GOOD_PDF.read_bytes())})
    assert answer.status_code == 403


def _uploads(desk) -> set[Path]:
    folder = desk["settings"].inbox / "tai-len"
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def test_a_70_mb_file_is_refused_before_it_is_read(desk):
    http, token = _client(desk, "hoang_hoa")
    before = _uploads(desk)
    answer = http.post(f"/upload?csrftoken={token}",
                       files={"file": ("lon.pdf", b"%PDF-1.4\n" + b"0" * (70 * 1024 * 1024))})
    assert answer.status_code == 413
    assert "tối đa 60 MB" in answer.text
    assert _uploads(desk) == before


@pytest.mark.parametrize("name, data", [("anh.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 100),
                                        ("bao cao.doc", b"\xd0\xcf\x11\xe0" + b"\0" * 100),
                                        ("nen.zip", b"PK\x03\x04" + b"\0" * 100)])
def test_a_file_that_is_not_a_report_is_refused_in_one_line(desk, name, data):
    http, token = _client(desk, "hoang_hoa")
    before = _uploads(desk)
    answer = http.post(f"/upload?csrftoken={token}", files={"file": (name, data)})
    assert answer.status_code == 400
    assert "không phải báo cáo dạng PDF, Word (.docx) hoặc Excel (.xlsx)" in answer.text
    assert _uploads(desk) == before


HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def test_while_the_night_holds_the_warehouse_the_upload_waits_and_then_loads(desk, tmp_path):
    spec = make_spec("15991", "2025-9M", report_date=date(2025, 9, 14),
                     doc_number="7/BC-UBND", admin_map="2025")
    path = tmp_path / "BC xa 15991.docx"
    write_docx(spec, WordLook(letterhead="council"), path)
    create_user(desk["settings"].db, "xa_15991", "commune", PASSWORD, ("2025", "15991"))
    http, token = _client(desk, "xa_15991")
    night = subprocess.Popen([sys.executable, "-c", HOLD, str(desk["settings"].db), "8"],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert night.stdout.readline().strip() == "holding"
        answer = http.post(f"/upload?csrftoken={token}",
                           files={"file": (path.name, path.read_bytes())})
        assert answer.status_code == 200
        assert "kho dữ liệu đang bận" in answer.text
        assert "Đã nhận: báo cáo hợp lệ" in answer.text  # the verdict did not wait
    finally:
        night.wait(30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            found = stored(desk, "SELECT count(*) FROM core.reports WHERE commune_code = "
                                 "'15991' AND period = '2025-9M'")[0][0]
        except WarehouseBusy:
            found = 0
        if found:
            break
        time.sleep(0.5)
    assert found == 1, "the desk's background loop loaded the upload once the file was free"
