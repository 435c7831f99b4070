"""A big warehouse made straight in DuckDB, to time the district roll-up where it gets large.

    python -m bench.synth [--reports 50000] [--db bench/out/synth/synth.duckdb]

50,000 reports × 65 observations (every value row of the catalog, about a third blank, as
communes leave them) for real communes of the whole country and real periods, each with its
file and its submission, bulk-inserted from DataFrames into a fresh warehouse made by
``warehouse.schema.connect`` (so the views are the real ones), as one run that then finishes
the way every run does, refreshing the stored roll-ups (timed apart). Half the reports are on
the legacy map (10,051 communes, periods up to 2024), half on the 2025 map (3,321 communes,
periods from 2025-9M). Then the analysts' queries are timed, each the median of several runs
on a connection opened read-only, as ``cchc query`` opens it:
``SELECT * FROM district_rollup WHERE district_code = ? AND period = ?`` (Hoằng Hóa, 2024-9M),
the 2025-map ``province_rollup`` (Thanh Hóa, 2025-FY) and ``successor_rollup`` for one 2025
commune (Xã Hoằng Lộc, six predecessors, 2024-9M).
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from cchc.template.appendix import load_template
from cchc.transforms import admin_units
from cchc.transforms.periods import parse_period
from cchc.warehouse.runs import finish_run, start_run
from cchc.warehouse.schema import connect, transaction, write_period

# Half the reports on each map: periods × communes of that map, the first n/2 pairs taken
# (legacy: 50,255 pairs; 2025: 26,568).
PERIODS = {"legacy": ("2024-9M", "2024-H1", "2024-Q1", "2023-FY", "2024-FY"),
           "2025": ("2025-FY", "2025-9M", "2026-Q1", "2026-H1", "2026-9M", "2026-FY", "2027-Q1",
                    "2027-H1")}
DISTRICT, PERIOD = "399", "2024-9M"  # Huyện Hoằng Hóa, 9 tháng đầu năm 2024
RUN_ID = "synth"
BLANK_SHARE = 0.35
ROLLUP_SQL = "SELECT * FROM district_rollup WHERE district_code = ? AND period = ?"
# The reform's roll-ups, each with the cell it is timed on.
REFORM_QUERIES = {
    "province_rollup_2025": (
        "SELECT * FROM province_rollup WHERE admin_map = '2025' AND province_code = ? "
        "AND period = ?", ("38", "2025-FY")),  # Tỉnh Thanh Hóa, 166 communes
    "successor_rollup": (
        "SELECT * FROM successor_rollup WHERE new_commune_code = ? AND period = ?",
        ("15961", "2024-9M")),  # Xã Hoằng Lộc (2025): six legacy communes
}


def synthesise(db: Path, n_reports: int = 50_000, seed: int = 1) -> dict:
    """A fresh warehouse at ``db`` with ``n_reports`` accepted reports; what was written."""
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    reports = _reports(n_reports)
    observations = _observations(reports["report_id"], rng)
    files, submissions = _files_and_submissions(reports)
    con = connect(db)
    try:
        with transaction(con):
            start_run(con, "bench/synth", run_id=RUN_ID)
            for key in {key for keys in PERIODS.values() for key in keys}:
                write_period(con, key)
            for table, frame in (("files", files), ("submissions", submissions),
                                 ("reports", reports), ("observations", observations)):
                con.register("frame", frame)
                con.execute(f"INSERT INTO core.{table} BY NAME SELECT * FROM frame")
                con.unregister("frame")
        written = time.perf_counter()
        finish_run(con, RUN_ID, n_seen=len(submissions))
        finished = time.perf_counter()
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return {"reports": len(reports), "observations": len(observations),
            "seconds": round(time.perf_counter() - started, 2),
            "finish_run_seconds": round(finished - written, 2),
            "size_mb": round(db.stat().st_size / 2**20, 1)}


def _reports(n: int) -> pd.DataFrame:
    """Half of ``n`` on each map: the first (period, commune) pairs over its communes."""
    rows = []
    for admin_map, count in (("legacy", n // 2), ("2025", n - n // 2)):
        rows += _map_reports(admin_map, count)
    frame = pd.DataFrame(rows)
    return frame.assign(sha256=frame["report_id"])  # each report its file's first reading


def _map_reports(admin_map: str, n: int) -> list[dict]:
    communes = admin_units.units("commune", admin_map)
    pairs = [(period, c) for period in PERIODS[admin_map] for c in communes]
    if n > len(pairs):
        raise ValueError(f"at most {len(pairs)} reports on the {admin_map} map "
                         f"({len(communes)} communes × {len(PERIODS[admin_map])} periods)")
    rows = []
    for period, commune in pairs[:n]:
        p = parse_period(period)
        rows.append({
            "report_id": hashlib.sha256(f"{admin_map}/{commune.code}/{period}".encode()
                                        ).hexdigest(),
            "admin_map": admin_map, "commune_code": commune.code,
            "district_code": commune.district_code,
            "province_code": commune.province_code, "period": period,
            "period_start": p.start, "period_end": p.end, "cumulative": p.cumulative,
            "report_date": p.end, "doc_number": "1/BC-UBND", "format": "pdf",
            "received_at": datetime(p.end.year, p.end.month, p.end.day, 9),
            "run_id": RUN_ID, "status": "accepted", "superseded_by": None})
    return rows


def _observations(report_ids: pd.Series, rng: np.random.Generator) -> pd.DataFrame:
    """One row per report × value row of the catalog, values plausible for the row's kind."""
    rows = [i for i in load_template().indicators if i.kind != "group"]
    n = len(report_ids)
    columns = []
    for item in rows:
        if item.kind == "choice":
            values = rng.choice(sorted(item.choices), size=n).astype(float)
        elif item.kind == "percent":
            values = np.round(rng.uniform(80, 100, size=n), 2)
        else:
            values = rng.integers(0, 400, size=n).astype(float)
        blank = rng.random(n) < (0 if item.required else BLANK_SHARE)
        values[blank] = np.nan
        columns.append(pd.DataFrame({
            "report_id": report_ids, "code": item.code, "value": values,
            "raw": None, "unit": item.unit, "page": rng.integers(3, 8, size=n),
            "sheet": None, "cell": None, "line": None, "present": True, "run_id": RUN_ID}))
    frame = pd.concat(columns, ignore_index=True)
    frame["raw"] = frame["value"].map(lambda v: None if np.isnan(v) else f"{v:g}")
    return frame.astype({"raw": "object", "line": "Int64"})


