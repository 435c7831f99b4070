"""Benchmark the pipeline on a province's night of reports: ``make bench-night`` (N=200) or
``make bench-night N=2000``.

    python -m bench.run [--n 200] [--seed 1] [--workers 2] [--synth-reports 50000]

One run measures, over the same N files (bench/inbox.py writes them into bench/out/n{N}/inbox):

a. a bare loop of our extractor (``flows.reading.read_report``) over every file;
b. the baseline: pdfplumber's own ``extract_tables()`` over EVERY page of the same PDFs;
c. the full ``cchc ingest`` as a subprocess: wall time, its peak RSS (``wait4``: the largest
   process) and the peak RSS of its whole process tree (sampled every 0.1 s: cchc plus the
   temporary Prefect server it starts), stage times from the flow's log;
d. a no-op rerun of ``cchc ingest`` (must answer "Không có tệp mới", nothing new);
e. the district roll-up query on the warehouse just loaded, and the district summary
   (``summary.build``), then, on a warehouse of 50,000 synthetic reports (half of them on
   the 2025 map; bench/synth.py), the district roll-up, the 2025-map province roll-up and the
   successor roll-up.

Results are merged into bench/results.json (one entry per N) and written as bench/results.md,
with PASS/FAIL against the targets of issue 6.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from importlib.metadata import version
from itertools import pairwise
from pathlib import Path

from bench import inbox as bench_inbox
from bench import synth

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS_JSON = HERE / "results.json"
RESULTS_MD = HERE / "results.md"
GB = 2**30
STAGES = ("receive", "extract", "validate", "load")
_LOG_LINE = re.compile(r"^(\d\d:\d\d:\d\d\.\d{3}) \| \w+\s*\| (.*)$")
_TASK_DONE = re.compile(r"Task run '(\w+)-\w+' - Finished")
# What a quiet night answers (flows.steps.RunSummary.markdown).
NOTHING_NEW = "Không có tệp mới trong hộp thư"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split(
        "\n")[0])
    parser.add_argument("--n", type=int, default=200, help="reports in the inbox")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2,
                        help="cchc ingest --workers (the shipped default is 2)")
    parser.add_argument("--synth-reports", type=int, default=50_000)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args(argv)
    result = run(args.n, args.seed, args.workers, args.synth_reports, args.out)
    runs = _merge(result)
    RESULTS_JSON.write_text(json.dumps(runs, ensure_ascii=False, indent=1) + "\n",
                            encoding="utf-8")
    RESULTS_MD.write_text(markdown(runs), encoding="utf-8")
    print()
    print(table(result))
    print(f"\nwritten: {RESULTS_JSON.relative_to(ROOT)}, {RESULTS_MD.relative_to(ROOT)}")


def run(n: int, seed: int, workers: int, synth_reports: int, out: Path) -> dict:
    work = out / f"n{n}"
    built = bench_inbox.build(work / "inbox", n, seed, out / "cache", log=_say)
    _say(f"inbox: {n} files {built.counts()} in {built.path}")
    files = sorted(p for p in built.path.iterdir() if p.is_file())
    result = {"n": n, "seed": seed, "workers": workers, "machine": machine(),
              "inbox": {"files": len(files), "by_kind": built.counts(),
                        "mb": round(sum(p.stat().st_size for p in files) / 2**20, 1),
                        "rendered_seconds": round(built.rendered_in, 1)}}
    _say("a. bare extraction loop")
    result["bare_loop"] = bare_loop(files)
    _say("b. pdfplumber extract_tables() over every page of every PDF")
    result["pdfplumber_baseline"] = pdfplumber_baseline([p for p in files if p.suffix == ".pdf"])
    result["extraction_vs_baseline"] = _versus_baseline(result["bare_loop"],
                                                        result["pdfplumber_baseline"])
    for stale in ("warehouse", "archive", "docs-gx"):
        shutil.rmtree(work / stale, ignore_errors=True)
    _say(f"c. cchc ingest ({workers} workers)")
    result["ingest"] = ingest(work, workers)
    _say("d. cchc ingest again (no-op)")
    result["noop"] = ingest(work, workers)
    result["noop"]["nothing_new"] = NOTHING_NEW in result["noop"].pop("stdout_tail")
    result["ingest"].pop("stdout_tail")
    _say("e. roll-up and summary on the warehouse just loaded")
    result["rollup_loaded"] = rollup_on(work / "warehouse" / "cchc.duckdb")
    result["summary"] = district_summary(work, result["rollup_loaded"])
    _say(f"e. roll-up on {synth_reports:,} synthetic reports")
    db = work / f"synth-{synth_reports}.duckdb"
    result["synth"] = {"built": synth.synthesise(db, synth_reports),
                       "rollup": synth.time_rollup(db),
                       "reform": synth.time_reform_rollups(db)}
    result["targets"] = targets(result)
    return result


# --- a, b: extraction ------------------------------------------------------------------------

def bare_loop(files: list[Path]) -> dict:
    """``read_report`` over every file in one process (after one unmeasured warm-up call that
    pays for the imports and the catalog)."""
    from cchc.flows.reading import read_report, template_for

    template = template_for()
    read_report(files[0], template)
    per_file, failed = {}, 0
    started = time.perf_counter()
    for path in files:
        begun = time.perf_counter()
        try:
            read_report(path, template)
        except Exception:  # an unreadable report is timed like the others
            failed += 1
        per_file[path.name] = time.perf_counter() - begun
    total = time.perf_counter() - started
    by_format = {}
    for suffix in sorted({p.suffix for p in files}):
        times = [t for name, t in per_file.items() if name.endswith(suffix)]
        by_format[suffix] = {"files": len(times), "mean_ms": _ms(statistics.mean(times))}
    return {"seconds": round(total, 2), "files_per_s": round(len(files) / total, 2),
            "mean_ms": _ms(total / len(files)), "failed": failed, "by_format": by_format,
            "pdf_seconds": {name: t for name, t in per_file.items() if name.endswith(".pdf")}}


def pdfplumber_baseline(pdfs: list[Path]) -> dict:
    """pdfplumber's own ``extract_tables()`` on every page: what a naive extractor costs."""
    import pdfplumber

    per_file, pages = {}, 0
    for path in pdfs:
        begun = time.perf_counter()
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_tables()
                page.close()
                pages += 1
        per_file[path.name] = time.perf_counter() - begun
    total = sum(per_file.values())
    return {"pdfs": len(pdfs), "pages": pages, "seconds": round(total, 2),
            "mean_ms_per_pdf": _ms(total / len(pdfs)), "ms_per_page": _ms(total / pages),
            "pdf_seconds": per_file}


