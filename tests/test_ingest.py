"""The nightly ingest, run for real: Prefect flow runs, a DuckDB file, GX validation."""

import json
import os
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from cchc.flows.ingest import run_ingest
from cchc.settings import Settings
from tests.ingest_inbox import EXPECTED, FIXTURES, SEED, build_inbox
from tests.shipped import TEMPLATE

SEED_TEXT = SEED.read_text(encoding="utf-8")


def settings_for(tmp_path) -> Settings:
    return Settings(inbox=tmp_path / "inbox", db=tmp_path / "w" / "cchc.duckdb",
                    archive=tmp_path / "w" / "archive", docs=tmp_path / "w" / "docs")


@pytest.fixture(scope="module")
def ingested(tmp_path_factory, prefect_harness):
    tmp_path = tmp_path_factory.mktemp("ingest")
    settings = settings_for(tmp_path)
    build_inbox(settings.inbox)
    first = run_ingest(settings)
    second = run_ingest(settings)
    con = duckdb.connect(str(settings.db), read_only=True)
    yield settings, first, second, con
    con.close()


def test_every_file_ends_with_its_status(ingested):
    _, first, _, con = ingested
    rows = dict(con.execute("SELECT file_name, status FROM submissions").fetchall())
    assert rows == EXPECTED
    assert {o.file_name: o.status for o in first.outcomes} == EXPECTED


def test_quarantined_files_say_why_and_are_kept(ingested):
    settings, _, _, con = ingested
    rows = con.execute("SELECT file_name, reason, archive_path FROM submissions "
                       "WHERE status = 'quarantined' ORDER BY file_name").fetchall()
    reasons = {name: reason for name, reason, _ in rows}
    assert "PDF có đặt mật khẩu" in reasons["co_mat_khau.pdf"]
    assert "phải nhận dạng chữ (OCR)" in reasons["ban_scan.pdf"]
    assert reasons["trong.pdf"] == "tệp rỗng (0 byte); đề nghị xã gửi lại"  # name not repeated
    assert "tệp Word 97-2003 (.doc)" in reasons["bao_cao.doc"]
    for _, _, archived in rows:
        assert Path(archived).is_file() and Path(archived).parent.parent == settings.archive


def test_revision_supersedes_and_both_stay_queryable(ingested):
    _, _, _, con = ingested
    current = con.execute("SELECT value FROM observations WHERE commune_code = '15865' "
                          "AND period = '2024-9M' AND code = '1.1.3'").fetchall()
    assert current == [(19.0,)]
    both = con.execute("SELECT status, report_date FROM reports WHERE commune_code = '15865' "
                       "ORDER BY report_date").fetchall()
    assert [(s, str(d)) for s, d in both] == [("superseded", "2024-09-13"),
                                             ("accepted", "2024-09-20")]


def test_rejected_report_is_stored_with_its_errors(ingested):
    _, _, _, con = ingested
    errors = con.execute("SELECT codes FROM issues i JOIN reports r USING (report_id) "
                         "WHERE r.commune_code = '15691' AND i.severity = 'error'").fetchall()
    assert [sorted(codes) for (codes,) in errors] == [["1.1.1", "1.1.2"]]


def test_rollup_equals_a_recomputation_from_observations(ingested):
    _, _, _, con = ingested
    rollup = dict(con.execute("SELECT code, value FROM district_rollup WHERE district_code = "
                              "'399' AND period = '2024-9M' AND aggregation = 'sum'").fetchall())
    recomputed = dict(con.execute(
        "SELECT code, sum(value) FROM observations WHERE district_code = '399' AND period = "
        "'2024-9M' GROUP BY code HAVING count(value) > 0").fetchall())
    assert {k: v for k, v in rollup.items() if v is not None} == {
        k: v for k, v in recomputed.items() if k in rollup}
    truth = [json.loads((FIXTURES / "reports" / f"{name}.expected.json").read_text())["values"]
             for name in ("pdf_word_15928_2024-9M", "xlsx_15976_2024-9M")]
    for code, but_son in (("3.3.1", 841), ("1.1.3", 19)):  # Bút Sơn: the seed's revision
        values = [truth[0][code], truth[1][code], but_son]
        assert rollup[code] == sum(v for v in values if v is not None)  # blank is not zero


def test_same_inbox_twice_loads_nothing_new(ingested):
    _, first, second, _ = ingested
    assert second.outcomes == ()
    assert second.n_seen == len(EXPECTED)
    assert first.docs and first.docs.endswith("index.html")


