"""The nightly ingest, run for real: Prefect flow runs, a DuckDB file, GX validation."""

import json
from pathlib import Path

import duckdb
import pytest

from cchc.flows.ingest import run_ingest
from cchc.settings import Settings
from tests.ingest_inbox import EXPECTED, FIXTURES, build_inbox


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
    _, first, second, con = ingested
    assert second.outcomes == ()
    assert second.n_seen == len(EXPECTED)
    assert con.execute("SELECT count(*) FROM core.runs").fetchone()[0] == 1
    assert first.docs and first.docs.endswith("index.html")


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
    assert run_ingest(settings).markdown().startswith("Nothing new in the inbox")
    con = duckdb.connect(str(settings.db), read_only=True)
    try:
        assert con.execute("SELECT status FROM core.runs").fetchall() == [("failed",)]
        assert con.execute("SELECT value FROM district_rollup WHERE code = '3.3.1'"
                           ).fetchall() == [(841.0,)]
    finally:
        con.close()
