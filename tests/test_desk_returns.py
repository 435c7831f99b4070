"""Returns and resubmissions told truly (issue 23): a report the officer returns, accepted or
rejected, counts as received; the commune's fix is judged against the deadline its return
letter gave, and the glance and the summary both show the first receipt and the fix.

A real warehouse file, reports stored by the night's load function, the officer's actions
through the desk's own code (actions.submit), the letter's details recorded as the letter
endpoint records them, and the summary's workbook built by ``build``.
"""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest

from cchc.summary.build import build
from cchc.transforms import admin_units
from cchc.warehouse import desk
from cchc.warehouse.runs import finish_run, start_run
from cchc.warehouse.schema import connect
from cchc.web import actions, pages
from cchc.web.accounts import create_user
from cchc.web.store import Store
from tests.desk_server import PASSWORD, csrf_of, http_login, serve
from tests.shipped import TEMPLATE
from tests.test_warehouse import load, variant

COMMUNE = admin_units.communes_of("399")[0].code
FIRST = datetime(2024, 9, 18, 9, 0)  # two days before the period's deadline, 20/09/2024
LETTER_DEADLINE = date(2024, 10, 5)


def sent(db, values: dict, received_at: datetime, doc_number: str, run_id: str) -> str:
    """One report of the commune, accepted by the night, received at ``received_at``."""
    con = connect(db)
    try:
        start_run(con, "inbox", run_id=run_id)
        report_id = load(con, variant(COMMUNE, values, doc_number=doc_number),
                         received_at=received_at, run_id=run_id).report_id
        finish_run(con, run_id, n_seen=1)
    finally:
        con.close()
    return report_id


def returned(db, report_id: str, deadline: date | None) -> None:
    """The officer returns the report at the desk and, when ``deadline``, makes its letter."""
    store = Store(db)
    assert actions.submit(store, actions.new_request("return", report_id, "can_bo",
                                                     "số liệu thanh tra chưa khớp"))
    if deadline is None:
        return
    with store.write() as con:
        review = desk.reviews(con, [report_id])[report_id]
        desk.record_letter(con, {
            "letter_id": "l-" + report_id[:8], "report_id": report_id,
            "action_id": review["action_id"], "number": "12/PNV", "deadline": deadline,
            "signer_name": "Lê Văn Nam", "signer_title": "TRƯỞNG PHÒNG",
            "made_by": "can_bo", "made_at": datetime(2024, 9, 19, 10)})


def glance_row(db) -> dict:
    with Store(db).read() as con:
        rows = pages.period_page(con, "2024-9M", district="399", appendix=TEMPLATE)["communes"]
    return next(r for r in rows if r["commune_code"] == COMMUNE)


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "cchc.duckdb"
    connect(path).close()
    create_user(path, "can_bo", "officer", PASSWORD)
    return path


def test_an_accepted_report_can_be_returned_with_a_reason(db):
    report_id = sent(db, {"3.3.1": 841}, FIRST, "1/BC", "run-1")
    with serve(db) as (base, _):
        http = http_login(base, "can_bo")
        page = http.get(f"/report/{report_id}").text
        assert f'action="/report/{report_id}/return"' in page  # offered on an accepted report
        http.post(f"/report/{report_id}/return",
                  data={"csrftoken": csrf_of(page), "reason": "số liệu thanh tra chưa khớp"})
        after = http.get(f"/report/{report_id}").text
        assert "Đã trả lại xã" in after and "số liệu thanh tra chưa khớp" in after
        again = http.post(f"/report/{report_id}/return", follow_redirects=True,
                          data={"csrftoken": csrf_of(after), "reason": "lần nữa"}).text
        assert "báo cáo này đã được trả lại xã" in again
    with Store(db).read() as con:
        status, before = con.execute(
            "SELECT r.status, a.before FROM core.reports r JOIN core.actions a USING (report_id)"
            " WHERE r.report_id = ?", [report_id]).fetchone()
        in_rollup = con.execute("SELECT n_reporting FROM district_rollup WHERE district_code = "
                                "'399' AND period = '2024-9M' AND code = '3.3.1'").fetchone()
    assert (status, before) == ("rejected", "accepted")
    assert in_rollup is None  # the roll-up no longer counts it
    assert glance_row(db)["state"] == "returned"


def submissions_row(db, out) -> dict:
    built = build(db, "2024-9M", template=TEMPLATE, district="399", out_dir=out)
    sheet = openpyxl.load_workbook(built.xlsx)["Tình hình nộp báo cáo"]
    header = [c.value for c in sheet[3]]
    rows = {r[0]: dict(zip(header, r, strict=True))
            for r in sheet.iter_rows(min_row=4, values_only=True)}
    return rows[COMMUNE]