def _versus_baseline(loop: dict, baseline: dict) -> dict:
    ours, theirs = loop.pop("pdf_seconds"), baseline.pop("pdf_seconds")
    ratios = sorted(ours[name] / theirs[name] for name in ours)
    by_kind = {}
    for kind in ("word_pdf", "excel_pdf"):
        names = [name for name in ours if name.endswith(f"_{kind}.pdf")]
        if names:
            by_kind[kind] = round(sum(ours[n] for n in names) / sum(theirs[n] for n in names), 3)
    return {"ratio": round(sum(ours.values()) / sum(theirs.values()), 3),
            "median_file_ratio": round(statistics.median(ratios), 3),
            "worst_file_ratio": round(ratios[-1], 3), "by_kind": by_kind,
            "ours_mean_ms_per_pdf": _ms(sum(ours.values()) / len(ours))}


# --- c, d: the ingest ------------------------------------------------------------------------

def ingest(work: Path, workers: int, env: dict[str, str] | None = None,
           inbox: Path | None = None) -> dict:
    """``cchc ingest`` of ``inbox`` (default work/inbox) into work/warehouse in a subprocess:
    wall time, peak RSS, stage times from its log. ``env`` adds environment variables."""
    home = Path((env or {}).get("PREFECT_HOME", work.parent / "prefect-home"))
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_LOGGING_LEVEL": "INFO",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **(env or {})}
    fresh = not home.exists() and "PREFECT_API_URL" not in env
    prepared = prepare_prefect_home(env) if fresh else None
    command = [sys.executable, "-m", "cchc.cli", "ingest", str(inbox or work / "inbox"),
               "--db", str(work / "warehouse" / "cchc.duckdb"),
               "--archive", str(work / "archive"), "--docs", str(work / "docs-gx"),
               "--workers", str(workers)]
    work.mkdir(parents=True, exist_ok=True)
    log_path = work / f"ingest-{datetime.now():%H%M%S}.log"
    out_path = log_path.with_suffix(".out")
    started_at, started = datetime.now(), time.perf_counter()
    with log_path.open("w") as log, out_path.open("w") as out:
        child = subprocess.Popen(command, stdout=out, stderr=log, cwd=ROOT, env=env)
        sampler = _TreeRss(child.pid)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        sampler.stop()
    stdout = out_path.read_text(errors="replace")
    if child.returncode != 0:
        orphans = sampler.end_orphans()
        how = (f"killed by {signal.Signals(-child.returncode).name}" if child.returncode < 0
               else f"exit status {child.returncode}")
        raise SystemExit(f"cchc ingest failed ({how}) after {wall:.1f} s; see {log_path}"
                         + (f"; ended the {orphans} processes it left running" if orphans
                            else ""))
    return {"seconds": round(wall, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024),
            "peak_tree_rss_mb": round(sampler.peak / 2**20), "prefect_home_prepared_s": prepared,
            "stages": stage_times(log_path, started_at, wall),
            "statuses": statuses(work / "warehouse" / "cchc.duckdb"),
            "log": os.path.relpath(log_path, ROOT), "stdout_tail": stdout[-400:]}


