"""The warehouse on a real DuckDB file: schema and upgrades, atomic idempotent loads,
supersession, the read-only query path and the lock another process holds.

Reports are the seed (Thị trấn Bút Sơn, 9 tháng đầu năm 2024) as extracted, and variants of it
made with dataclasses.replace: another commune, another date, other figures.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

import duckdb
import pytest

from cchc.cli import format_status
from cchc.flows.reading import extract_report
from cchc.transforms.model import Issue, Report
from cchc.warehouse.load import (
    Submission,
    known_files,
    known_sha256,
    load_report,
    record_submission,
)
from cchc.warehouse.query import QueryError, run_query, status
from cchc.warehouse.runs import finish_run, start_run
from cchc.warehouse.schema import (
    MIGRATIONS,
    WarehouseBusy,
    WarehouseError,
    connect,
    schema_version,
    upgrade,
)
from tests.shipped import TEMPLATE

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seed" / "000_2efa1e083bc69a65.txt"
T0 = datetime(2024, 9, 20, 8, 0)


@cache
def seed() -> Report:
    return extract_report(SEED, TEMPLATE)


def variant(commune_code: str = "15865", values: dict[str, float | None] | None = None,
            **meta: str | None) -> Report:
    """The seed as another commune, date or number might have sent it; distinct bytes each."""
    base = seed()
    observations = tuple(
        replace(o, value=values[o.code], raw="" if values[o.code] is None else str(values[o.code]))
        if values and o.code in values else o
        for o in base.observations)
    sha = hashlib.sha256(repr((commune_code, values, sorted(meta.items()))).encode()).hexdigest()
    return replace(base, source=replace(base.source, sha256=sha),
                   meta=replace(base.meta, commune_code=commune_code, **meta),
                   observations=observations)


def submission(report: Report, received_at: datetime = T0, name: str | None = None) -> Submission:
    name = name or f"{report.meta.commune_code}_{report.source.sha256[:8]}.txt"
    return Submission(name, f"inbox/{name}", report.source.sha256, 34663, 1726790400.5,
                      received_at, f"archive/{report.source.sha256}.txt", "txt")


def load(con: duckdb.DuckDBPyConnection, report: Report, status: str = "accepted",
         received_at: datetime = T0, issues: tuple[Issue, ...] = (), run_id: str = "run-1"):
    return load_report(con, run_id, submission(report, received_at), report, issues, status)


def count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "cchc.duckdb"


@pytest.fixture
def con(db: Path):
    connection = connect(db)
    start_run(connection, "inbox", run_id="run-1")
    yield connection
    connection.close()


# --- schema -----------------------------------------------------------------------------------

def test_a_new_file_gets_the_schema_the_views_and_the_reference_data(db):
    con = connect(db)
    assert schema_version(con) == len(MIGRATIONS)
    tables = {row[0] for row in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'core'").fetchall()}
    assert {"runs", "files", "submissions", "reports", "observations", "issues", "admin_units",
            "template_indicators", "templates", "periods", "schema_version"} <= tables
    views = {row[0] for row in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal")
        .fetchall()}
    assert {"submissions", "observations", "district_rollup", "province_rollup",
            "completeness", "reports", "issues"} <= views
    assert count(con, "core.admin_units WHERE level = 'commune' AND district_code = '399'") == 36
    assert count(con, "core.indicators") == 81
    assert con.execute("SELECT choices[2], yes_code FROM core.indicators WHERE code = '1.4.2'"
                       ).fetchone() == ("Kết hợp", None)
    tags = con.execute("SELECT tags FROM duckdb_databases() WHERE database_name = 'cchc'"
                       ).fetchone()[0]
    assert tags["storage_version"].startswith("v1.5.0")
    con.close()


def test_migrations_apply_once(db):
    connect(db).close()
    con = connect(db)
    assert upgrade(con) == []
    assert con.execute("SELECT list(version) FROM core.schema_version").fetchone()[0] == list(
        range(1, len(MIGRATIONS) + 1))
    con.close()


def test_changed_views_or_reference_are_rewritten_on_connect(db):
    con = connect(db)
    con.execute("DROP VIEW main.completeness")
    con.execute("DELETE FROM core.template_indicators")
    con.execute("UPDATE core.fingerprints SET sha256 = 'old'")
    con.close()
    con = connect(db)
    assert count(con, "completeness") == 0
    assert count(con, "core.indicators") == 81
    con.close()


def test_a_reader_refuses_a_missing_or_old_file(tmp_path):
    with pytest.raises(WarehouseError, match=r"no warehouse at .*run the nightly load first"):
        connect(tmp_path / "none.duckdb", read_only=True)
    duckdb.connect(str(tmp_path / "old.duckdb")).close()
    with pytest.raises(WarehouseError,
                       match=f"schema version 0, this cchc needs {len(MIGRATIONS)}: run"):
        connect(tmp_path / "old.duckdb", read_only=True)


def test_a_writer_refuses_a_file_from_a_newer_cchc(db):
    con = connect(db)
    con.execute("INSERT INTO core.schema_version VALUES (99, now())")
    con.close()
    with pytest.raises(WarehouseError, match="version 99, newer than this cchc knows"):
        connect(db)


def _duckdb_cli() -> str | None:
    """The duckdb CLI analysts use: the dev extra installs PyPI's duckdb-cli into the venv."""
    beside = Path(sys.executable).parent / "duckdb"
    return os.environ.get("DUCKDB_CLI") or (str(beside) if beside.exists() else None) \
        or shutil.which("duckdb")


