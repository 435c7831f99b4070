"""The analysts' views: the district roll-up checked against an independent pandas computation,
blanks not counted, only current reports counted, and completeness over the commune registry."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from cchc.transforms import admin_units
from cchc.transforms.model import Report
from cchc.warehouse.runs import finish_run, mark_interrupted_runs, start_run
from cchc.warehouse.schema import connect, refresh_reference
from tests.shipped import TEMPLATE
from tests.test_warehouse import T0, load, variant

HOANG_HOA = [u.code for u in admin_units.communes_of("399")]

# Figures per commune; None is a blank cell. Chosen so that each rule meets a blank:
# a blank count (3.3.1), a percent without its weight (3.2.4 without 3.1.3), a blank yes/no.
FIGURES: dict[str, dict[str, float | None]] = {
    HOANG_HOA[0]: {"3.3.1": 841, "3.1.3": 204, "3.2.4": 100, "7.2.2": 559, "7.2.2.a": 100,
                   "1.5": 1, "7.1": 2, "1.4.2": 0, "4.1.4": 12.5},
    HOANG_HOA[1]: {"3.3.1": 120, "3.1.3": 180, "3.2.4": 90, "7.2.2": 300, "7.2.2.a": 95.5,
                   "1.5": 0, "7.1": 2, "1.4.2": 1, "4.1.4": 7.25},
    HOANG_HOA[2]: {"3.3.1": None, "3.1.3": 150, "3.2.4": 60, "7.2.2": None, "7.2.2.a": 80,
                   "1.5": 1, "7.1": 1, "1.4.2": None, "4.1.4": None},
    HOANG_HOA[3]: {"3.3.1": 0, "3.1.3": None, "3.2.4": 80, "7.2.2": 10, "7.2.2.a": None,
                   "1.5": None, "7.1": 0, "1.4.2": 2, "4.1.4": 3.0},
}


@pytest.fixture
def warehouse(tmp_path):
    con = connect(tmp_path / "cchc.duckdb")
    start_run(con, "inbox", run_id="run-1")
    current = [variant(code, values, report_date="2024-09-13")
               for code, values in FIGURES.items()]
    for report in current:
        load(con, report)
    # Neither an earlier (superseded) report nor a rejected one may count.
    older = variant(HOANG_HOA[0], {"3.3.1": 5000, "1.5": 0}, report_date="2024-09-01")
    load(con, older, received_at=T0 + timedelta(hours=1))
    load(con, variant(HOANG_HOA[4], {"3.3.1": 7000}), status="rejected")
    # Another district of the province: its own row, and part of the province's.
    load(con, variant("15691", {"3.3.1": 33}, district_code="397"))
    finish_run(con, "run-1", n_seen=len(current) + 3)  # the roll-ups are the finished run's
    yield con, current
    con.close()


def expected_rollup(reports: list[Report]) -> dict[str, dict]:
    """The district's figures computed in pandas from the reports themselves."""
    table = pd.DataFrame([{o.code: o.value for o in r.observations} for r in reports],
                         dtype="float64")
    result = {}
    for indicator in TEMPLATE.value_indicators:
        values = table[indicator.code].dropna()
        row = {"n_reporting": len(values)}
        if indicator.aggregation == "sum":
            row["value"] = values.sum() if len(values) else None
        elif indicator.aggregation == "weighted_percent":
            both = table[[indicator.code, indicator.weight]].dropna()
            weights = both[indicator.weight].sum()
            row["value"] = ((both[indicator.code] * both[indicator.weight]).sum() / weights
                            if weights else None)
            row["n_weighted"] = len(both)
        elif indicator.aggregation == "mean_min_max":
            row["value"] = values.mean() if len(values) else None
        elif indicator.aggregation == "yes_share":
            yes = int((values == indicator.yes_code).sum())
            row["value"] = yes if len(values) else None
            row["share"] = yes / len(values) if len(values) else None
        if indicator.kind == "choice":
            row["by_code"] = ({int(k): int(v) for k, v in values.value_counts().items()}
                              if len(values) else None)
        if indicator.kind in ("count", "percent"):
            row["min"] = values.min() if len(values) else None
            row["max"] = values.max() if len(values) else None
        result[indicator.code] = row
    return result


def test_district_rollup_equals_pandas(warehouse):
    con, current = warehouse
    got = con.execute("""SELECT code, value, n_reporting, n_submitted, n_expected, n_weighted,
                                share, min, max, by_code, aggregation
                         FROM district_rollup WHERE district_code = '399' AND period = '2024-9M'
                         ORDER BY position""").df()
    assert list(got["code"]) == [i.code for i in TEMPLATE.value_indicators]
    assert set(got["n_submitted"]) == {4} and set(got["n_expected"]) == {36}
    for code, want in expected_rollup(current).items():
        row = got[got["code"] == code].iloc[0]
        for column, value in want.items():
            found = row[column]
            found = None if found is None or (not isinstance(found, dict) and pd.isna(found)) \
                else found
            assert found == (pytest.approx(value) if isinstance(value, float) else value), (
                code, column)


