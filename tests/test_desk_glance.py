"""The glance of a period flags a commune whose later file was rejected: a rejected revision
supersedes nothing, so without the flag the commune looks done while its latest file waits.
And it says where the area's totals break the template's arithmetic, naming the communes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cchc.transforms import admin_units
from cchc.warehouse.runs import finish_run, start_run
from cchc.warehouse.schema import connect
from cchc.web import pages
from cchc.web.accounts import create_user
from tests.desk_server import PASSWORD, http_login, serve
from tests.shipped import TEMPLATE
from tests.test_warehouse import T0, load, variant

HOANG_HOA = [u.code for u in admin_units.communes_of("399")]


@pytest.fixture
def con(tmp_path):
    connection = connect(tmp_path / "cchc.duckdb")
    start_run(connection, "inbox", run_id="run-1")
    yield connection
    connection.close()


def test_a_rejected_revision_after_an_accepted_report_is_flagged(con):
    accepted = load(con, variant(HOANG_HOA[0], {"3.3.1": 841})).report_id
    load(con, variant(HOANG_HOA[0], {"3.3.1": -5}, doc_number="1/BC"), status="rejected",
         received_at=T0 - timedelta(days=1))  # an earlier rejected file is history, not news
    later = load(con, variant(HOANG_HOA[0], {"3.3.1": 9999}, doc_number="2/BC"),
                 status="rejected", received_at=T0 + timedelta(days=1)).report_id
    latest = load(con, variant(HOANG_HOA[0], {"3.3.1": 8888}, doc_number="3/BC"),
                  status="rejected", received_at=T0 + timedelta(days=2)).report_id
    alone = load(con, variant(HOANG_HOA[1], {"3.3.1": 120})).report_id
    finish_run(con, "run-1", n_seen=5)
    rows = {r["commune_code"]: r for r in pages.period_page(con, "2024-9M", district="399",
                                                            appendix=TEMPLATE)["communes"]}
    assert rows[HOANG_HOA[0]]["report_id"] == accepted
    assert rows[HOANG_HOA[0]]["state"] == "on_time"  # the accepted report speaks for it
    assert rows[HOANG_HOA[0]]["later_rejected"] == latest != later
    assert rows[HOANG_HOA[1]]["report_id"] == alone
    assert rows[HOANG_HOA[1]]["later_rejected"] is None


def test_sent_counts_what_communes_sent_and_counted_what_the_roll_up_takes(con):
    """A rejected report was sent all the same: "đã gửi" keeps it, and the roll-up's count
    is said apart, so rejecting a report does not make a commune look as if it sent nothing."""
    load(con, variant(HOANG_HOA[0], {"3.3.1": 841}))
    load(con, variant(HOANG_HOA[1], {"3.3.1": -5}), status="rejected")
    finish_run(con, "run-1", n_seen=2)
    glance = pages.period_page(con, "2024-9M", district="399", appendix=TEMPLATE)
    counts = glance["counts"]
    assert (counts["submitted"], counts["counted"], counts["rejected"]) == (2, 1, 1)
    assert counts["missing"] == len(HOANG_HOA) - 2
    assert counts["submitted"] + counts["missing"] == glance["n_expected"]
    sent = pages.period_page(con, "2024-9M", district="399", status="submitted",
                             appendix=TEMPLATE)["communes"]
    assert {r["commune_code"] for r in sent} == {HOANG_HOA[0], HOANG_HOA[1]}


def commune_name(code: str) -> str:
    return next(u.name for u in admin_units.communes_of("399") if u.code == code)


def test_a_district_total_whose_part_exceeds_its_whole_is_said_with_the_communes(tmp_path):
    """Each report holds (50 of 55 handled; 18 handled, found left blank), their sum does not:
    the district handled 68 of the 55 found. The glance says so, naming the commune that
    reported the part with its whole blank, and not the one whose figures are whole (issue 23).
    """
    db = tmp_path / "cchc.duckdb"
    con = connect(db)
    start_run(con, "inbox", run_id="run-1")
    whole, blank = HOANG_HOA[0], HOANG_HOA[1]
    load(con, variant(whole, {"1.2.2": 55, "1.2.3": 50}))
    load(con, variant(blank, {"1.2.2": None, "1.2.3": 18}))
    finish_run(con, "run-1", n_seen=2)
    said = pages.period_page(con, "2024-9M", district="399", appendix=TEMPLATE)["contradictions"]
    con.close()
    assert len(said) == 1
    assert "tổng mã 1.2.3 = 68 lớn hơn tổng mã 1.2.2 = 55" in said[0]
    assert commune_name(blank) in said[0] and commune_name(whole) not in said[0]

    create_user(db, "can_bo", "officer", PASSWORD)
    with serve(db) as (base, _):
        page = http_login(base, "can_bo").get("/period?district=399&period=2024-9M").text
    box = page.split('id="contradictions"')[1].split("</div>")[0]
    assert "Huyện Hoằng Hóa" in box and "68" in box and "55" in box
    assert commune_name(blank) in box and commune_name(whole) not in box


def test_a_consistent_district_says_no_contradiction(con):
    load(con, variant(HOANG_HOA[0], {"1.2.2": 55, "1.2.3": 50}))
    load(con, variant(HOANG_HOA[1], {"1.2.2": 20, "1.2.3": 18}))
    finish_run(con, "run-1", n_seen=2)
    assert pages.period_page(con, "2024-9M", district="399",
                             appendix=TEMPLATE)["contradictions"] == []