def test_a_quiet_night_leaves_its_run(ingested):
    """So that cchc status tells a quiet night from a night that never ran."""
    _, first, second, con = ingested
    runs = con.execute("SELECT run_id, status, kind, n_seen, n_new, n_accepted, summary_md, "
                       "finished_at IS NOT NULL FROM core.runs ORDER BY started_at").fetchall()
    assert [run[0] for run in runs] == [first.run_id, second.run_id]
    assert runs[1][1:] == ("finished", "ingest", len(EXPECTED), 0, 0,
                           f"Không có tệp mới trong hộp thư ({len(EXPECTED)} tệp đã nhận "
                           "từ trước).", True)


def test_a_quiet_night_closes_a_run_killed_after_its_last_load(tmp_path, prefect_harness):
    """What a SIGKILL between the last load and the end of the run leaves: the run marked
    running, the stored roll-ups those of the run before. The next night has nothing new,
    and still closes the run and brings the roll-ups up to the loaded reports."""
    settings = settings_for(tmp_path)
    settings.inbox.mkdir()
    (settings.inbox / "but_son.txt").write_text(
        (FIXTURES / "seed" / "000_2efa1e083bc69a65.txt").read_text(encoding="utf-8"),
        encoding="utf-8")
    run_ingest(settings)
    con = duckdb.connect(str(settings.db))
    con.execute("UPDATE core.runs SET status = 'running'")
    con.execute("DELETE FROM core.rollups")
    con.close()
    assert run_ingest(settings).markdown().startswith("Không có tệp mới trong hộp thư")
    con = duckdb.connect(str(settings.db), read_only=True)
    try:
        assert con.execute("SELECT status, n_new FROM core.runs ORDER BY started_at"
                           ).fetchall() == [("failed", 1), ("finished", 0)]
        assert con.execute("SELECT value FROM district_rollup WHERE code = '3.3.1'"
                           ).fetchall() == [(841.0,)]
    finally:
        con.close()


def test_a_retried_load_reports_the_files_its_first_attempt_loaded(tmp_path):
    """A load task retried after it loaded part of its batch: the retry finds those files
    already recorded by this same run, and they stay in the run's summary."""
    from cchc.flows import steps
    from cchc.flows.inbox import archive, discover
    from cchc.transforms.validate import validate_reports

    settings = settings_for(tmp_path)
    build_inbox(settings.inbox)
    received = [archive(c, settings.archive) for c in discover(settings.inbox)]
    run_id, seen_before = steps.begin_run(settings)
    fresh = steps.first_of_each(received, seen_before)
    batch = [*map(steps.extract, fresh), *(steps.Extracted(r) for r in received
                                           if r not in fresh)]
    verdicts = validate_reports([(e.report, e.claims) for e in batch if e.report is not None],
                                TEMPLATE)
    first = steps.load_batch(settings.db, run_id, batch[:4], verdicts)  # then the task fails
    retried = steps.load_batch(settings.db, run_id, batch, verdicts)
    assert len(first) == 4
    assert sorted(o.file_name for o in retried) == sorted(EXPECTED)
    summary = steps.finish(settings, run_id, len(received), retried, None)
    assert {o.file_name: o.status for o in summary.outcomes} == EXPECTED


def test_received_at_is_when_the_file_reached_the_inbox(tmp_path, prefect_harness):
    """Timeliness counts from when the commune sent the file (its mtime in the inbox), not
    from when the night read it: a file dropped in on the deadline's evening is on time."""
    settings = settings_for(tmp_path)
    settings.inbox.mkdir()
    path = settings.inbox / "but_son.txt"
    path.write_text(SEED_TEXT, encoding="utf-8")
    evening = datetime(2024, 9, 20, 22, 30)
    os.utime(path, (evening.timestamp(), evening.timestamp()))
    run_ingest(settings)
    con = duckdb.connect(str(settings.db), read_only=True)
    try:
        assert con.execute("SELECT received_at FROM submissions").fetchall() == [(evening,)]
        assert con.execute("SELECT received_at FROM reports").fetchall() == [(evening,)]
    finally:
        con.close()


def test_a_duplicate_says_why_in_vietnamese(ingested):
    _, _, _, con = ingested
    assert con.execute("SELECT reason FROM submissions WHERE status = 'duplicate'").fetchall() \
        == [("tệp trùng hoàn toàn với một tệp đã nhận trước đó (cùng nội dung); không cần xử "
             "lý thêm",)]