def test_the_rules_on_hand_picked_figures(warehouse):
    con, _ = warehouse
    rows = {r[0]: r[1:] for r in con.execute("""
        SELECT code, value, n_reporting, n_weighted, share, by_code FROM district_rollup
        WHERE district_code = '399' AND code IN ('3.3.1', '3.2.4', '1.5', '7.1', '1.2.1')""")
        .fetchall()}
    assert rows["3.3.1"] == (961.0, 3, None, None, None)  # blank not counted, 0 counted
    weighted = (100 * 204 + 90 * 180 + 60 * 150) / (204 + 180 + 150)
    assert rows["3.2.4"][:3] == (pytest.approx(weighted), 4, 3)  # no weight: not weighed in
    assert rows["1.5"] == (2.0, 3, None, pytest.approx(2 / 3), {0: 1, 1: 2})
    assert rows["7.1"] == (None, 4, None, None, {0: 1, 1: 1, 2: 2})
    assert rows["1.2.1"] == (None, 0, None, None, None)  # nobody reported: NULL, not 0


def _received_3_3_1(con) -> tuple[float, int]:
    return con.execute("""SELECT value, n_submitted FROM district_rollup
                          WHERE district_code = '399' AND period = '2024-9M'
                            AND code = '3.3.1'""").fetchone()


@pytest.mark.parametrize("ending", ["finished", "killed, then the next run began"])
def test_the_rollups_are_those_of_the_last_run_to_end(warehouse, ending):
    """Stored roll-ups (core.rollups) move when a run ends, never halfway through one."""
    con, current = warehouse
    assert _received_3_3_1(con) == (961, len(current))
    start_run(con, "inbox", run_id="run-2")
    load(con, variant(HOANG_HOA[9], {"3.3.1": 1000}), run_id="run-2")
    assert _received_3_3_1(con) == (961, len(current))
    if ending == "finished":
        finish_run(con, "run-2", n_seen=1)
    else:
        assert mark_interrupted_runs(con) == 1
    assert _received_3_3_1(con) == (1961, len(current) + 1)


def _stored_3_3_1(con, period: str) -> float | None:
    row = con.execute("""SELECT value FROM core.rollups WHERE admin_map = 'legacy'
                         AND level = 'district' AND area_code = '399' AND period = ?
                         AND code = '3.3.1'""", [period]).fetchone()
    return row[0] if row else None


def _tamper_3_3_1(con, period: str) -> None:
    """A stored roll-up that no computation would give, to see whether a refresh rewrote it."""
    con.execute("""UPDATE core.rollups SET value = -1 WHERE admin_map = 'legacy'
                   AND level = 'district' AND area_code = '399' AND period = ?
                   AND code = '3.3.1'""", [period])


def test_new_reference_data_refreshes_every_stored_roll_up(warehouse):
    con, _ = warehouse
    _tamper_3_3_1(con, "2024-9M")
    refresh_reference(con)
    assert _stored_3_3_1(con, "2024-9M") == 961


def test_province_rollup_spans_its_districts(warehouse):
    con, _ = warehouse
    thanh_hoa = sum(1 for u in admin_units.units("commune") if u.province_code == "38")
    assert con.execute("""SELECT value, n_reporting, n_submitted, n_expected FROM province_rollup
                          WHERE province_code = '38' AND code = '3.3.1'""").fetchone() == (
        994.0, 4, 5, thanh_hoa)
    assert con.execute("SELECT value, n_expected FROM district_rollup WHERE district_code = "
                       "'397' AND code = '3.3.1'").fetchone() == (
        33.0, len(admin_units.communes_of("397")))


def test_observations_are_those_of_current_reports(warehouse):
    con, _ = warehouse
    assert con.execute("""SELECT value, choice_label FROM observations
                          WHERE commune_code = ? AND code = '1.5'""", [HOANG_HOA[0]]
                       ).fetchall() == [(1.0, TEMPLATE.by_code["1.5"].choices[1])]
    assert con.execute("SELECT count(DISTINCT report_id) FROM observations").fetchone()[0] == 5


def test_completeness_lists_every_commune_of_the_district(warehouse):
    con, _ = warehouse
    rows = con.execute("""SELECT commune_code, status, n_reports FROM completeness
                          WHERE district_code = '399' AND period = '2024-9M'""").fetchall()
    assert len(rows) == 36
    statuses = {code: (status, n) for code, status, n in rows}
    assert statuses[HOANG_HOA[0]] == ("submitted", 2)
    assert statuses[HOANG_HOA[4]] == ("rejected", 1)
    assert sum(1 for s, _ in statuses.values() if s == "missing") == 31
    assert con.execute("SELECT count(*) FROM completeness WHERE district_code = '397'"
                       ).fetchone()[0] == len(admin_units.communes_of("397"))


def test_every_view_column_is_documented(tmp_path):
    docs = (Path(__file__).resolve().parent.parent / "docs" / "views.md").read_text("utf-8")
    sections = {s.split("\n", 1)[0].strip(): s for s in docs.split("\n## ")[1:]}
    con = connect(tmp_path / "cchc.duckdb")
    views = con.execute("""SELECT view_name, list(column_name) FROM duckdb_views() v
                           JOIN duckdb_columns() c ON c.table_name = v.view_name
                               AND c.schema_name = v.schema_name
                           WHERE v.schema_name = 'main' AND NOT v.internal
                           GROUP BY view_name""").fetchall()
    con.close()
    assert {name for name, _ in views} <= set(sections)
    for name, columns in views:
        text = sections[name] + (sections["district_rollup"] if name == "province_rollup" else "")
        missing = [c for c in columns if f"`{c}`" not in text]
        assert not missing, f"docs/views.md, section {name}: undocumented {missing}"
