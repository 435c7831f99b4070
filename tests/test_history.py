"""The history check: far from the commune's own past for the same kind of period → warning."""

import dataclasses
from pathlib import Path

import pandas as pd

from cchc.flows.reading import extract_report
from cchc.transforms.history import HISTORY_COLUMNS, history_issues, outlier
from tests.shipped import TEMPLATE

SEED = Path(__file__).parent / "fixtures" / "seed" / "000_2efa1e083bc69a65.txt"


def test_robust_score_with_five_or_more_past_values():
    past = [800, 820, 841, 860, 880, 900]
    assert outlier(850, past) is None
    assert outlier(5000, past) == "trung vị 850,5, từ 800 đến 900; 6 kỳ"


def test_band_while_history_is_short():
    assert outlier(1500, [800, 900]) is None       # within twice the largest
    assert outlier(1900, [800, 900]) is not None
    assert outlier(300, [800, 900]) is not None    # under half the smallest
    assert outlier(5, [800]) is None               # one past value decides nothing


def test_only_same_kind_of_period_and_blanks_skipped():
    seed = extract_report(SEED, TEMPLATE)  # Bút Sơn 2024-9M: 3.3.1 = 841, 1.2.1 blank
    rows = [("legacy", "15865", f"{year}-9M", "3.3.1", 80.0) for year in (2020, 2021, 2022, 2023)]
    rows += [("legacy", "15865", "2023-Q1", "3.3.1", 841.0),
             ("legacy", "15865", "2022-9M", "1.2.1", 3.0),
             ("legacy", "15865", "2021-9M", "1.2.1", 4.0)]
    history = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    issues = history_issues(seed, history, TEMPLATE)
    assert [(i.rule, i.severity, i.codes) for i in issues] == [
        ("history.outlier", "warning", ("3.3.1",))]
    assert "841" in issues[0].message and "dòng 787" in issues[0].message
    later = dataclasses.replace(seed, meta=dataclasses.replace(seed.meta, period="2019-9M"))
    assert history_issues(later, history, TEMPLATE) == ()  # only earlier periods are history


def test_a_reused_code_on_the_other_map_is_not_history():
    # 15865 was Thị trấn Bút Sơn (legacy) and is Xã Hoằng Hóa (2025): Bút Sơn's small figures
    # are not the past of the merged commune, so they decide nothing for its 2025 report.
    seed = extract_report(SEED, TEMPLATE)  # 3.3.1 = 841
    on_2025 = dataclasses.replace(seed, meta=dataclasses.replace(
        seed.meta, admin_map="2025", district_code=None, period="2025-9M"))
    rows = [("legacy", "15865", f"{year}-9M", "3.3.1", 80.0) for year in (2020, 2021, 2022)]
    legacy_past = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    assert history_issues(on_2025, legacy_past, TEMPLATE) == ()
    rows = [("2025", "15865", f"{year}-9M", "3.3.1", 80.0) for year in (2022, 2023, 2024)]
    issues = history_issues(on_2025, pd.DataFrame(rows, columns=list(HISTORY_COLUMNS)), TEMPLATE)
    assert [i.codes for i in issues] == [("3.3.1",)]


def test_a_2025_commune_s_past_is_its_predecessors_summed_where_whole(tmp_path):
    """Xã Hoằng Hóa (15865 on the 2025 map) went from six whole legacy communes, Thị trấn Bút
    Sơn (15865 then) among them. Its past 9-month figures are their sums, for the years all six
    reported; never Bút Sơn's figures alone, although the code is the same."""
    from cchc.warehouse.history import history_frame
    from cchc.warehouse.runs import finish_run, start_run
    from cchc.warehouse.schema import connect
    from tests.test_warehouse import load, variant

    olds = ("15865", "15928", "15937", "15940", "15946", "15952")
    received = {("2021-9M", old): 50 + n for n, old in enumerate(olds[:5])}  # one missing
    received |= {("2022-9M", old): 100 + n for n, old in enumerate(olds)}
    received |= {("2023-9M", old): 200 + n for n, old in enumerate(olds)}
    con = connect(tmp_path / "cchc.duckdb")
    start_run(con, "inbox", run_id="run-1")
    for (period, old), value in received.items():
        load(con, variant(old, {"3.3.1": value}, period=period))
    finish_run(con, "run-1", n_seen=len(received))
    new = history_frame(con, [("2025", "15865")])
    old = history_frame(con, [("legacy", "15865")])
    con.close()
    rows = new[new["code"] == "3.3.1"].sort_values("period")
    assert rows[["admin_map", "commune_code", "period", "value"]].values.tolist() == [
        ["2025", "15865", "2022-9M", 615.0], ["2025", "15865", "2023-9M", 1215.0]]
    assert old[old["code"] == "3.3.1"].sort_values("period")["value"].tolist() == [50, 100, 200]
    seed = extract_report(SEED, TEMPLATE)  # 3.3.1 = 841
    on_2025 = dataclasses.replace(seed, meta=dataclasses.replace(
        seed.meta, admin_map="2025", district_code=None, period="2025-9M"))
    assert [i.codes for i in history_issues(on_2025, new, TEMPLATE)
            if i.codes == ("3.3.1",)] == []  # within the predecessors' band (307.5 to 2430)
    on_legacy = dataclasses.replace(seed, meta=dataclasses.replace(seed.meta, period="2025-9M"))
    # Bút Sơn's own past
    assert ("3.3.1",) in [i.codes for i in history_issues(on_legacy, old, TEMPLATE)]
