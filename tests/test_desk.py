"""The review desk in a real browser: Debian's chromium driven by Playwright, over a warehouse
the real nightly ingest loaded from the committed fixtures (tests/desk_inbox.py).

Expected numbers come from the fixtures' expected.json (written by the generator from its
spec), the generator's spec for the commune that got one figure wrong, and the administrative
units file: not from the desk's code.
"""

import csv
import http.client
import io
import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pdfplumber
import pytest
from docx import Document
from PIL import Image

from cchc.flows.ingest import run_ingest
from cchc.settings import Settings
from cchc.warehouse.schema import WarehouseBusy
from cchc.web.accounts import create_user
from cchc.web.actions import new_request, pending, submit
from tests.desk_inbox import (
    BAD_CODE,
    BAD_VALUE,
    HOSTILE_MESSAGE,
    HOSTILE_NAME,
    HOSTILE_NUMBER,
    REJECTED_FILE,
    REPORTS,
    REVISION_PDF,
    build_desk_inbox,
    load_hostile,
)
from tests.desk_server import PASSWORD, chromium, log_in, serve
from tests.fixtures.specs import make_spec, usual_window

BENCH_TXT = Path(__file__).parent / "fixtures" / "bench_txt"
UNITS = Path(__file__).parent.parent / "reference" / "admin_units.csv"
ACCEPTED = ("pdf_word_15928_2024-9M", "xlsx_15976_2024-9M", "txt_15865_2024-9M")
RIGHT_VALUE = make_spec("15910", "2024-9M", report_date=date(2024, 9, 17),
                        doc_number="41/BC-UBND", window=usual_window("2024-9M")).values[BAD_CODE]


def expected_value(name: str, code: str):
    document = json.loads((REPORTS / f"{name}.expected.json").read_text(encoding="utf-8"))
    return document["values"][code]


def communes_of(district: str) -> int:
    with UNITS.open(encoding="utf-8") as f:
        return sum(1 for row in csv.DictReader(f)
                   if row["level"] == "commune" and row["district_code"] == district)


@pytest.fixture(scope="module")
def desk(tmp_path_factory, prefect_harness):
    tmp = tmp_path_factory.mktemp("desk")
    settings = Settings(inbox=tmp / "inbox", db=tmp / "w" / "cchc.duckdb",
                        archive=tmp / "w" / "archive", docs=tmp / "w" / "docs")
    build_desk_inbox(settings.inbox)
    run_ingest(settings)
    hostile_id = load_hostile(settings.db, tmp / "w" / "hostile")
    for name, role in (("can_bo", "officer"), ("xem", "viewer"), ("quan_tri", "admin")):
        create_user(settings.db, name, role, PASSWORD)
    with serve(settings.db) as (base, app), chromium() as browser:
        yield {"base": base, "app": app, "browser": browser, "hostile_id": hostile_id,
               "db": settings.db}


def rejected_id(desk) -> str:
    with desk["app"].state.store.read() as con:
        return con.execute("SELECT report_id FROM reports WHERE file_name = ?",
                           [REJECTED_FILE]).fetchone()[0]


def rollup(desk, code: str):
    with desk["app"].state.store.read() as con:
        return con.execute("SELECT value, n_reporting FROM district_rollup WHERE district_code "
                           "= '399' AND period = '2024-9M' AND code = ?", [code]).fetchone()


def open_report(page, desk, report_id: str):
    page.goto(f"{desk['base']}/report/{report_id}")
    return page


def test_log_in_and_see_the_period_at_a_glance(desk):
    page = log_in(desk["browser"], desk["base"], "can_bo")
    assert "/period" in page.url
    assert page.inner_text("h1") == "Huyện Hoằng Hóa · 9 tháng đầu năm 2024"
    # received today, long after the 2024 deadline: every report sent is late; "đã gửi"
    # counts the rejected one too, since the commune sent it (issue 23)
    counts = {s: int(page.inner_text(f"#n-{s}")) for s in
              ("submitted", "on_time", "late", "rejected", "returned", "missing")}
    assert counts == {"submitted": 4, "on_time": 0, "late": 3, "rejected": 1, "returned": 0,
                      "missing": communes_of("399") - 4}
    page.select_option("select[name=status]", "rejected")
    page.click("form.choose button")
    rows = page.locator("#communes tbody tr")
    assert rows.count() == 1 and "Xã Hoằng Xuyên" in rows.inner_text()
    assert REJECTED_FILE in rows.inner_text()
    page.context.close()


