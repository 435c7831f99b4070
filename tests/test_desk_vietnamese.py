"""Everything the desk shows an officer is Vietnamese (issue 21): every page of the demo
warehouse, walked through the real desk over HTTP, with the officer's actions in its audit log,
its refusals and its run log, holds no English word of cchc's own and no period key.

The words and keys looked for are a list written here, not taken from the code: the warehouse's
stored keys (statuses, roles, action kinds), the English of the old refusals, and "2024-9M".
What is not cchc's to translate is left out of the walk: file names and commands shown as code.
"""

import html
import re

import pytest

from cchc.flows.ingest import run_ingest
from cchc.settings import Settings
from cchc.web.accounts import create_user
from cchc.web.actions import new_request, submit
from tests.desk_server import PASSWORD, http_login, serve
from tests.fixtures.demo_inbox import build_demo_inbox

# Stored keys and English words a page of cchc once showed; each one is a fault on a page.
ENGLISH = ["accepted", "rejected", "quarantined", "duplicate", "superseded", "running",
           "finished", "failed", "viewer", "officer", "admin", "commune", "correct", "accept",
           "return", "undo", "districts", "ended", "summary", "province", "district", "period",
           "is not", "key", "accepted:", "instead", "received_at", "cchc không"]
PERIOD_KEY = re.compile(r"\b[12]\d{3}-(?:Q[1-4]|H1|9M|FY)\b")
MARKDOWN = re.compile(r"\| *-{3,} *\||^#+ ", re.MULTILINE)
UNREADABLE = {"BC CCHC 9 thang 2024.pdf", "BC CCHC 9T2024 Hoang Duc (ky so).pdf",
              "Bao cao CCHC 9 thang 2024 Hoang Duc.doc", "Scan_20240917_1156.pdf"}


@pytest.fixture(scope="module")
def desk(tmp_path_factory, prefect_harness):
    root = tmp_path_factory.mktemp("demo-desk")
    inbox = build_demo_inbox(root / "inbox")
    settings = Settings(inbox=root / "inbox", db=root / "cchc.duckdb",
                        archive=root / "archive", docs=root / "validation")
    run_ingest(settings)
    create_user(settings.db, "quan_tri", "admin", PASSWORD)
    with serve(settings.db, settings=settings) as (base, app):
        store = app.state.store
        with store.read() as con:
            rejected, accepted = (con.execute(
                "SELECT report_id FROM reports WHERE status = ? ORDER BY file_name LIMIT 1",
                [status]).fetchone()[0] for status in ("rejected", "accepted"))
            code = con.execute("SELECT code FROM observations WHERE report_id = ? AND value "
                               "IS NOT NULL ORDER BY code LIMIT 1", [accepted]).fetchone()[0]
        for request in (new_request("accept", rejected, "quan_tri", "xã đã giải trình"),
                        new_request("correct", accepted, "quan_tri", "xã báo qua điện thoại",
                                    code=code, value=7),
                        new_request("return", accepted, "quan_tri", "cần ký lại")):
            assert submit(store, request)
        yield {"base": base, "app": app, "inbox": inbox, "db": settings.db,
               "http": http_login(base, "quan_tri")}


def visible(page: str) -> str:
    """What a person reads on a page: its text, without markup, scripts, code and file names
    (a commune names its file; cchc does not translate it)."""
    page = re.sub(r"<(script|style|code)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<(option|input)\b[^>]*>", lambda m: " ", page)
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return re.sub(r"[^\s|]*\.(?:pdf|docx?|xlsx?|txt|html)\b", " ", text)


def faults(text: str) -> list[str]:
    found = [w for w in ENGLISH if re.search(rf"(?<![\w/]){re.escape(w)}(?![\w/])", text,
                                             re.IGNORECASE)]
    return found + PERIOD_KEY.findall(text) + MARKDOWN.findall(text)


def pages_of(desk) -> list[str]:
    with desk["app"].state.store.read() as con:
        reports = [r[0] for r in con.execute(
            "SELECT report_id FROM reports ORDER BY status").fetchall()]
        runs = [r[0] for r in con.execute("SELECT run_id FROM core.runs").fetchall()]
    return ["/period?district=399&period=2024-9M", "/commune/legacy/15877", "/runs", "/mail",
            "/audit", "/users", "/upload", *(f"/runs/{r}/unreadable" for r in runs),
            *(f"/report/{r}" for r in reports)]


