"""The same inbox ingested with the thread runner and with the Dask runner, both reporting to a
real Prefect server on loopback (the Dask runner needs one), to see what processes buy.

    python -m bench.scaleout [--n 200] [--workers 2]

Uses the inbox ``make bench-night N=…`` rendered (bench/out/n{N}/inbox; run that first). Prints a
Markdown table and writes bench/scaleout-n{N}.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from bench.run import HERE, ingest, machine, statuses
from tests.prefect_server import running_server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scaleout")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args(argv)
    inbox = args.out / f"n{args.n}" / "inbox"
    if not inbox.is_dir():
        raise SystemExit(f"no {inbox}: run `make bench-night N={args.n}` first")
    work = args.out / f"scaleout-n{args.n}"
    shutil.rmtree(work, ignore_errors=True)
    home = work / "prefect-home"
    home.mkdir(parents=True)
    with running_server(home) as (url, _):
        env = {"PREFECT_API_URL": url, "PREFECT_HOME": str(home)}
        found = {}
        for runner in ("thread", "dask"):
            print(f"cchc ingest --runner {runner} --workers {args.workers}", flush=True)
            found[runner] = ingest(work / runner, args.workers, {**env, "CCHC_RUNNER": runner},
                                   inbox=inbox)
            found[runner].pop("stdout_tail")
            found[runner]["statuses"] = statuses(work / runner / "warehouse" / "cchc.duckdb")
    result = {"n": args.n, "workers": args.workers, "machine": machine(), "runs": found}
    (HERE / f"scaleout-n{args.n}.json").write_text(json.dumps(result, indent=1) + "\n")
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


if __name__ == "__main__":
    main()