def prepare_prefect_home(env: dict[str, str]) -> float:
    """Create the temporary Prefect API's database before the measured run; returns seconds.

    A nightly machine creates it once, on its first night: ~10 s of migrations that would
    otherwise be charged to the first benchmark on a fresh clone and to no run after it."""
    started = time.perf_counter()
    subprocess.run([str(Path(sys.executable).with_name("prefect")), "server", "database",
                    "upgrade", "-y"], env=env, check=True, capture_output=True)
    return round(time.perf_counter() - started, 2)


class _TreeRss:
    """Samples the summed RSS of a process and its descendants every 0.1 s."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.process, self.peak, self._done = psutil.Process(pid), 0, threading.Event()
        self.seen: dict[int, psutil.Process] = {}
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        import psutil

        while not self._done.is_set():
            try:
                children = self.process.children(recursive=True)
                self.seen.update((p.pid, p) for p in children)
                tree = [self.process, *children]
                self.peak = max(self.peak, sum(_rss(p) for p in tree))
            except psutil.Error:
                pass
            self._done.wait(0.1)

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def end_orphans(self) -> int:
        """Terminate what the child started and left running when it died (its temporary
        Prefect server); returns how many."""
        import psutil

        alive = [p for p in self.seen.values() if p.is_running()]
        for process in alive:
            process.terminate()
        psutil.wait_procs(alive, timeout=10)
        return len(alive)


def _rss(process) -> int:
    try:
        return process.memory_info().rss
    except Exception:  # the process ended between listing and reading
        return 0


def stage_times(log_path: Path, started_at: datetime, wall: float) -> dict:
    """Seconds per stage from Prefect's INFO log (HH:MM:SS.mmm, local time).

    start-up: process start → "Beginning flow run" (imports, plan, the temporary Prefect
    server); each task stage: end of the previous stage → its last task run finished;
    finish: last load → flow finished (run summary, artifact); exit: → process end.
    """
    marks: dict[str, datetime] = {}
    for line in log_path.read_text(errors="replace").splitlines():
        found = _LOG_LINE.match(line)
        if not found:
            continue
        clock = datetime.combine(started_at.date(), datetime.strptime(found[1], "%H:%M:%S.%f")
                                 .time())
        if clock < started_at - timedelta(seconds=1):
            clock += timedelta(days=1)  # the run went past midnight
        message = found[2]
        if "Beginning flow run" in message:
            marks.setdefault("flow_start", clock)
        elif (task := _TASK_DONE.search(message)) and task[1] in STAGES:
            marks[task[1]] = clock
        elif "Flow run" in message and "Finished in state" in message:
            marks["flow_end"] = clock
    if "flow_start" not in marks:
        return {}
    order = ["flow_start", *(s for s in STAGES if s in marks), "flow_end"]
    times = {"start-up": (marks["flow_start"] - started_at).total_seconds()}
    for before, after in pairwise(order):
        if after in marks:
            times["finish" if after == "flow_end" else after] = (
                marks[after] - marks[before]).total_seconds()
    if "flow_end" in marks:
        times["exit"] = wall - (marks["flow_end"] - started_at).total_seconds()
    return {stage: round(seconds, 2) for stage, seconds in times.items()}


def statuses(db: Path) -> dict[str, int]:
    """Files by submission status in the warehouse."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.execute("SELECT status, count(*) FROM core.submissions GROUP BY ALL "
                                "ORDER BY ALL").fetchall())
    finally:
        con.close()


# --- e: roll-up and summary ------------------------------------------------------------------

