"""A big warehouse made straight in DuckDB, to time the district roll-up where it gets large.

    python -m bench.synth [--reports 50000] [--db bench/out/synth/synth.duckdb]

50,000 reports × 65 observations (every value row of the catalog, about a third blank, as
communes leave them) for real communes of the whole country and real periods, each with its
file and its submission, bulk-inserted from DataFrames into a fresh warehouse made by
``warehouse.schema.connect`` (so the views are the real ones), as one run that then finishes
the way every run does, refreshing the stored roll-ups (timed apart). Then the analysts' query
``SELECT * FROM district_rollup WHERE district_code = ? AND period = ?`` is timed for one
district and period: the median of several runs on a connection opened read-only, as
``cchc query`` opens it.
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

from cchc.transforms import admin_units, catalog
from cchc.transforms.periods import parse_period
from cchc.warehouse.load import finish_run, start_run
from cchc.warehouse.schema import connect, transaction, write_period

# Five periods of every commune of the country: 50,255 pairs, the first 50,000 taken.
PERIODS = ("2024-9M", "2024-H1", "2024-Q1", "2023-FY", "2024-FY")
DISTRICT, PERIOD = "399", "2024-9M"  # Huyện Hoằng Hóa, 9 tháng đầu năm 2024
RUN_ID = "synth"
BLANK_SHARE = 0.35
ROLLUP_SQL = "SELECT * FROM district_rollup WHERE district_code = ? AND period = ?"


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
            for key in PERIODS:
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
    """The first ``n`` (period, commune) pairs over every commune of the country."""
    communes = admin_units.units("commune")
    pairs = [(period, c) for period in PERIODS for c in communes]
    if n > len(pairs):
        raise ValueError(f"at most {len(pairs)} reports ({len(communes)} communes × "
                         f"{len(PERIODS)} periods)")
    rows = []
    for period, commune in pairs[:n]:
        p = parse_period(period)
        rows.append({
            "report_id": hashlib.sha256(f"{commune.code}/{period}".encode()).hexdigest(),
            "commune_code": commune.code, "district_code": commune.district_code,
            "province_code": commune.province_code, "period": period,
            "period_start": p.start, "period_end": p.end, "cumulative": p.cumulative,
            "report_date": p.end, "doc_number": "1/BC-UBND", "format": "pdf",
            "received_at": datetime(p.end.year, p.end.month, p.end.day, 9),
            "run_id": RUN_ID, "status": "accepted", "superseded_by": None})
    frame = pd.DataFrame(rows)
    return frame.assign(sha256=frame["report_id"])  # each report its file's first reading


def _observations(report_ids: pd.Series, rng: np.random.Generator) -> pd.DataFrame:
    """One row per report × value row of the catalog, values plausible for the row's kind."""
    rows = [i for i in catalog.load_catalog() if i.kind != "group"]
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
    """Median, min and max milliseconds of the roll-up query (after one unmeasured run)."""
    con = connect(db, read_only=True)
    try:
        rows = con.execute(ROLLUP_SQL, [district, period]).fetchall()
        if not rows:
            raise ValueError(f"{db} has no roll-up for district {district}, period {period}")
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            con.execute(ROLLUP_SQL, [district, period]).fetchall()
            times.append((time.perf_counter() - started) * 1000)
        cold = _cold_ms(db, district, period)
    finally:
        con.close()
    return {"district": district, "period": period, "rows": len(rows), "runs": runs,
            "median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1),
            "max_ms": round(max(times), 1), "first_query_new_connection_ms": cold}


def _cold_ms(db: Path, district: str, period: str) -> float:
    """Open, query, close: what one ``cchc query`` call costs in the warehouse itself."""
    started = time.perf_counter()
    con = connect(db, read_only=True)
    try:
        con.execute(ROLLUP_SQL, [district, period]).fetchall()
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


if __name__ == "__main__":
    main()
