"""Time each page of the review desk on the 50,000-report warehouse (bench/synth.py).

    python -m bench.desk [--db bench/out/synth/synth.duckdb] [--runs 7]

Each page is requested through the whole app (session, login and CSRF middleware, the page's
queries, the template) with Starlette's test client, logged in as an officer: the median and
the worst of ``--runs`` requests after one warm-up, in milliseconds, against the 300 ms target.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import time
from pathlib import Path

from starlette.testclient import TestClient

from bench.synth import DISTRICT, PERIOD, synthesise
from cchc.settings import Settings
from cchc.warehouse.desk import DeskError
from cchc.warehouse.schema import connect
from cchc.web.accounts import create_user
from cchc.web.app import create_app

TARGET_MS = 300
PASSWORD = "mat-khau-bench"


def pages(db: Path) -> dict[str, str]:
    """The desk's pages for one district and period of the synthetic warehouse."""
    con = connect(db, read_only=True)
    try:
        report_id, commune = con.execute(
            "SELECT report_id, commune_code FROM reports WHERE district_code = ? AND period = ? "
            "ORDER BY report_id LIMIT 1", [DISTRICT, PERIOD]).fetchone()
    finally:
        con.close()
    return {"period": f"/period?district={DISTRICT}&period={PERIOD}",
            "period (filtered)": f"/period?district={DISTRICT}&period={PERIOD}&status=late",
            "period (2025 province)": "/period?province=38&period=2025-FY",
            "report": f"/report/{report_id}", "commune": f"/commune/legacy/{commune}",
            "commune (2025)": "/commune/2025/15961", "runs": "/runs", "audit": "/audit"}


def time_pages(db: Path, runs: int) -> dict[str, dict[str, float]]:
    with contextlib.suppress(DeskError):  # a second run over the same warehouse
        create_user(db, "bench", "officer", PASSWORD)
    with TestClient(create_app(Settings(db=db, inbox=db.parent / "inbox"),
                               secret="bench")) as client:
        token = client.get("/login").text.split('name="csrftoken" value="')[1].split('"')[0]
        client.post("/login", data={"csrftoken": token, "name": "bench", "password": PASSWORD})
        found = {}
        for name, path in pages(db).items():
            assert client.get(path).status_code == 200, path
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - started) * 1000)
            found[name] = {"median_ms": round(statistics.median(times), 1),
                           "worst_ms": round(max(times), 1)}
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("bench/out/desk/synth.duckdb"))
    parser.add_argument("--reports", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    if not args.db.exists():
        synthesise(args.db, args.reports)
    result = time_pages(args.db, args.runs)
    for name, timing in result.items():
        ok = "ok" if max(timing.values()) <= TARGET_MS else f"over {TARGET_MS} ms"
        print(f"{name:<18} median {timing['median_ms']:>7.1f} ms  worst "
              f"{timing['worst_ms']:>7.1f} ms  {ok}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