def test_a_fix_received_by_the_return_letters_deadline_is_on_time(db, tmp_path):
    """Sent on 18/09 (on time), accepted, returned with a letter due 05/10; the fix came on
    01/10, after the period's deadline of 20/09 but before the letter's: on time, both dates
    shown. The old glance judged the fix alone against 20/09 and said 11 days late."""
    first = sent(db, {"3.3.1": 841}, FIRST, "1/BC", "run-1")
    returned(db, first, LETTER_DEADLINE)
    assert glance_row(db)["state"] == "returned"
    fix_at = datetime(2024, 10, 1, 14, 30)
    fix = sent(db, {"3.3.1": 845}, fix_at, "2/BC", "run-2")
    row = glance_row(db)
    assert (row["report_id"], row["state"], row["days_late"]) == (fix, "on_time", None)
    assert (row["first_received_at"], row["resubmitted_at"]) == (FIRST, fix_at)
    assert row["letter_due"] == LETTER_DEADLINE

    sheet = submissions_row(db, tmp_path / "out")
    assert sheet["Nhận lần đầu"] == FIRST  # the returned report's receipt, not the fix's
    assert sheet["Nhận bản hiện hành"] == fix_at
    assert sheet["Đúng hạn / muộn"] == "Đúng hạn (gửi lại trước hạn 05/10/2024 của thư trả lại)"
    assert sheet["Số ngày muộn"] is None

    with serve(db) as (base, _):
        page = http_login(base, "can_bo").get("/period?district=399&period=2024-9M").text
    assert "18/09/2024 09:00" in page and "01/10/2024 14:30" in page
    assert "hạn trong thư trả lại: 05/10/2024" in page


def test_a_fix_after_the_letters_deadline_is_late_by_the_days_after_it(db, tmp_path):
    first = sent(db, {"3.3.1": 841}, FIRST, "1/BC", "run-1")
    returned(db, first, LETTER_DEADLINE)
    sent(db, {"3.3.1": 845}, datetime(2024, 10, 8, 8), "2/BC", "run-2")
    row = glance_row(db)
    assert (row["state"], row["days_late"]) == ("late", 3)
    sheet = submissions_row(db, tmp_path / "out")
    assert sheet["Đúng hạn / muộn"] == "Muộn 3 ngày so với hạn 05/10/2024 của thư trả lại"
    assert sheet["Nhận lần đầu"] == FIRST


def test_timeliness_is_the_first_receipts(db):
    """A first report sent late stays late, however quickly the fix follows its return."""
    late_first = datetime(2024, 9, 25, 8)
    first = sent(db, {"3.3.1": 841}, late_first, "1/BC", "run-1")
    returned(db, first, LETTER_DEADLINE)
    sent(db, {"3.3.1": 845}, datetime(2024, 9, 26, 8), "2/BC", "run-2")
    row = glance_row(db)
    assert (row["state"], row["days_late"], row["first_received_at"]) == ("late", 5, late_first)


def test_a_return_with_no_letter_leaves_the_periods_deadline(db):
    first = sent(db, {"3.3.1": 841}, FIRST, "1/BC", "run-1")
    returned(db, first, None)
    sent(db, {"3.3.1": 845}, datetime(2024, 9, 23, 8), "2/BC", "run-2")
    row = glance_row(db)
    assert (row["state"], row["days_late"], row["letter_due"]) == ("late", 3, None)


def test_in_the_browser_a_returned_accepted_report_fixed_in_time_is_on_time(db, tmp_path):
    """The whole round in chromium: the officer returns an accepted report (sent 18/09) with a
    reason, its letter gives until 05/10; the commune's fix comes on 01/10, after the period's
    20/09 but before the letter's deadline. The glance shows it on time with both dates, and
    the summary workbook the desk hands out says the same two dates."""
    from tests.desk_server import chromium, log_in

    first = sent(db, {"3.3.1": 841}, FIRST, "1/BC", "run-1")
    fix_at = datetime(2024, 10, 1, 14, 30)
    with serve(db) as (base, _), chromium() as browser:
        page = log_in(browser, base, "can_bo")
        page.goto(f"{base}/report/{first}")
        page.fill("input[name=reason]", "số liệu thanh tra chưa khớp")
        page.click("#return")
        page.wait_for_load_state()
        assert "Đã trả lại xã" in page.inner_text("body")
        with Store(db).write() as con:  # the letter's details, as the letter endpoint keeps them
            review = desk.reviews(con, [first])[first]
            desk.record_letter(con, {
                "letter_id": "l-browser", "report_id": first, "action_id": review["action_id"],
                "number": "12/PNV", "deadline": LETTER_DEADLINE, "signer_name": "Lê Văn Nam",
                "signer_title": "TRƯỞNG PHÒNG", "made_by": "can_bo",
                "made_at": datetime(2024, 9, 19, 10)})
        fix = sent(db, {"3.3.1": 845}, fix_at, "2/BC", "run-2")

        page.goto(f"{base}/period?district=399&period=2024-9M")
        row = page.locator("#communes tbody tr",
                           has=page.locator(f"a[href='/commune/legacy/{COMMUNE}']"))
        assert row.count() == 1
        text = row.inner_text()
        assert "Đúng hạn" in text and "Trễ hạn" not in text, text
        assert row.locator(".first").inner_text() == "18/09/2024 09:00"
        assert row.locator(".again").inner_text() == "01/10/2024 14:30"
        assert "05/10/2024" in row.locator(".letter-due").inner_text()

        with page.expect_download() as got:
            page.click("a[href$='2024-9M.xlsx']")
        saved = tmp_path / "tong_hop.xlsx"
        got.value.save_as(saved)
        page.context.close()
    sheet = openpyxl.load_workbook(saved)["Tình hình nộp báo cáo"]
    header = [c.value for c in sheet[3]]
    rows = {r[0]: dict(zip(header, r, strict=True))
            for r in sheet.iter_rows(min_row=4, values_only=True)}
    mine = rows[COMMUNE]
    assert (mine["Nhận lần đầu"], mine["Nhận bản hiện hành"]) == (FIRST, fix_at)
    assert mine["Đúng hạn / muộn"].startswith("Đúng hạn")
    assert mine["Số ngày muộn"] is None
    assert fix != first