def test_the_glance_finds_a_commune_typed_without_diacritics(desk):
    """An officer types "hoang xuyen" as a phone keyboard writes it; typed with its marks,
    a near name (Hoàng for Hoằng) finds nothing, since they are different communes' names."""
    page = log_in(desk["browser"], desk["base"], "can_bo")
    for typed, found in (("hoang xuyen", 1), ("HOANG  XUYEN", 1), ("Hoằng Xuyên", 1),
                         ("Hoàng Xuyên", 0)):
        page.fill("input[name=commune]", typed)
        page.click("form.choose button")
        page.wait_for_load_state()
        rows = page.locator("#communes tbody tr")
        names = rows.all_inner_texts()
        assert sum("Xã Hoằng Xuyên" in row for row in names) == found, (typed, names)
        assert len(names) == found or not found, (typed, names)
    page.context.close()


def test_download_the_district_summary_for_the_period(desk):
    page = log_in(desk["browser"], desk["base"], "xem")
    with page.expect_download() as info:
        page.click("text=Phụ lục 01b tổng hợp (.xlsx)")
    assert info.value.suggested_filename == "tong-hop-cchc_huyen-399_2024-9M.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert book.sheetnames  # the existing summary workbook, opened as Excel would
    page.context.close()


def test_the_page_data_is_served_as_json_too(desk):
    page = log_in(desk["browser"], desk["base"], "xem")
    answer = page.request.get(f"{desk['base']}/period?district=399&period=2024-9M&format=json")
    data = answer.json()
    assert data["counts"]["rejected"] == 1 and data["n_expected"] == communes_of("399")
    page.context.close()


def test_a_rejected_pdf_shows_its_page_with_the_wrong_cell_outlined(desk):
    page = open_report(log_in(desk["browser"], desk["base"], "can_bo"), desk, rejected_id(desk))
    assert page.inner_text(".badge >> nth=0") == "Bị từ chối"
    assert page.locator("#issues tbody tr").count() >= 1
    image = page.locator("#page-image")
    image.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('#page-image').naturalWidth > 0")
    src = image.get_attribute("src")
    assert f"code={BAD_CODE}" in src
    png = Image.open(io.BytesIO(page.request.get(desk["base"] + src).body())).convert("RGB")
    red = [(x, y) for x in range(png.width) for y in range(0, png.height, 2)
           if png.getpixel((x, y)) == (220, 0, 0)]
    assert red, "no outline drawn"
    # The outline surrounds the printed 999, wherever pdfplumber finds it on that page.
    page_number = int(src.split("/page/")[1].split(".png")[0])
    with pdfplumber.open(_archived(desk, rejected_id(desk))) as pdf:
        words = [w for w in pdf.pages[page_number - 1].extract_words()
                 if w["text"] == str(BAD_VALUE)]
    assert len(words) == 1
    scale = 1.5
    xs, ys = [x for x, _ in red], [y for _, y in red]
    word = words[0]
    assert min(xs) <= word["x0"] * scale <= word["x1"] * scale <= max(xs)
    assert min(ys) <= word["top"] * scale <= word["bottom"] * scale <= max(ys)
    page.context.close()


def _archived(desk, report_id: str) -> str:
    with desk["app"].state.store.read() as con:
        return con.execute("SELECT archive_path FROM reports WHERE report_id = ?",
                           [report_id]).fetchone()[0]


