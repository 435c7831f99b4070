"""``cchc reprocess``: archived files read again with changed reference data, for real.

The district adds a rule to its copy of reference/rules.yaml: the number of CCHC directives
issued (1.1.3) may not exceed the tasks completed (1.1.2). Bút Sơn's revision of 20/9 (1.1.3 =
19, 1.1.2 = 18) breaks it, its first report of 13/9 (18 and 18) does not; so after reprocessing
2024-9M the revision is rejected, the first report is current again, and the district's 1.1.3
follows. The earlier readings stay, with what they were read with.
"""

import json
import os
from pathlib import Path

import duckdb
import pytest
import yaml

from cchc import __version__
from cchc.flows.ingest import run_ingest, run_reprocess
from cchc.settings import Settings
from cchc.warehouse.reread import VersionError, files_to_reread
from tests.ingest_inbox import EXPECTED, FIXTURES, build_inbox
from tests.shipped import TEMPLATE

NEW_RULE = {
    "name": "directives_le_completed",
    "left": ["1.1.3"], "op": "<=", "right": ["1.1.2"],
    "severity": "error", "blank": "skip_if_any_blank",
    "message": "Số văn bản chỉ đạo ({left_value}) nhiều hơn số nhiệm vụ đã hoàn thành "
               "({right_value}): {left_detail}, {right_detail}.",
    "description": "A district's own rule, added for this test.",
}
NINE_MONTHS = ["BC 9T Hoang Duc.pdf", "Bao cao Hoang Luu.xlsx", "ButSon_13-9.txt",
               "ButSon_20-9_sua.txt"]
HOANG_LUU_1_1_3 = json.loads((FIXTURES / "reports" / "xlsx_15976_2024-9M.expected.json")
                             .read_text(encoding="utf-8"))["values"]["1.1.3"]


def district_1_1_3(db: Path) -> float:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT value FROM district_rollup WHERE district_code = '399' "
                           "AND period = '2024-9M' AND code = '1.1.3'").fetchone()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def reprocessed(tmp_path_factory, prefect_harness):
    tmp_path = tmp_path_factory.mktemp("reprocess")
    settings = Settings(inbox=tmp_path / "inbox", db=tmp_path / "cchc.duckdb",
                        archive=tmp_path / "archive", docs=tmp_path / "docs")
    build_inbox(settings.inbox)
    # The revision's file reached the inbox first (an hour before the 13/9 report's), so that
    # once it is rejected the commune's first valid receipt moves to the 13/9 report's.
    first = (settings.inbox / "ButSon_13-9.txt").stat().st_mtime - 3600
    os.utime(settings.inbox / "ButSon_20-9_sua.txt", (first, first))
    run_ingest(settings)
    before = district_1_1_3(settings.db)
    con = duckdb.connect(str(settings.db), read_only=True)
    old = dict(con.execute("SELECT file_name, report_id FROM reports").fetchall())
    con.close()
    rules = yaml.safe_load(TEMPLATE.rules_path.read_text(encoding="utf-8"))
    rules["rules"].append(NEW_RULE)
    copy = tmp_path / "rules.yaml"
    copy.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    changed = Settings(**{**settings.__dict__, "rules": copy})
    summary = run_reprocess(changed, period="2024-9M")
    con = duckdb.connect(str(settings.db), read_only=True)
    yield settings, summary, before, old, con
    con.close()


def test_the_verdicts_follow_the_changed_rule(reprocessed):
    _, summary, _, _, con = reprocessed
    assert dict(con.execute("SELECT file_name, status FROM submissions").fetchall()) == {
        **EXPECTED, "ButSon_13-9.txt": "accepted", "ButSon_20-9_sua.txt": "rejected"}
    assert {o.file_name: o.status for o in summary.outcomes} == {
        "BC 9T Hoang Duc.pdf": "accepted", "Bao cao Hoang Luu.xlsx": "accepted",
        "ButSon_13-9.txt": "accepted", "ButSon_20-9_sua.txt": "rejected"}
    errors = con.execute("SELECT i.rule FROM issues i JOIN submissions s USING (report_id) "
                         "WHERE s.file_name = 'ButSon_20-9_sua.txt' AND i.severity = 'error'"
                         ).fetchall()
    assert errors == [("rule.directives_le_completed",)]