@pytest.mark.skipif(_duckdb_cli() is None, reason="no duckdb CLI (pip install duckdb-cli)")
def test_the_duckdb_cli_from_pypi_opens_the_file(db):
    con = connect(db)
    start_run(con, "inbox", run_id="run-1")
    load(con, seed())
    finish_run(con, "run-1", n_seen=1)
    con.close()
    out = subprocess.run([_duckdb_cli(), "-readonly", "-csv", str(db), "-c",
                          "SELECT value FROM district_rollup WHERE code = '3.3.1'"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["value", "841.0"]


# --- loads ------------------------------------------------------------------------------------

def test_a_report_is_stored_with_every_figure_and_where_it_was_read(con):
    result = load(con, seed())
    assert (result.outcome, result.status, result.superseded) == ("loaded", "accepted", ())
    assert result.report_id == seed().source.sha256
    assert con.execute("""SELECT commune_code, district_code, province_code, period, period_start,
                                 period_end, cumulative, status, run_id FROM core.reports""")\
        .fetchone() == ("15865", "399", "38", "2024-9M", date(2023, 11, 5),
                        date(2024, 9, 1), True, "accepted", "run-1")
    assert count(con, "core.observations") == 65
    assert con.execute("SELECT value, raw, line, present FROM core.observations "
                       "WHERE code = '3.3.1'").fetchone() == (841.0, "841", 787, True)
    blank = con.execute("SELECT value, raw FROM core.observations WHERE code = '1.2.1'")
    assert blank.fetchone() == (None, "")
    assert con.execute("SELECT label FROM core.periods").fetchone() == ("9 tháng đầu năm 2024",)


def test_a_pdf_figure_keeps_its_cell_box_and_a_word_figure_its_table_and_row(con):
    """The box stored for a PDF figure frames its printed value (read back with pdfplumber);
    a Word figure keeps the table and row the .docx has it in (read back with python-docx)."""
    import docx
    import pdfplumber

    reports = ROOT / "tests" / "fixtures" / "reports"
    pdf, word = reports / "pdf_word_15928_2024-9M.pdf", reports / "docx_15976_2024-9M.docx"
    for path in (pdf, word):
        report = extract_report(path, TEMPLATE)
        load_report(con, "run-1", submission(report, name=path.name), report, (), "accepted")
    page, bbox, raw = con.execute(
        "SELECT o.page, o.bbox, o.raw FROM core.observations o JOIN core.reports r USING "
        "(report_id) WHERE r.commune_code = '15928' AND o.code = '3.3.1'").fetchone()
    with pdfplumber.open(pdf) as document:
        printed = document.pages[page - 1].crop(tuple(bbox)).extract_text()
    assert raw and printed.strip() == raw
    table, row, cell, raw = con.execute(
        "SELECT o.word_table, o.word_row, o.cell, o.raw FROM core.observations o JOIN "
        "core.reports r USING (report_id) WHERE r.commune_code = '15976' AND o.code = '3.3.1'"
    ).fetchone()
    word_cell = docx.Document(str(word)).tables[table - 1].rows[row - 1].cells[int(cell) - 1]
    assert raw and word_cell.text.strip() == raw


def test_loading_the_same_file_twice_loads_once(con):
    assert load(con, seed()).outcome == "loaded"
    before = [count(con, t) for t in ("core.files", "core.submissions", "core.reports",
                                      "core.observations")]
    again = load(con, seed(), run_id="run-2")
    assert (again.outcome, again.status) == ("unchanged", "accepted")
    assert [count(con, t) for t in ("core.files", "core.submissions", "core.reports",
                                    "core.observations")] == before == [1, 1, 1, 65]


def test_the_same_bytes_under_another_name_are_a_duplicate(con):
    first = load(con, seed())
    other = replace(submission(seed()), file_name="copy.txt", inbox_path="inbox/copy.txt")
    result = load_report(con, "run-1", other, seed(), (), "accepted")
    assert (result.outcome, result.status) == ("duplicate", "duplicate")
    assert con.execute("SELECT duplicate_of, report_id, reason FROM core.submissions WHERE "
                       "file_name = 'copy.txt'").fetchone() == (
        first.submission_id, seed().source.sha256,
        "tệp trùng hoàn toàn với một báo cáo đã nạp trước đó (cùng nội dung); không cần xử lý "
        "thêm")
    assert (count(con, "core.reports"), count(con, "core.files")) == (1, 1)


def test_issues_of_extraction_and_validation_are_stored_once(con):
    extracted = Issue("row.uncoded", "warning", (), "Dòng không có mã")
    report = replace(variant(), issues=(extracted,))
    checked = Issue("sum.3.3.1", "error", ("3.3.1", "3.3.1.a"), "Tổng không khớp")
    load(con, report, status="rejected", issues=(extracted, checked))
    assert con.execute("SELECT rule, severity, codes, run_id FROM core.issues ORDER BY rule"
                       ).fetchall() == [("row.uncoded", "warning", [], "run-1"),
                                        ("sum.3.3.1", "error", ["3.3.1", "3.3.1.a"], "run-1")]
    assert con.execute("SELECT status, n_errors, n_warnings FROM submissions").fetchone() == (
        "rejected", 1, 1)


def test_a_load_interrupted_midway_leaves_nothing(con):
    bad = variant(doc_number="1/BC-UBND")
    bad = replace(bad, observations=(*bad.observations, bad.observations[0]))  # duplicate key
    with pytest.raises(duckdb.ConstraintException):
        load(con, bad)
    for table in ("core.files", "core.submissions", "core.reports", "core.observations",
                  "core.issues", "core.periods"):
        assert count(con, table) == 0, table
    assert load(con, seed()).outcome == "loaded"


def test_a_report_without_commune_cannot_be_accepted(con):
    with pytest.raises(ValueError, match="without commune, period or map cannot be accepted"):
        load(con, variant(commune_code=None))
    assert load(con, variant(commune_code=None), status="rejected").status == "rejected"
    with pytest.raises(ValueError, match="without commune, period or map cannot be accepted"):
        load(con, variant(admin_map=None))


def test_a_report_on_the_2025_map_has_no_district(con):
    with pytest.raises(ValueError, match=r"on the 2025 map has no district \(got '399'\): "
                                         r"districts ended on 2025-06-30"):
        load(con, variant(admin_map="2025", period="2025-FY"))


def test_quarantined_files_are_recorded_and_known(con):
    junk = Submission("scan.pdf", "inbox/scan.pdf", "f" * 64, 1200, 1726790400.0, T0,
                      "archive/ff.pdf", None)
    result = record_submission(con, "run-1", junk, "quarantined", "PDF không có lớp chữ")
    assert (result.outcome, result.status) == ("recorded", "quarantined")
    assert record_submission(con, "run-1", junk, "quarantined", "again").outcome == "unchanged"
    load(con, seed())
    assert known_files(con) == {
        "inbox/scan.pdf": (1200, 1726790400.0, "f" * 64),
        submission(seed()).inbox_path: (34663, 1726790400.5, seed().source.sha256)}
    assert known_sha256(con) == {"f" * 64, seed().source.sha256}
    with pytest.raises(ValueError, match="quarantined or duplicate"):
        record_submission(con, "run-1", junk, "accepted", "")


def test_finish_run_counts_what_the_run_wrote(con):
    load(con, variant(report_date="2024-09-13"))
    load(con, variant(report_date="2024-09-15"))
    load(con, variant("15928"), status="rejected")
    junk = Submission("x.doc", "inbox/x.doc", "e" * 64, 10, 1.0, T0, None, None)
    record_submission(con, "run-1", junk, "quarantined", "Định dạng .doc chưa hỗ trợ")
    counts = finish_run(con, "run-1", n_seen=5, summary_md="# Báo cáo")
    assert counts == {"n_seen": 5, "n_new": 4, "n_accepted": 1, "n_rejected": 1,
                      "n_quarantined": 1, "n_duplicate": 0, "n_superseded": 1}
    assert con.execute("SELECT status, n_new, summary_md FROM core.runs").fetchone() == (
        "finished", 4, "# Báo cáo")
    with pytest.raises(ValueError, match="no run 'run-9' to finish"):
        finish_run(con, "run-9", n_seen=0)


# --- supersession -----------------------------------------------------------------------------

def test_a_later_report_supersedes_and_both_stay_queryable(con):
    first = load(con, variant(report_date="2024-09-13", values={"3.3.1": 841}))
    second = load(con, variant(report_date="2024-09-18", values={"3.3.1": 900}),
                  received_at=T0 + timedelta(days=1))
    assert second.superseded == (first.report_id,)
    assert con.execute("SELECT report_id, status, superseded_by FROM core.reports ORDER BY "
                       "report_date").fetchall() == [
        (first.report_id, "superseded", second.report_id),
        (second.report_id, "accepted", None)]
    assert con.execute("SELECT status FROM core.submissions ORDER BY received_at").fetchall() == [
        ("superseded",), ("accepted",)]
    assert con.execute("SELECT value FROM observations WHERE code = '3.3.1'").fetchall() == [
        (900.0,)]
    assert con.execute("SELECT report_id, value FROM core.observations WHERE code = '3.3.1' "
                       "ORDER BY value").fetchall() == [(first.report_id, 841.0),
                                                        (second.report_id, 900.0)]
    assert count(con, "reports") == 2
    # An earlier-dated report that arrives last is superseded at once.
    late = load(con, variant(report_date="2024-09-01"), received_at=T0 + timedelta(days=2))
    assert (late.status, late.superseded) == ("superseded", ())
    assert con.execute("SELECT count(*) FROM core.reports WHERE superseded_by = ?",
                       [second.report_id]).fetchone()[0] == 2


@pytest.mark.parametrize(("older", "newer"), [
    ({"report_date": "2024-09-13", "doc_number": "112/BC-UBND"},
     {"report_date": "2024-09-13", "doc_number": "115/BC-UBND"}),
    ({"report_date": None, "doc_number": "200/BC-UBND"},
     {"report_date": "2024-09-01", "doc_number": "5/BC-UBND"}),
])
def test_ties_are_broken_by_document_number(con, older, newer):
    load(con, variant(**newer), received_at=T0)
    load(con, variant(**older), received_at=T0 + timedelta(hours=1))
    assert con.execute("SELECT doc_number FROM core.reports WHERE status = 'accepted'"
                       ).fetchall() == [(newer["doc_number"],)]


def test_a_rejected_report_never_supersedes(con):
    good = load(con, variant(report_date="2024-09-13"))
    bad = load(con, variant(report_date="2024-09-30"), status="rejected",
               received_at=T0 + timedelta(days=1))
    assert (good.status, bad.status, bad.superseded) == ("accepted", "rejected", ())
    assert con.execute("SELECT status, superseded_by FROM core.reports ORDER BY report_date"
                       ).fetchall() == [("accepted", None), ("rejected", None)]
    assert con.execute("SELECT status FROM completeness WHERE commune_code = '15865'"
                       ).fetchone() == ("submitted",)


# --- reading ----------------------------------------------------------------------------------

def test_query_reads_and_refuses_writes(db):
    con = connect(db)
    start_run(con, "inbox", run_id="run-1")
    load(con, seed())
    con.close()
    columns, rows = run_query(db, "SELECT commune_name, value FROM observations "
                                  "WHERE code = '3.3.1'")
    assert (columns, rows) == (["commune_name", "value"], [("Thị trấn Bút Sơn", 841.0)])
    for sql in ("DELETE FROM core.runs", "COPY core.runs TO 'x.csv'", "SELECT 1; SELECT 2"):
        with pytest.raises(QueryError, match="cchc query runs one read statement"):
            run_query(db, sql)
    with pytest.raises(QueryError, match="query failed: Catalog Error: Table with name nope"):
        run_query(db, "SELECT * FROM nope")
    with pytest.raises(QueryError, match="cannot parse the query: Parser Error"):
        run_query(db, "SELEC 1")


def test_status_summarises_runs_files_and_completeness(db):
    con = connect(db)
    start_run(con, "inbox", run_id="run-1")
    load(con, seed())
    load(con, variant("15928"), status="rejected")
    finish_run(con, "run-1", n_seen=2)
    con.close()
    found = status(db, period="2024-9M")
    assert found["schema_version"] == len(MIGRATIONS)
    assert [(r["run_id"], r["kind"]) for r in found["runs"]] == [("run-1", "ingest")]
    assert found["submissions"] == {"accepted": 1, "rejected": 1}
    assert found["completeness"] == [{
        "admin_map": "legacy", "province_code": "38", "district_code": "399",
        "district_name": "Huyện Hoằng Hóa", "period": "2024-9M",
        "n_expected": 36, "n_submitted": 1, "n_rejected": 1, "n_missing": 34}]
    assert status(db, period="2024-Q1")["completeness"] == []
    con = connect(db)
    load(con, variant(admin_map="2025", district_code=None, period="2025-FY"))
    con.close()
    found = status(db, period="2025-FY")["completeness"]
    assert found == [{"admin_map": "2025", "province_code": "38", "district_code": None,
                      "district_name": None, "period": "2025-FY", "n_expected": 166,
                      "n_submitted": 1, "n_rejected": 0, "n_missing": 165}]
    assert format_status(status(db, period="2025-FY")).endswith(
        "\n  tỉnh 38 (bản đồ 2025), 2025-FY: 1 / 0 / 165 trên 166")
    with pytest.raises(ValueError, match="không phải mã kỳ báo cáo"):
        status(db, period="Q1")


_HOLD = """
import sys
from cchc.warehouse.schema import connect
con = connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.read()
"""


def test_a_reader_waits_then_says_another_process_holds_the_warehouse(db):
    connect(db).close()
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(db)], cwd=ROOT, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(WarehouseBusy) as busy:
            run_query(db, "SELECT 1", retry_seconds=0.3)
        message = str(busy.value)
        assert "\n" not in message
        assert message.startswith(f"warehouse {db} is busy: another cchc process (PID "
                                  f"{holder.pid}) holds it for writing (waited 0.3s); run the "
                                  "command again once it has finished")
        with pytest.raises(WarehouseBusy):
            connect(db)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert run_query(db, "SELECT 1", retry_seconds=5) == (["1"], [(1,)])



def test_a_warehouse_of_the_first_schema_is_upgraded_to_readings(db):
    """Reports loaded before readings were recorded: each is its file's first reading, and
    each submission was last read by the run that recorded it."""
    db.parent.mkdir(parents=True)
    old = duckdb.connect(str(db))
    for statement in ("CREATE SCHEMA core", "CREATE TABLE core.schema_version (version "
                      "INTEGER PRIMARY KEY, applied_at TIMESTAMP NOT NULL)", *MIGRATIONS[0]):
        old.execute(statement)
    old.execute("INSERT INTO core.schema_version VALUES (1, current_localtimestamp())")
    old.execute("INSERT INTO core.runs (run_id, started_at, status) VALUES ('run-1', ?, "
                "'finished')", [T0])
    old.execute("INSERT INTO core.reports (report_id, received_at, run_id, status) "
                "VALUES ('abc', ?, 'run-1', 'accepted')", [T0])
    old.execute("INSERT INTO core.submissions VALUES ('s1', 'run-1', 'a.txt', 'inbox/a.txt', "
                "'abc', 1, 1.0, ?, 'accepted', NULL, 'abc', NULL)", [T0])
    old.close()
    con = connect(db)
    try:
        assert con.execute("SELECT sha256, reading, reread_by FROM core.reports").fetchall() \
            == [("abc", 1, None)]
        assert con.execute("SELECT read_run_id FROM core.submissions").fetchall() == [("run-1",)]
        assert con.execute("SELECT kind FROM core.runs").fetchall() == [("ingest",)]
    finally:
        con.close()