def _files_and_submissions(reports: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = reports["report_id"]
    names = "BC_CCHC_" + reports["commune_code"] + "_" + reports["period"] + ".pdf"
    files = pd.DataFrame({"sha256": ids, "size": 72_000, "format": "pdf",
                          "archive_path": "archive/" + ids.str[:2] + "/" + ids + ".pdf",
                          "first_seen_at": reports["received_at"], "run_id": RUN_ID})
    submissions = pd.DataFrame({
        "submission_id": ids.str[:20], "run_id": RUN_ID, "file_name": names,
        "inbox_path": "/srv/cchc/inbox/" + names, "sha256": ids, "size": 72_000,
        "mtime": 0.0, "received_at": reports["received_at"], "status": "accepted",
        "read_run_id": RUN_ID,
        "reason": None, "report_id": ids, "duplicate_of": None})
    return files, submissions


def time_rollup(db: Path, district: str = DISTRICT, period: str = PERIOD,
                runs: int = 7) -> dict:
    """Median, min and max milliseconds of the district roll-up query."""
    return {"district": district, "period": period,
            **time_query(db, ROLLUP_SQL, (district, period), runs)}


def time_reform_rollups(db: Path, runs: int = 7) -> dict[str, dict]:
    """The 2025-map province roll-up and the successor roll-up, timed as the district's."""
    return {name: {"where": ", ".join(parameters), **time_query(db, sql, parameters, runs)}
            for name, (sql, parameters) in REFORM_QUERIES.items()}


def time_query(db: Path, sql: str, parameters: tuple[str, ...], runs: int = 7) -> dict:
    """Median, min and max milliseconds of a query (after one unmeasured run), and one cold
    call; refuses a query that finds nothing (it would time an empty answer)."""
    con = connect(db, read_only=True)
    try:
        rows = con.execute(sql, list(parameters)).fetchall()
        if not rows:
            raise ValueError(f"{db}: nothing for {sql} with {parameters}")
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            con.execute(sql, list(parameters)).fetchall()
            times.append((time.perf_counter() - started) * 1000)
        cold = _cold_ms(db, sql, parameters)
    finally:
        con.close()
    return {"rows": len(rows), "runs": runs, "median_ms": round(statistics.median(times), 1),
            "min_ms": round(min(times), 1), "max_ms": round(max(times), 1),
            "first_query_new_connection_ms": cold}


def _cold_ms(db: Path, sql: str, parameters: tuple[str, ...]) -> float:
    """Open, query, close: what one ``cchc query`` call costs in the warehouse itself."""
    started = time.perf_counter()
    con = connect(db, read_only=True)
    try:
        con.execute(sql, list(parameters)).fetchall()
    finally:
        con.close()
    return round((time.perf_counter() - started) * 1000, 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.synth", description=__doc__.split(
        "\n")[0])
    parser.add_argument("--reports", type=int, default=50_000)
    parser.add_argument("--db", type=Path, default=Path("bench/out/synth/synth.duckdb"))
    args = parser.parse_args(argv)
    print("built:", synthesise(args.db, args.reports))
    print("roll-up:", time_rollup(args.db))
    for name, timed in time_reform_rollups(args.db).items():
        print(f"{name}:", timed)


if __name__ == "__main__":
    main()
