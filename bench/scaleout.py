"""The same inbox ingested with the thread runner and with the Dask runner, both reporting to a
real Prefect server on loopback (the Dask runner needs one), to see what processes buy.

    python -m bench.scaleout [--n 200] [--workers 2]

Uses the inbox ``make bench N=…`` rendered (bench/out/n{N}/inbox; run that first). Needs the
runner wiring (``Settings.runner``, so ``CCHC_RUNNER=dask`` reaches ``flows.runners``) and
prefect-dask. Prints a Markdown table and writes bench/out/scaleout-n{N}.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.run import HERE, ingest, machine, statuses


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scaleout")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args(argv)
    from cchc.settings import Settings

    if "runner" not in {f.name for f in dataclasses.fields(Settings)}:
        raise SystemExit("Settings has no `runner` yet: wire flows.runners in first")
    inbox = args.out / f"n{args.n}" / "inbox"
    if not inbox.is_dir():
        raise SystemExit(f"no {inbox}: run `make bench N={args.n}` first")
    work = args.out / f"scaleout-n{args.n}"
    shutil.rmtree(work, ignore_errors=True)
    home = work / "prefect-home"
    with PrefectServer(home) as url:
        env = {"PREFECT_API_URL": url, "PREFECT_HOME": str(home)}
        found = {}
        for runner in ("thread", "dask"):
            print(f"cchc ingest --runner {runner} --workers {args.workers}", flush=True)
            found[runner] = ingest(work / runner, args.workers, {**env, "CCHC_RUNNER": runner},
                                   inbox=inbox)
            found[runner].pop("stdout_tail")
            found[runner]["statuses"] = statuses(work / runner / "warehouse" / "cchc.duckdb")
    result = {"n": args.n, "workers": args.workers, "machine": machine(), "runs": found}
    (args.out / f"scaleout-n{args.n}.json").write_text(json.dumps(result, indent=1) + "\n")
    print(table(result))


def table(result: dict) -> str:
    n = result["n"]
    lines = [f"| runner (real Prefect server, --workers {result['workers']}, N={n}) | wall | "
             "files/s | peak RSS (tree) | stages | statuses |",
             "| --- | --- | --- | --- | --- | --- |"]
    for runner, run in result["runs"].items():
        stages = ", ".join(f"{k} {v} s" for k, v in run["stages"].items())
        found = ", ".join(f"{k} {v}" for k, v in run["statuses"].items())
        lines.append(f"| {runner} | {run['seconds']} s | {round(n / run['seconds'], 2)} | "
                     f"{run['peak_tree_rss_mb']} MB | {stages} | {found} |")
    return "\n".join(lines)


class PrefectServer:
    """``prefect server start`` on a free loopback port with its own PREFECT_HOME."""

    def __init__(self, home: Path) -> None:
        self.home = home

    def __enter__(self) -> str:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.home.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PREFECT_HOME": str(self.home), "PREFECT_UI_ENABLED": "false",
               "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        self.server = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
             "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}/api"
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=5):
                    return url
            except OSError:
                if self.server.poll() is not None or time.monotonic() > deadline:
                    self.server.kill()
                    raise SystemExit("the Prefect server did not start") from None
                time.sleep(0.5)

    def __exit__(self, *exc: object) -> None:
        self.server.terminate()
        self.server.wait(timeout=30)


if __name__ == "__main__":
    main()
