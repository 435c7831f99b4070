"""How long an officer's action waits while the night's ingest of N reports holds the warehouse.

    python -m bench.desk_wait --n 30          # make bench-desk-wait N=30
    python -m bench.desk_wait --n 2000        # the night of issue 6; renders 2,000 reports once

A warehouse is seeded with the committed fixture reports (one real ``cchc ingest``); then
``cchc ingest`` of a bench inbox of N reports (bench/inbox.py, rendered with LibreOffice once and
cached under bench/out/cache) runs in a subprocess while this process submits corrections of
one figure, one after another, through the desk's own code path (``web.actions.submit``, then
``apply_pending`` every ``APPLY_EVERY_SECONDS`` as the desk's background applier does). Each
wait is from the submit to the moment the action is in the warehouse; the longest is the figure
that matters: how long an officer may see "queued" during a night's load.

At N=2000 expect the ingest to take as long as ``make bench-night N=2000`` reports for the load
(bench/results.md), the rendering about as long again on the first run, and a few GB free under
bench/out. Run it on a machine nobody else is benchmarking on.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import inbox as bench_inbox
from cchc.warehouse.schema import connect
from cchc.web.actions import apply_pending, new_request, submit
from cchc.web.app import APPLY_EVERY_SECONDS
from cchc.web.store import Store

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "reports"
CODE = "3.3.1"
USER = "bench"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("bench/out/desk-wait"))
    parser.add_argument("--pause", type=float, default=0.5,
                        help="seconds between one action applied and the next submitted")
    args = parser.parse_args(argv)
    result = measure(args.n, args.seed, args.out, args.pause)
    print(f"N={result['n']}: ingest {result['ingest_seconds']} s; {result['actions']} actions, "
          f"{result['queued']} queued behind the load; wait median {result['median_wait_s']} s, "
          f"longest {result['longest_wait_s']} s")
    path = args.out.parent / f"desk-wait-n{args.n}.json"
    path.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(f"written {path}")


def measure(n: int, seed: int, out: Path, pause: float) -> dict:
    """Seed a warehouse, start the ingest of N reports, correct a figure until it finishes."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    seed_inbox = out / "seed-inbox"
    seed_inbox.mkdir()
    for path in FIXTURES.iterdir():
        if not path.name.endswith(".json"):
            shutil.copy(path, seed_inbox / path.name)
    db = out / "cchc.duckdb"
    subprocess.run(_ingest(seed_inbox, out, "seed"), env=env, check=True, capture_output=True)
    report_id, value = _target(db)
    _add_user(db)
    night_inbox = bench_inbox.build(out / "inbox", n, seed, Path("bench/out/cache")).path
    store = Store(db)
    waits: list[tuple[float, bool]] = []
    started = time.perf_counter()
    # Into files, not pipes: nobody reads a pipe until the ingest ends, and its summary of
    # 2,000 files fills one, so the ingest would block on its last line and never end.
    log = out / "night.log"
    with log.open("w", encoding="utf-8") as written:
        night = subprocess.Popen(_ingest(night_inbox, out, "night"), env=env,
                                 stdout=written, stderr=subprocess.STDOUT)
        try:
            while night.poll() is None:
                wanted = value + 1 if len(waits) % 2 == 0 else value
                waits.append(_one_action(store, report_id, wanted))
                time.sleep(pause)
        finally:
            if night.poll() is None:
                night.kill()
    if night.returncode != 0:
        raise SystemExit(f"the ingest failed: {log.read_text(encoding='utf-8')[-2000:]}")
    seconds = [w for w, _ in waits]
    return {"n": n, "ingest_seconds": round(time.perf_counter() - started, 1),
            "actions": len(waits), "queued": sum(1 for _, q in waits if q),
            "median_wait_s": round(statistics.median(seconds), 2) if seconds else None,
            "longest_wait_s": round(max(seconds), 2) if seconds else None,
            "apply_every_s": APPLY_EVERY_SECONDS}


def _one_action(store: Store, report_id: str, value: float) -> tuple[float, bool]:
    """Seconds from submit to applied, and whether it had to wait for the load."""
    request = new_request("correct", report_id, USER, "bench: chờ nạp ban đêm", code=CODE,
                          value=value)
    started = time.perf_counter()
    applied = submit(store, request, wait=0)
    queued = not applied
    while not applied:
        time.sleep(APPLY_EVERY_SECONDS)  # the desk's applier loop
        apply_pending(store)
        applied = not (store.spool / f"{request.action_id}.json").exists()
    return time.perf_counter() - started, queued


def _ingest(inbox: Path, out: Path, name: str) -> list[str]:
    return [sys.executable, "-m", "cchc.cli", "ingest", str(inbox), "--db",
            str(out / "cchc.duckdb"), "--archive", str(out / "archive"),
            "--docs", str(out / f"docs-{name}")]


def _target(db: Path) -> tuple[str, float]:
    """An accepted report with a figure for CODE: the one the officer keeps correcting."""
    con = connect(db, read_only=True)
    try:
        return con.execute(
            "SELECT r.report_id, o.value FROM reports r JOIN observations o USING (report_id) "
            "WHERE r.status = 'accepted' AND o.code = ? AND o.value IS NOT NULL "
            "ORDER BY r.report_id LIMIT 1", [CODE]).fetchone()
    finally:
        con.close()


def _add_user(db: Path) -> None:
    from cchc.web.accounts import create_user

    create_user(db, USER, "officer", "mat-khau-bench")


if __name__ == "__main__":
    main()
