"""Old-map and new-map reports ingested together, for real (Prefect flow, DuckDB file, GX).

Every figure asserted here is recomputed in plain Python from the fixtures' expected.json values
and reference/admin_lineage.csv, by the template's roll-up rules: each report lands under its
commune on its own map (codes were reused: 15865, 15961 and 15991 name one commune before 1 July
2025 and another after), the old district's roll-up holds its legacy reports and nothing else,
successor_rollup sums each new commune's predecessors, and the 2025 map's completeness lists
Thanh Hóa's 166 communes.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from cchc.flows.ingest import run_ingest
from cchc.settings import Settings
from tests.shipped import TEMPLATE

FIXTURES = Path(__file__).parent / "fixtures"
FOLDERS = (FIXTURES / "reports", FIXTURES / "reform")
LINEAGE = Path(__file__).resolve().parent.parent / "reference" / "admin_lineage.csv"


def expected_files() -> dict[str, dict]:
    """inbox file name → its expected.json, for every report fixture of both folders."""
    found = {}
    for folder in FOLDERS:
        for path in sorted(folder.glob("*.expected.json")):
            name = path.name.removesuffix(".expected.json")
            report = next(p for p in folder.glob(f"{name}.*") if not p.name.endswith(".json"))
            found[report.name] = json.loads(path.read_text(encoding="utf-8"))
    return found


EXPECTED = expected_files()


def current_values() -> dict[tuple[str, str, str], dict[str, float | None]]:
    """(map, commune, period) → the figures of its report (a PDF and its text version carry
    the same figures, so which of them is current does not matter; checked here)."""
    found: dict[tuple[str, str, str], dict] = {}
    for truth in EXPECTED.values():
        r = truth["report"]
        key = (r["admin_map"], r["commune_code"], r["period"])
        assert found.setdefault(key, truth["values"]) == truth["values"], key
    return found


def lineage() -> dict[str, list[tuple[str, bool]]]:
    """new commune → [(old commune, whole)], from the reference file itself."""
    found: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    with LINEAGE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            found[row["new_code"]].append((row["old_code"], row["whole"] == "true"))
    return found


def rollup(communes: list[dict[str, float | None]]) -> dict[str, tuple[float | None, int]]:
    """code → (value, n_reporting) over these communes' figures, by the catalog's rules."""
    result = {}
    for indicator in TEMPLATE.value_indicators:
        code = indicator.code
        reported = [v[code] for v in communes if v.get(code) is not None]
        value = None
        if reported and indicator.aggregation == "sum":
            value = sum(reported)
        elif reported and indicator.aggregation == "mean_min_max":
            value = sum(reported) / len(reported)
        elif reported and indicator.aggregation == "yes_share":
            value = sum(1 for v in reported if v == indicator.yes_code)
        elif indicator.aggregation == "weighted_percent":
            pairs = [(v[code], v[indicator.weight]) for v in communes
                     if v.get(code) is not None and v.get(indicator.weight) is not None]
            weights = sum(w for _, w in pairs)
            value = sum(p * w for p, w in pairs) / weights if weights else None
        result[code] = (value, len(reported))
    return result


@pytest.fixture(scope="module")
def con(tmp_path_factory, prefect_harness):
    tmp_path = tmp_path_factory.mktemp("reform_ingest")
    settings = Settings(inbox=tmp_path / "inbox", db=tmp_path / "w" / "cchc.duckdb",
                        archive=tmp_path / "w" / "archive", docs=tmp_path / "w" / "docs",
                        workers=1, province="38")
    settings.inbox.mkdir()
    for folder in FOLDERS:
        for name in EXPECTED:
            if (folder / name).exists():
                shutil.copy(folder / name, settings.inbox / name)
    run_ingest(settings)
    connection = duckdb.connect(str(settings.db), read_only=True)
    yield connection
    connection.close()


def test_each_report_is_accepted_under_its_commune_on_its_map(con):
    rows = con.execute("""SELECT file_name, status, admin_map, commune_code, commune_name,
                                 district_code, period FROM submissions""").fetchall()
    found = {row[0]: row[1:] for row in rows}
    assert set(found) == set(EXPECTED)
    for name, truth in EXPECTED.items():
        r = truth["report"]
        assert found[name][0] in ("accepted", "superseded"), (name, found[name])
        assert found[name][1:] == (r["admin_map"], r["commune_code"], r["commune_name"],
                                   r["district_code"], r["period"]), name
    assert con.execute("""SELECT commune_name FROM reports WHERE admin_map = '2025'
                          AND commune_code = '15865' AND period = '2025-9M'
                          AND status = 'accepted'""").fetchall() == [("Xã Hoằng Hóa",)]


def test_the_old_district_holds_its_legacy_reports_and_nothing_else(con):
    values = current_values()
    periods = sorted({p for (m, c, p) in values if m == "legacy"
                      and any(t["report"]["commune_code"] == c and t["report"]["district_code"]
                              == "399" for t in EXPECTED.values())})
    rows = con.execute("""SELECT period, code, value, n_reporting, n_submitted, n_expected
                          FROM district_rollup WHERE district_code = '399'""").fetchall()
    assert sorted({row[0] for row in rows}) == periods  # 2024-Q1 … 2025-H1, none after
    by_cell = {(row[0], row[1]): row[2:] for row in rows}
    for period in periods:
        communes = [v for (m, c, p), v in values.items() if m == "legacy" and p == period
                    and _district(c) == "399"]
        for code, (value, n_reporting) in rollup(communes).items():
            got = by_cell[(period, code)]
            assert got[0] == pytest.approx(value), (period, code)
            assert got[1:] == (n_reporting, len(communes), 36), (period, code)


def _district(commune: str) -> str | None:
    return next(t["report"]["district_code"] for t in EXPECTED.values()
                if t["report"]["commune_code"] == commune and t["report"]["admin_map"] == "legacy")


def test_successor_rollup_equals_the_predecessors_summed_here(con):
    values, links = current_values(), lineage()
    legacy = {(c, p): v for (m, c, p), v in values.items() if m == "legacy"}
    cells = {(new, p) for new, olds in links.items() for old, _ in olds for (c, p) in legacy
             if c == old}
    rows = con.execute("""SELECT new_commune_code, period, code, value, n_reporting, n_expected,
                                 comparable
                          FROM successor_rollup""").fetchall()
    assert {(row[0], row[1]) for row in rows} == cells
    by_cell = {(row[0], row[1], row[2]): row[3:] for row in rows}
    for new, period in cells:
        olds = links[new]
        communes = [legacy[(old, period)] for old, _ in olds if (old, period) in legacy]
        for code, (value, n_reporting) in rollup(communes).items():
            got = by_cell[(new, period, code)]
            assert got[0] == pytest.approx(value), (new, period, code)
            assert got[1:] == (n_reporting, len(olds), all(whole for _, whole in olds))
    # The new Xã Hoằng Lộc (15961) in 2024-FY: only Xã Hoằng Thành (15961 then) reported.
    assert by_cell[("15961", "2024-FY", "3.3.1")] == (
        values[("legacy", "15961", "2024-FY")]["3.3.1"], 1, 6, True)


def test_completeness_on_the_2025_map_lists_the_provinces_166_communes(con):
    rows = con.execute("""SELECT commune_code, status, district_code FROM completeness
                          WHERE admin_map = '2025' AND province_code = '38'
                            AND period = '2025-FY'""").fetchall()
    assert len(rows) == len({row[0] for row in rows}) == 166
    assert {row[2] for row in rows} == {None}
    assert sorted(code for code, status, _ in rows if status == "submitted") == ["15961", "15991"]
    values = current_values()
    assert con.execute("""SELECT value, n_reporting, n_submitted, n_expected FROM province_rollup
                          WHERE admin_map = '2025' AND province_code = '38'
                            AND period = '2025-FY' AND code = '3.3.1'""").fetchone() == (
        values[("2025", "15961", "2025-FY")]["3.3.1"] + values[("2025", "15991", "2025-FY")][
            "3.3.1"], 2, 2, 166)


def test_the_desk_shows_each_map_on_its_own_terms(con):
    """The review desk's pages over both maps: a 2025 province at a glance has its 166
    communes, and code 15865 is two communes, one per map, each with its own reports."""
    from cchc.web import pages

    glance = pages.period_page(con, "2025-FY", province="38", appendix=TEMPLATE)
    assert glance["area"]["admin_map"] == "2025" and glance["n_expected"] == 166
    sent = sorted(row["commune_code"] for row in glance["communes"] if row["report_id"])
    assert sent == ["15961", "15991"]
    new = pages.commune_page(con, "2025", "15865")
    old = pages.commune_page(con, "legacy", "15865")
    assert (new["commune"]["name"], old["commune"]["name"]) == ("Xã Hoằng Hóa",
                                                                "Thị trấn Bút Sơn")
    new_periods = {r["period"] for r in new["reports"]}
    old_periods = {r["period"] for r in old["reports"]}
    assert new_periods and not new_periods & old_periods
    assert all(key.startswith(("2025-9M", "2026")) for key in new_periods), new_periods
    menu = {(c["level"], c["code"], c["period"]) for c in pages.period_page(
        con, "2024-FY", district="399", appendix=TEMPLATE)["choices"]}
    assert ("province", "38", "2025-FY") in menu and ("district", "399", "2024-FY") in menu