def test_no_page_of_the_desk_shows_english_or_a_period_key(desk):
    found = {}
    for path in pages_of(desk):
        answer = desk["http"].get(path)
        assert answer.status_code == 200, path
        if bad := faults(visible(answer.text)):
            found[path] = sorted(set(bad))
    assert not found


@pytest.mark.parametrize(("path", "said"), [
    ("/period?district=399&period=", "chưa chọn kỳ báo cáo"),
    ("/period?district=399&period=2024-X", "'2024-X' không phải mã kỳ báo cáo"),
    ("/period?district=399&period=2025-9M", "từ ngày 01/7/2025 không còn cấp huyện: Huyện "
     "Hoằng Hóa không có bản tổng hợp 9 tháng đầu năm 2025; hãy xem theo tỉnh, Tỉnh Thanh Hóa"),
    ("/period?district=9999&period=2024-9M", "không có huyện mã '9999'"),
    ("/summary/district/399/2024-Q2.xlsx", "chưa có báo cáo nào của Huyện Hoằng Hóa (399) kỳ "
     "Quý II năm 2024"),
])
def test_the_desk_refuses_in_vietnamese(desk, path, said):
    answer = desk["http"].get(path)
    assert answer.status_code == 404
    text = " ".join(visible(answer.text).split())
    assert said in text
    assert not faults(text.replace(said, "")), faults(text)


def test_roles_and_audit_log_are_said_in_vietnamese(desk):
    users = " ".join(visible(desk["http"].get("/users").text).split())
    assert "quan_tri quản trị" in users
    assert re.findall(r'<option value="(\w+)">([^<]+)</option>', desk["http"].get("/users").text
                      ) == [("viewer", "xem"), ("officer", "cán bộ"), ("admin", "quản trị"),
                            ("commune", "xã")]
    audit = " ".join(visible(desk["http"].get("/audit").text).split())
    for kind in ("Chấp nhận dù có lỗi", "Sửa số liệu", "Trả lại xã"):
        assert kind in audit
    assert "9 tháng đầu năm 2024" in audit


def test_the_run_log_is_a_table_and_links_its_unreadable_files(desk):
    http = desk["http"]
    page = http.get("/runs").text
    assert "<pre>" not in page and "| --- |" not in page
    summary = re.search(r'<div class="run-summary">(.*?)</div>', page, re.S).group(1)
    assert "<th>tình trạng</th><th>số tệp</th>" in summary
    assert "<td>không đọc được</td><td>4</td>" in summary
    assert "<td>9 tháng đầu năm 2024</td>" in summary
    link = re.search(r'<a class="unreadable" href="([^"]+)">(\d+) không đọc được</a>', page)
    assert link and int(link.group(2)) == len(UNREADABLE)
    listed = http.get(link.group(1)).text
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>",
                      listed, re.S)
    assert {html.unescape(name) for name, *_ in rows} == UNREADABLE
    why = {html.unescape(name): html.unescape(reason) for name, reason, *_ in rows}
    assert why["BC CCHC 9 thang 2024.pdf"].startswith("tệp rỗng (0 byte)")
    assert why["Scan_20240917_1156.pdf"].startswith("PDF không có lớp chữ")
    communes = {html.unescape(name): re.sub(r"<[^>]+>", "", who) for name, _, who, _ in rows}
    # the name says Hoằng Đức; a file of no name and no text is no one's yet
    assert communes["Bao cao CCHC 9 thang 2024 Hoang Duc.doc"] == "Xã Hoằng Đức"
    assert communes["BC CCHC 9 thang 2024.pdf"] == "chưa rõ của xã nào"


def test_a_run_summary_is_escaped_and_its_period_cells_named():
    """A commune names its file; the run log shows that name as text, never as markup."""
    from cchc.web.run_summary import as_html

    shown = as_html("# Lần nạp 1\n\nSố tệp đã xét: 2\n\n| tệp | kỳ |\n| --- | --- |\n"
                    "| <img src=x onerror=alert(1)>.pdf | 2024-9M |\n| 2024-9M.xlsx | 2025-Q1 |")
    assert shown == ("<h3>Lần nạp 1</h3>\n<p>Số tệp đã xét: 2</p>\n"
                     "<table class=\"run-summary\"><thead><tr><th>tệp</th><th>kỳ</th></tr></thead>"
                     "<tbody><tr><td>&lt;img src=x onerror=alert(1)&gt;.pdf</td>"
                     "<td>9 tháng đầu năm 2024</td></tr>"
                     "<tr><td>2024-9M.xlsx</td><td>Quý I năm 2025</td></tr></tbody></table>")