def test_correct_the_figure_then_undo(desk):
    report_id = rejected_id(desk)
    others = sum(expected_value(name, BAD_CODE) for name in ACCEPTED)
    assert rollup(desk, BAD_CODE) == (others, 3)
    page = open_report(log_in(desk["browser"], desk["base"], "can_bo"), desk, report_id)
    row = page.locator("#figures tbody tr", has=page.locator(f"[data-code='{BAD_CODE}']"))
    row.locator("summary").click()
    row.locator("input[name=value]").fill(str(RIGHT_VALUE))
    row.locator("input[name=reason]").fill("xã xác nhận qua điện thoại")
    row.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.inner_text(".badge >> nth=0") == "Đã chấp nhận"
    assert page.locator("#issues tbody tr").count() == 0
    corrected = page.locator("#figures tbody tr", has=page.locator(f"[data-code='{BAD_CODE}']"))
    assert f"tệp ghi: {BAD_VALUE}" in corrected.inner_text()
    assert "sửa bởi can_bo" in corrected.inner_text()
    assert rollup(desk, BAD_CODE) == (others + RIGHT_VALUE, 4)
    with desk["app"].state.store.read() as con:
        seen = con.execute("SELECT value, value_read, corrected_by FROM observations "
                           "WHERE report_id = ? AND code = ?", [report_id, BAD_CODE]).fetchone()
    assert seen == (RIGHT_VALUE, BAD_VALUE, "can_bo")
    page.goto(f"{desk['base']}/period?district=399&period=2024-9M")
    assert page.inner_text("#n-rejected") == "0" and page.inner_text("#n-submitted") == "4"

    page = open_report(page, desk, report_id)
    undo = page.locator("#actions form.undo").first
    # The button says which action it undoes, whose and when (issue 23), as the log row does.
    acted = page.locator("#actions tbody tr").first.locator("td").first.inner_text()
    assert undo.locator("button").inner_text() == f"Hoàn tác «Sửa số liệu» của can_bo, {acted}"
    undo.locator("input[name=reason]").fill("nhầm xã")
    undo.locator("button").click()
    page.wait_for_load_state()
    assert page.inner_text(".badge >> nth=0") == "Bị từ chối"
    assert rollup(desk, BAD_CODE) == (others, 3)
    assert "đã hoàn tác" in page.inner_text("#actions")
    page.goto(f"{desk['base']}/audit")
    audit = page.inner_text("#audit")
    assert "Sửa số liệu" in audit and "Hoàn tác" in audit and "xã xác nhận qua điện thoại" in audit
    page.context.close()


def test_return_a_report_and_download_the_letter(desk):
    report_id = rejected_id(desk)
    page = open_report(log_in(desk["browser"], desk["base"], "can_bo"), desk, report_id)
    issues = page.locator("#issues tbody tr").all_inner_texts()
    page.fill("form[action$='/return'] input[name=reason]", "sai số liệu thanh tra")
    page.click("#return")
    page.wait_for_load_state()
    assert page.inner_text(".badge >> nth=0") == "Đã trả lại xã"
    # The officer fills the number, the deadline and the signer, then downloads.
    deadline = date.today() + timedelta(days=10)
    page.fill("form.letter input[name=number]", "125/PNV")
    page.fill("form.letter input[name=deadline]", deadline.isoformat())
    page.fill("form.letter input[name=signer_name]", "Lê Văn Nam")
    with page.expect_download() as info:
        page.click("form.letter button")
    assert info.value.suggested_filename == \
        "Thư trả lại - Xã Hoằng Xuyên - 9 tháng đầu năm 2024.docx"
    letter = Document(info.value.path())
    text = "\n".join([p.text for p in letter.paragraphs] + [
        cell.text for table in letter.tables for row in table.rows for cell in row.cells])
    assert "Số: 125/PNV" in text and "Kính gửi: Ủy ban nhân dân xã Hoằng Xuyên." in text
    assert "Ngoài ra: sai số liệu thanh tra." in text
    month = f"{deadline.month:02d}" if deadline.month < 3 else str(deadline.month)
    assert f"trước ngày {deadline.day:02d} tháng {month} năm {deadline.year}" in text
    assert "Lê Văn Nam" in text and "TRƯỞNG PHÒNG" in text and "can_bo" not in text
    for issue in issues:
        assert issue.split("\t", 1)[1].strip() in text
    # Kept: the page offers it again, as it was made.
    page.goto(f"{desk['base']}/report/{report_id}")
    again = page.request.get(f"{desk['base']}/report/{report_id}/letter.docx")
    assert again.status == 200 and b"word/document.xml" in again.body()
    page.goto(f"{desk['base']}/period?district=399&period=2024-9M")
    assert page.inner_text("#n-returned") == "1"
    page = open_report(page, desk, report_id)  # leave it as the other tests expect it
    undo = page.locator("#actions form.undo").first
    undo.locator("input[name=reason]").fill("xã đã gọi lại")
    undo.locator("button").click()
    page.wait_for_load_state()
    assert page.inner_text(".badge >> nth=0") == "Bị từ chối"
    page.context.close()


def test_a_viewer_reads_but_cannot_act(desk):
    report_id = rejected_id(desk)
    page = open_report(log_in(desk["browser"], desk["base"], "xem"), desk, report_id)
    assert page.locator("#accept").count() == 0 and page.locator("form.correct").count() == 0
    token = page.get_attribute("form.who input[name=csrftoken]", "value")
    answer = page.request.post(f"{desk['base']}/report/{report_id}/accept",
                               form={"csrftoken": token, "reason": "thử"})
    assert answer.status == 403
    assert page.request.get(f"{desk['base']}/users").status == 403
    page.reload()
    assert page.inner_text(".badge >> nth=0") == "Bị từ chối"
    page.context.close()