def rollup_on(db: Path) -> dict:
    """The roll-up query for the district and period with the most accepted reports."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        district, period, reports = con.execute("""
            SELECT district_code, period, count(*) FROM core.reports WHERE status = 'accepted'
            GROUP BY ALL ORDER BY count(*) DESC, district_code, period LIMIT 1""").fetchone()
    finally:
        con.close()
    timed = synth.time_rollup(db, district, period)
    return {**timed, "reports_in_cell": reports}


def district_summary(work: Path, cell: dict) -> dict:
    """``cchc summary`` when the command exists, else ``summary.build`` in a subprocess."""
    out = work / "summary"
    shutil.rmtree(out, ignore_errors=True)
    db = work / "warehouse" / "cchc.duckdb"
    help_text = subprocess.run([sys.executable, "-m", "cchc.cli", "--help"], cwd=ROOT,
                               capture_output=True, text=True).stdout
    if re.search(r"^\W*summary\b", help_text, re.MULTILINE):
        how = "cchc summary"
        command = [sys.executable, "-m", "cchc.cli", "summary", "--db", str(db), "--district",
                   cell["district"], "--period", cell["period"], "--out", str(out)]
    else:
        how = "summary.build (cchc summary not wired yet)"
        command = [sys.executable, "-c",
                   "import sys, summary; summary.build(sys.argv[1], sys.argv[2], "
                   "district=sys.argv[3], out_dir=sys.argv[4])",
                   str(db), cell["period"], cell["district"], str(out)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        return {"how": how, "ok": False, "error": (done.stderr or done.stdout)[-300:]}
    return {"how": how, "ok": True, "seconds": round(seconds, 2),
            "files": sorted(p.name for p in out.glob("*"))}


# --- targets and reporting -------------------------------------------------------------------

def targets(result: dict) -> list[dict]:
    """Issue 6's targets, each with the measured value and PASS/FAIL."""
    n = result["n"]
    loop_rate = result["bare_loop"]["files_per_s"]
    ingest_rate = n / result["ingest"]["seconds"]
    at_2000 = "" if n >= 2000 else f" (target is set at N=2000; measured at N={n})"
    found = [
        ("extraction per PDF ≤ 1.0× pdfplumber extract_tables() on all its pages",
         result["extraction_vs_baseline"]["ratio"], 1.0, "≤", "×"),
        ("full ingest throughput ≥ 0.8× the bare extraction loop",
         round(ingest_rate / loop_rate, 3), 0.8, "≥", "×"),
        ("no-op rerun ≤ 5 s" + at_2000, result["noop"]["seconds"], 5.0, "≤", " s"),
        ("peak RSS of the ingest (process tree) ≤ 1 GB" + at_2000,
         round(result["ingest"]["peak_tree_rss_mb"] / 1024, 3), 1.0, "≤", " GB"),
        (f"district roll-up ≤ 100 ms on {result['synth']['built']['reports']:,} reports "
         "(median)", result["synth"]["rollup"]["median_ms"], 100.0, "≤", " ms"),
        *((f"{name} ≤ 100 ms on {result['synth']['built']['reports']:,} reports (median)",
           timed["median_ms"], 100.0, "≤", " ms")
          for name, timed in result["synth"].get("reform", {}).items()),
    ]
    return [{"target": name, "measured": value, "limit": limit, "unit": unit.strip(),
             "pass": value <= limit if op == "≤" else value >= limit,
             "margin": round(value / limit, 2)}
            for name, value, limit, op, unit in found]


