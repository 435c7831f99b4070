"""Which template each report was read with, and the indicators of every template version.

A new version of the catalog (a row relabelled, a row added) must not rewrite what a report
read with the old one means: both versions' rows stay, keyed by (template, version, code), and
each report joins its own.
"""

from __future__ import annotations

import shutil

import duckdb
import yaml

from cchc.template.appendix import TEMPLATE_PATH, load_template
from cchc.warehouse.schema import _BOOTSTRAP, MIGRATIONS, connect, refresh_reference
from tests.test_warehouse import count, load, seed


def _new_version(tmp_path):
    """The shipped template as version 2026.1, with row 3.3.1 relabelled."""
    for path in TEMPLATE_PATH.parent.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    document = yaml.safe_load(TEMPLATE_PATH.read_text(encoding="utf-8"))
    document["version"] = "2026.1"
    (tmp_path / TEMPLATE_PATH.name).write_text(yaml.safe_dump(document, allow_unicode=True),
                                               encoding="utf-8")
    catalog = yaml.safe_load((tmp_path / "indicators.yaml").read_text(encoding="utf-8"))
    row = next(r for r in catalog["indicators"] if r["code"] == "3.3.1")
    row["label"] = "Tổng số hồ sơ TTHC đã tiếp nhận (mẫu mới)"
    (tmp_path / "indicators.yaml").write_text(yaml.safe_dump(catalog, allow_unicode=True),
                                              encoding="utf-8")
    return load_template(tmp_path / TEMPLATE_PATH.name)


def test_a_report_keeps_the_indicators_it_was_read_with(tmp_path):
    con = connect(tmp_path / "cchc.duckdb")
    load(con, seed())
    assert con.execute("SELECT template, template_version FROM reports").fetchall() == [
        ("Phụ lục 01b", "2024.1")]
    old_label = con.execute(
        "SELECT label FROM observations WHERE code = '3.3.1'").fetchone()[0]
    assert old_label == "Số lượng hồ sơ đã tiếp nhận"

    refresh_reference(con, _new_version(tmp_path))

    assert count(con, "core.templates") == 2
    assert count(con, "core.template_indicators") == 2 * 81
    assert con.execute("SELECT version, label FROM core.indicators WHERE code = '3.3.1'"
                       ).fetchall() == [("2026.1", "Tổng số hồ sơ TTHC đã tiếp nhận (mẫu mới)")]
    assert con.execute("SELECT label FROM observations WHERE code = '3.3.1'"
                       ).fetchone()[0] == old_label  # its own version's label, not the new one
    assert con.execute("SELECT value FROM district_rollup WHERE code = '3.3.1'"
                       ).fetchone()[0] == 841  # and it still counts
    con.close()


def test_a_warehouse_of_the_previous_schema_migrates_with_nothing_lost(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    for statement in _BOOTSTRAP:
        con.execute(statement)
    for number, statements in enumerate(MIGRATIONS[:-1], start=1):
        for statement in statements:
            con.execute(statement)
        con.execute("INSERT INTO core.schema_version VALUES (?, current_localtimestamp())",
                    [number])
    con.execute("""INSERT INTO core.reports (report_id, received_at, run_id, status)
                   VALUES ('r-old', TIMESTAMP '2024-09-20 08:00:00', 'run-old', 'accepted')""")
    con.close()

    con = connect(path)
    assert con.execute("SELECT template, template_version FROM core.reports").fetchall() == [
        ("Phụ lục 01b", "2024.1")]
    assert count(con, "core.template_indicators") == 81
    assert count(con, "core.indicators") == 81
    con.close()
