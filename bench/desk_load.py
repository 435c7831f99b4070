"""Fifty officers and communes at the deadline: concurrent clients on the desk's glance and report
page, over real HTTP (issue 21: target p99 ≤ 1 s for both on the 50,000-report warehouse).

    python -m bench.desk_load [--db bench/out/desk/synth.duckdb] [--clients 50] [--seconds 30]

A real `cchc web` in a process of its own (uvicorn on loopback, as an office runs it) over the
warehouse bench/synth.py writes; ``--clients`` threads, each logged in with its own session,
request the glance and a report page in turn, one request at a time each, for ``--seconds``.
Reported per page: requests per second, median and 99th percentile latency.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from bench.desk import PASSWORD, pages
from bench.synth import synthesise
from cchc.warehouse.desk import DeskError
from cchc.web.accounts import create_user
from tests.desk_server import free_port, http_login

TARGET_P99_MS = 1000


def measure(db: Path, clients: int, seconds: float) -> dict:
    with contextlib.suppress(DeskError):
        create_user(db, "bench", "officer", PASSWORD)
    wanted = pages(db)
    paths = {"glance": wanted["period"], "report": wanted["report"]}
    times: dict[str, list[float]] = {name: [] for name in paths}
    failures: list[str] = []
    lock = threading.Lock()
    with _desk(db) as base:
        sessions = [http_login(base, "bench", PASSWORD) for _ in range(clients)]
        stop = time.monotonic() + seconds

        def work(http: httpx.Client) -> None:
            while time.monotonic() < stop:
                for name, path in paths.items():
                    started = time.perf_counter()
                    answer = http.get(path)
                    took = (time.perf_counter() - started) * 1000
                    with lock:
                        (times[name] if answer.status_code == 200 else failures).append(
                            took if answer.status_code == 200 else f"{path} {answer.status_code}")
        threads = [threading.Thread(target=work, args=(http,)) for http in sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    result = {"clients": clients, "seconds": seconds, "failures": len(failures),
              "machine": platform.node(), "target_p99_ms": TARGET_P99_MS}
    for name, found in times.items():
        ordered = sorted(found)
        result[name] = {"requests_per_second": round(len(found) / seconds, 1),
                        "median_ms": round(statistics.median(ordered), 1),
                        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 1),
                        "met": ordered[int(0.99 * (len(ordered) - 1))] <= TARGET_P99_MS}
    return result


@contextlib.contextmanager
def _desk(db: Path):
    """`cchc web` on a free port until the block ends; its base URL."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "cchc.cli", "web", "--db", str(db),
                               "--port", str(port)], stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/login", timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and server.poll() is None, "no desk"
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(30)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("bench/out/desk/synth.duckdb"))
    parser.add_argument("--reports", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--out", type=Path, default=Path("bench/desk-load.json"))
    args = parser.parse_args(argv)
    if not args.db.exists():
        synthesise(args.db, args.reports)
    result = measure(args.db, args.clients, args.seconds)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for name in ("glance", "report"):
        found = result[name]
        print(f"{name:<7} {found['requests_per_second']:>6.1f} req/s  median "
              f"{found['median_ms']:>7.1f} ms  p99 {found['p99_ms']:>7.1f} ms  "
              f"{'met' if found['met'] else 'NOT met'} (target p99 ≤ {TARGET_P99_MS} ms)")
    print(f"{args.clients} clients, {args.seconds:.0f} s, {result['failures']} failed requests")


if __name__ == "__main__":
    main()