def test_the_old_readings_stay_queryable(reprocessed):
    _, _, _, old, con = reprocessed
    rows = con.execute("""SELECT file_name, report_id, status, reading, reread_by, cchc_version,
                                 reference_sha256
                          FROM reports WHERE period = '2024-9M'
                          ORDER BY file_name, reading""").fetchall()
    assert [(name, reading) for name, _, _, reading, *_ in rows] == [
        (name, reading) for name in NINE_MONTHS for reading in (1, 2)]
    for first, second in zip(rows[::2], rows[1::2], strict=True):
        assert first[1] == old[first[0]]  # the earlier reading keeps its id
        assert (first[2], first[4]) == ("superseded", second[1])
        assert second[1] == f"{old[first[0]]}-r2" and second[4] is None
        assert first[5] == second[5] == __version__
        assert first[6] != second[6]  # the reference data changed in between
    revision_then = old["ButSon_20-9_sua.txt"]
    assert con.execute("SELECT count(*) FROM issues WHERE report_id = ? AND severity = 'error'",
                       [revision_then]).fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM core.observations WHERE report_id = ?",
                       [revision_then]).fetchone()[0] > 60


def test_the_rollups_follow(reprocessed):
    settings, _, before, _, con = reprocessed
    assert (before, district_1_1_3(settings.db)) == (19 + HOANG_LUU_1_1_3, 18 + HOANG_LUU_1_1_3)
    assert con.execute("SELECT value FROM observations WHERE commune_code = '15865' AND "
                       "period = '2024-9M' AND code = '1.1.3'").fetchall() == [(18.0,)]
    assert con.execute("SELECT status, n_reports FROM completeness WHERE commune_code = "
                       "'15865' AND period = '2024-9M'").fetchone() == ("submitted", 2)


def test_it_is_one_run_with_its_counts(reprocessed):
    _, summary, _, _, con = reprocessed
    runs = con.execute("SELECT kind, status, n_seen, n_new, n_accepted, n_rejected, "
                       "n_superseded, summary_md FROM core.runs ORDER BY started_at").fetchall()
    assert [run[:7] for run in runs] == [("ingest", "finished", 10, 10, 3, 1, 1),
                                         ("reprocess", "finished", 4, 4, 3, 1, 0)]
    assert runs[1][7] == summary.markdown()
    assert summary.markdown().startswith(f"# Lần đọc lại {summary.run_id}\n\nSố tệp đã xét: 4; "
                                         "đọc lại: 4")


def test_which_files_a_reprocess_takes(reprocessed):
    settings, _, _, _, _ = reprocessed
    con = duckdb.connect(str(settings.db), read_only=True)
    try:
        names = lambda found: sorted(a.submission.file_name for a in found)  # noqa: E731
        assert names(files_to_reread(con)) == sorted(
            name for name, status in EXPECTED.items() if status != "duplicate")
        assert names(files_to_reread(con, commune="15865")) == NINE_MONTHS[2:]
        assert names(files_to_reread(con, period="2024-H1")) == ["MinhSon_6T.txt"]
        assert len(files_to_reread(con, since=__version__)) == 5  # read into reports
        assert files_to_reread(con, since="99.0") == []
        with pytest.raises(VersionError, match="'latest' is not a cchc version"):
            files_to_reread(con, since="latest")
    finally:
        con.close()


def test_reprocess_takes_a_commune_by_its_name_as_a_letterhead_writes_it(reprocessed):
    from cchc.errors import CchcError
    from cchc.flows.steps import communes_named

    con = reprocessed[4]
    names = lambda found: sorted(a.submission.file_name for a in found)  # noqa: E731
    for name in ("Thị trấn Bút Sơn", "TT. BÚT SƠN", "thi tran but son"):
        units = {(u.admin_map, u.code) for u in communes_named(name, None)}
        assert units == {("legacy", "15865")}, name
        assert names(files_to_reread(con, units=units)) == NINE_MONTHS[2:], name
    with pytest.raises(CchcError, match=r"names 3 communes: Xã Minh Sơn \(mã 15124, "
                                        r"Huyện Ngọc Lặc, Tỉnh Thanh Hóa\) \[legacy\]"):
        communes_named("Xã Minh Sơn", "38")
    with pytest.raises(CchcError, match="no commune of that name on either map"):
        communes_named("Xã Không Có Thật", None)


def test_a_report_read_again_and_rejected_is_not_a_valid_receipt(reprocessed):
    from cchc.summary.build import parse_period_key, resolve_area
    from cchc.warehouse.summary_queries import receipts as receipts_of

    _, _, _, _, con = reprocessed
    area = resolve_area("399", None, parse_period_key("2024-9M"))
    receipts = {c: found[0].received_at for c, found in receipts_of(con, area, "2024-9M").items()}
    submissions = dict(con.execute("SELECT file_name, received_at FROM submissions").fetchall())
    assert receipts["15865"] == submissions["ButSon_13-9.txt"]
