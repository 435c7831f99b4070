"""The demo, as `make demo` runs it: the sample inbox through the real flow, every file ending
with the status its builder planned, and every query of the analysts' guide answering on it."""

import pytest

from cchc.flows.ingest import run_ingest
from cchc.settings import Settings
from cchc.warehouse.query import run_query
from tests.fixtures.demo_inbox import build_demo_inbox
from tests.test_analyst_queries import BLOCKS, COLUMNS, REFORM


@pytest.fixture(scope="module")
def demo(tmp_path_factory, prefect_harness):
    root = tmp_path_factory.mktemp("demo")
    inbox = build_demo_inbox(root / "inbox")
    settings = Settings(inbox=root / "inbox", db=root / "cchc.duckdb",
                        archive=root / "archive", docs=root / "validation")
    return inbox, run_ingest(settings), settings.db


def test_every_demo_file_ends_with_its_planned_status(demo):
    inbox, summary, _ = demo
    assert {o.file_name: o.status for o in summary.outcomes} == {
        name: status for name, _, _, status in inbox.rows}


# Every demo commune sends on time and fills its required rows: these two rightly find nobody.
# The demo is 9 tháng 2024, before the 2025 reform: the queries across it find nothing either.
NOBODY_IN_THE_DEMO = {"Các xã nộp muộn", "Các xã để trống dòng bắt buộc", *REFORM}


@pytest.mark.parametrize("heading", list(BLOCKS))
def test_every_guide_query_answers_on_the_demo_warehouse(demo, heading):
    _, _, db = demo
    columns, rows = run_query(db, BLOCKS[heading], retry_seconds=0)
    assert columns == COLUMNS[heading]
    assert bool(rows) != (heading in NOBODY_IN_THE_DEMO), heading


def test_demo_guide_answers_match_the_inbox(demo):
    inbox, _, db = demo
    _, missing = run_query(db, BLOCKS["Các xã chưa nộp báo cáo"], retry_seconds=0)
    planned_missing = {code for code in inbox.missing}
    assert {row[0] for row in missing} >= planned_missing
    _, reasons = run_query(db, BLOCKS["Các lý do cách ly tệp thường gặp nhất"], retry_seconds=0)
    assert sum(row[1] for row in reasons) == len(inbox.with_status("quarantined"))