def test_a_logged_out_request_is_refused(desk):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(
            f"{desk['base']}/report/{rejected_id(desk)}/accept", data=b"reason=x",
            method="POST"))
    assert refused.value.code in (401, 403)
    page = desk["browser"].new_page()
    page.goto(f"{desk['base']}/runs?format=json")
    assert page.url.endswith("/login") and "Đăng nhập" in page.inner_text("h1")
    page.close()


def test_a_post_without_the_csrf_token_is_refused(desk):
    report_id = rejected_id(desk)
    page = log_in(desk["browser"], desk["base"], "can_bo")
    answer = page.request.post(f"{desk['base']}/report/{report_id}/accept",
                               form={"reason": "không có mã CSRF"})
    assert answer.status == 403 and "CSRF" in answer.text()
    page = open_report(page, desk, report_id)
    assert page.inner_text(".badge >> nth=0") == "Bị từ chối"
    page.context.close()


def test_hostile_names_and_labels_render_as_text(desk):
    page = log_in(desk["browser"], desk["base"], "can_bo")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_report(page, desk, desk["hostile_id"])
    assert page.inner_text("#file-name") == HOSTILE_NAME
    assert HOSTILE_NUMBER in page.inner_text("dl.meta")
    assert HOSTILE_MESSAGE in page.inner_text("#issues")
    assert page.locator("main script, main img[src=x], dl.meta b").count() == 0
    page.goto(f"{desk['base']}/audit")
    assert dialogs == []
    page.context.close()


def test_the_run_log_opens_each_nights_data_docs_through_the_desk(desk):
    """The ingest wrote Data Docs under --docs; the run log links them, the desk serves that
    folder to logged-in users (GX's own page, drawing its table from the local assets) and
    nothing outside it."""
    with desk["app"].state.store.read() as con:
        run_id, index = con.execute("SELECT run_id, docs_path FROM core.runs WHERE docs_path "
                                    "IS NOT NULL ORDER BY started_at LIMIT 1").fetchone()
    page = log_in(desk["browser"], desk["base"], "xem")
    page.goto(f"{desk['base']}/runs")
    with page.expect_navigation():
        page.click("#runs a.data-docs >> nth=-1")  # the oldest run: the fixture's ingest
    assert page.title() == "Data Docs created by Great Expectations"
    assert page.url.startswith(desk["base"])
    page.wait_for_selector("text=Showing 1 to 2 of 2 rows")  # drawn by GX's script, served here
    served = page.request.get(page.url)
    assert served.status == 200 and served.body() == Path(index).read_bytes()
    docs = f"{desk['base']}/runs/{run_id}/docs"
    # Out of the run's folder: ../ (sent encoded, as a browser would not normalise it away),
    # and the warehouse file beside the docs folder.
    for wanted in ("..%2F..%2Fcchc.duckdb", "..%2F" * 6 + "etc%2Fpasswd", "%2Fetc%2Fpasswd",
                   "_offline"):
        refused = page.request.get(f"{docs}/{wanted}")
        assert refused.status == 404, wanted
        assert "không có tệp này" in refused.text()
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())
    raw = http.client.HTTPConnection(desk["base"].removeprefix("http://"))
    raw.request("GET", f"/runs/{run_id}/docs/../../cchc.duckdb", headers={"cookie": cookie})
    answer = raw.getresponse()
    assert answer.status == 404 and b"DUCK" not in answer.read()
    raw.close()
    page.context.close()
    anonymous = desk["browser"].new_page()
    anonymous.goto(f"{docs}/index.html")
    assert anonymous.url.endswith("/login")
    anonymous.close()


