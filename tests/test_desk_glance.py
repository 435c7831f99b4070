"""The glance of a period flags a commune whose later file was rejected: a rejected revision
supersedes nothing, so without the flag the commune looks done while its latest file waits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cchc.transforms import admin_units
from cchc.warehouse.runs import finish_run, start_run
from cchc.warehouse.schema import connect
from cchc.web import pages
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
    rows = {r["commune_code"]: r for r in pages.period_page(con, "2024-9M", district="399")
            ["communes"]}
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
    glance = pages.period_page(con, "2024-9M", district="399")
    counts = glance["counts"]
    assert (counts["submitted"], counts["counted"], counts["rejected"]) == (2, 1, 1)
    assert counts["missing"] == len(HOANG_HOA) - 2
    assert counts["submitted"] + counts["missing"] == glance["n_expected"]
    sent = pages.period_page(con, "2024-9M", district="399", status="submitted")["communes"]
    assert {r["commune_code"] for r in sent} == {HOANG_HOA[0], HOANG_HOA[1]}