def table(result: dict) -> str:
    """One run as Markdown."""
    m, loop, base = result["machine"], result["bare_loop"], result["pdfplumber_baseline"]
    ing, noop, versus = result["ingest"], result["noop"], result["extraction_vs_baseline"]
    n = result["n"]
    lines = [
        f"### N = {n} ({result['inbox']['by_kind']}, {result['inbox']['mb']} MB), "
        f"{m['date']}",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, Python {m['python']}, "
        f"{m['os']}; prefect {m['prefect']}, duckdb {m['duckdb']}, pdfplumber "
        f"{m['pdfplumber']}; ingest --workers {result['workers']} (thread runner).",
        "",
        "| measure | wall | files/s | per file | peak RSS | notes |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| a. bare loop `read_report` (1 process) | {loop['seconds']} s | "
        f"{loop['files_per_s']} | {loop['mean_ms']} ms | | "
        + ", ".join(f"{k} {v['mean_ms']} ms" for k, v in loop["by_format"].items()) + " |",
        f"| b. pdfplumber `extract_tables()` all pages ({base['pdfs']} PDFs, {base['pages']} "
        f"pages) | {base['seconds']} s | {round(base['pdfs'] / base['seconds'], 2)} | "
        f"{base['mean_ms_per_pdf']} ms/PDF | | {base['ms_per_page']} ms/page |",
        f"| c. `cchc ingest` | {ing['seconds']} s | {round(n / ing['seconds'], 2)} | "
        f"{_ms(ing['seconds'] / n)} ms | {ing['peak_tree_rss_mb']} MB tree "
        f"({ing['peak_rss_mb']} MB largest process) | {_stages(ing['stages'])}"
        f"{_prepared(ing)}; "
        f"{_statuses(ing['statuses'])} |",
        f"| d. `cchc ingest` again (no-op) | {noop['seconds']} s | | | "
        f"{noop['peak_tree_rss_mb']} MB | \"Nothing new\": {noop['nothing_new']} |",
        _rollup_row("e. `district_rollup` on this warehouse", result["rollup_loaded"]),
        _summary_row(result["summary"]),
        _rollup_row(f"e. `district_rollup` on {result['synth']['built']['reports']:,} "
                    f"synthetic reports ({result['synth']['built']['observations']:,} "
                    f"observations, {result['synth']['built']['size_mb']} MB)",
                    result["synth"]["rollup"]),
        *(_reform_row(name, timed) for name, timed in result["synth"].get("reform", {}).items()),
        *([f"| e. refreshing the stored roll-ups of those {result['synth']['built']['reports']:,}"
           f" reports (what every run does as it finishes) | "
           f"{result['synth']['built']['finish_run_seconds']} s | | | | |"]
          if "finish_run_seconds" in result["synth"]["built"] else []),
        "",
        f"Ratios: our extraction per PDF = **{versus['ratio']}×** pdfplumber's all-page "
        f"extract_tables() (by kind {versus['by_kind']}, median file {versus['median_file_ratio']}"
        f"×, worst {versus['worst_file_ratio']}×); ingest throughput = **"
        f"{round(n / ing['seconds'] / loop['files_per_s'], 3)}×** the bare loop.",
        "",
        "| target | measured | limit | result |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {t['target']} | {t['measured']} {t['unit']} | {t['limit']} {t['unit']} | "
              f"{'PASS' if t['pass'] else 'FAIL'} ({t['margin']}× the limit) |"
              for t in result["targets"]]
    return "\n".join(lines)


def _rollup_row(label: str, rollup: dict) -> str:
    return (f"| {label}: district {rollup['district']}, {rollup['period']} | "
            f"{rollup['median_ms']} ms median of {rollup['runs']} | | | | min "
            f"{rollup['min_ms']} ms, max {rollup['max_ms']} ms; new connection + query "
            f"{rollup['first_query_new_connection_ms']} ms; {rollup['rows']} rows |")


def _reform_row(name: str, timed: dict) -> str:
    return (f"| e. `{name}` on the same warehouse: {timed['where']} | "
            f"{timed['median_ms']} ms median of {timed['runs']} | | | | min "
            f"{timed['min_ms']} ms, max {timed['max_ms']} ms; new connection + query "
            f"{timed['first_query_new_connection_ms']} ms; {timed['rows']} rows |")


def _summary_row(summary: dict) -> str:
    if not summary["ok"]:
        return f"| e. district summary ({summary['how']}) | failed | | | | {summary['error']} |"
    return (f"| e. district summary ({summary['how']}, a process) | {summary['seconds']} s | "
            f"| | | {', '.join(summary['files'])} |")


def _stages(stages: dict) -> str:
    return ", ".join(f"{name} {seconds} s" for name, seconds in stages.items())


def _prepared(ingest_run: dict) -> str:
    seconds = ingest_run.get("prefect_home_prepared_s")
    return f" (Prefect's database created beforehand in {seconds} s)" if seconds else ""


def _statuses(statuses: dict) -> str:
    return ", ".join(f"{status} {n}" for status, n in sorted(statuses.items()))


def markdown(runs: dict) -> str:
    head = ["# cchc benchmark", "",
            "Written by `make bench-night` (`python -m bench.run`); one section per N, the latest "
            "run of each. Method and targets: bench/run.py; raw numbers: bench/results.json.", ""]
    return "\n".join(head + [table(runs[key]) + "\n" for key in sorted(runs, key=int)])


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    ram = next((int(line.split()[1]) * 1024 for line in
                Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(ram / GB, 1),
            "python": platform.python_version(), "os": f"{platform.system()} "
            f"{platform.release()}", "date": datetime.now().isoformat(timespec="minutes"),
            **{name: version(name) for name in ("prefect", "duckdb", "pdfplumber")}}


def _merge(result: dict) -> dict:
    runs = {}
    if RESULTS_JSON.is_file():
        try:
            runs = json.loads(RESULTS_JSON.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            runs = {}
    runs[str(result["n"])] = result
    return runs


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _say(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


if __name__ == "__main__":
    main()