def test_a_correction_submitted_during_a_real_ingest_is_applied_once_it_releases(desk, tmp_path):
    """A night's ingest runs in another process over every committed fixture; the correction
    is submitted the moment it holds the warehouse, waits in the spool, and the desk's
    applier puts it in once the load lets go. Runs last: it leaves the report accepted."""
    store, report_id = desk["app"].state.store, rejected_id(desk)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in REPORTS.iterdir():
        if not path.name.endswith(".json"):
            shutil.copy(path, inbox / path.name)
    for path in BENCH_TXT.glob("*.txt"):
        shutil.copy(path, inbox / path.name)
    night = subprocess.Popen(
        [sys.executable, "-m", "cchc.cli", "ingest", str(inbox), "--db", str(desk["db"]),
         "--archive", str(tmp_path / "archive"), "--docs", str(tmp_path / "docs")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    queued = None
    try:
        while queued is None and night.poll() is None:
            try:
                with store.read(wait=0):
                    pass
                time.sleep(0.02)  # leave the night room to take the file
                continue
            except WarehouseBusy:
                pass
            request = new_request("correct", report_id, "can_bo", "xã xác nhận qua điện thoại",
                                  code=BAD_CODE, value=RIGHT_VALUE)
            if not submit(store, request, wait=0):
                queued = request
            else:  # the load let go in between: put the figure back and try again
                undo = new_request("undo", report_id, "can_bo", "thử lại",
                                   undoes=request.action_id)
                while not submit(store, undo, wait=0):
                    time.sleep(0.05)
        assert queued is not None, "the ingest never held the warehouse while it ran"
        _, err = night.communicate(timeout=400)
    finally:
        if night.poll() is None:
            night.kill()
    assert night.returncode == 0, err
    deadline = time.monotonic() + 60
    while pending(store):
        assert time.monotonic() < deadline, "the spooled correction was never applied"
        time.sleep(0.2)
    with store.read() as con:
        applied = con.execute("SELECT user_name, before, after FROM core.actions "
                              "WHERE action_id = ?", [queued.action_id]).fetchone()
        status = con.execute("SELECT status FROM reports WHERE report_id = ?",
                             [report_id]).fetchone()[0]
        n_new = con.execute("SELECT count(*) FROM submissions WHERE inbox_path LIKE ?",
                            [f"{inbox}%"]).fetchone()[0]
    assert applied == ("can_bo", str(BAD_VALUE), f"{RIGHT_VALUE:g}")
    assert status == "accepted"
    assert n_new == len(list(inbox.iterdir()))  # the night's load lost nothing either


def test_a_later_revision_supersedes_the_corrected_report_and_says_so(desk, tmp_path):
    """Runs after the correction above is in force: the commune's revision arrives the next
    night; it supersedes the corrected report as any revision does, and its page says the
    earlier correction did not carry over."""
    corrected = rejected_id(desk)
    settings = Settings(inbox=tmp_path / "inbox", db=desk["db"], archive=tmp_path / "archive",
                        docs=tmp_path / "docs")
    settings.inbox.mkdir()
    shutil.copy(REVISION_PDF, settings.inbox / "BC 9T Hoang Xuyen (sua).pdf")
    run_ingest(settings)
    with desk["app"].state.store.read() as con:
        statuses = dict(con.execute("SELECT doc_number, status FROM reports WHERE "
                                    "commune_code = '15910' AND period = '2024-9M'").fetchall())
        revision = con.execute("SELECT report_id FROM reports WHERE doc_number = '42/BC-UBND' "
                               "AND period = '2024-9M'").fetchone()[0]
    assert statuses == {"41/BC-UBND": "superseded", "42/BC-UBND": "accepted"}
    page = open_report(log_in(desk["browser"], desk["base"], "can_bo"), desk, revision)
    note = page.inner_text("#not-carried-over")
    assert "không được chuyển sang" in note
    assert f"{BAD_CODE}: {BAD_VALUE} → {RIGHT_VALUE}" in note and "can_bo" in note
    page.goto(f"{desk['base']}/report/{corrected}")
    assert page.inner_text(".badge >> nth=0") == "Đã được thay thế"
    assert page.locator("form.correct").count() == 0
    page.context.close()


def test_an_accepted_report_can_be_returned_with_a_reason(desk):
    """An officer who finds a problem the checks did not returns an accepted report as a
    rejected one is returned (issue 23); undoing the return accepts it again."""
    with desk["app"].state.store.read() as con:
        report_id = con.execute("SELECT report_id FROM reports WHERE status = 'accepted' "
                                "ORDER BY file_name LIMIT 1").fetchone()[0]
    page = open_report(log_in(desk["browser"], desk["base"], "can_bo"), desk, report_id)
    assert page.inner_text(".badge >> nth=0") == "Đã chấp nhận"
    assert page.locator("#accept").count() == 0
    page.fill("form[action$='/return'] input[name=reason]", "số liệu không khớp biên bản")
    page.click("#return")
    page.wait_for_load_state()
    assert page.inner_text(".badge >> nth=0") == "Đã trả lại xã"
    assert "số liệu không khớp biên bản" in page.inner_text("#actions")
    undo = page.locator("#actions form.undo").first
    assert undo.locator("button").inner_text().startswith("Hoàn tác «Trả lại xã» của can_bo")
    undo.locator("input[name=reason]").fill("nhầm báo cáo")
    undo.locator("button").click()
    page.wait_for_load_state()
    assert page.inner_text(".badge >> nth=0") == "Đã chấp nhận"
    page.context.close()
