"""Crash safety and concurrency of the ingest, with real processes.

A SIGKILL at any point leaves a consistent warehouse and the next run finishes the work; a
second ingest while one runs stops with a clear message; analysts' queries work meanwhile.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from cchc.flows.inbox import run_lock
from tests.ingest_inbox import EXPECTED, build_inbox

CCHC = [sys.executable, "-m", "cchc.cli"]


def ingest_command(tmp_path: Path) -> list[str]:
    return [*CCHC, "ingest", str(tmp_path / "inbox"), "--db", str(tmp_path / "cchc.duckdb"),
            "--archive", str(tmp_path / "archive"), "--docs", str(tmp_path / "docs")]


def start(tmp_path: Path) -> subprocess.Popen:
    """The ingest in a process group of its own, so that a kill reaches the temporary Prefect
    API it starts as well (as a crash of the machine or of the job's cgroup would)."""
    return subprocess.Popen(ingest_command(tmp_path), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def wait_for(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the ingest never reached the point to kill it at"
        time.sleep(0.02)


def kill(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def check_invariants(db: Path) -> None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        per_file = con.execute("SELECT file_name, count(*) FROM submissions GROUP BY file_name"
                               ).fetchall()
        assert dict(per_file) == dict.fromkeys(EXPECTED, 1)
        assert dict(con.execute("SELECT file_name, status FROM submissions").fetchall()) \
            == EXPECTED
        orphans = con.execute("SELECT count(*) FROM core.observations o LEFT JOIN core.reports "
                              "r USING (report_id) WHERE r.report_id IS NULL").fetchone()[0]
        assert orphans == 0
        reports_without_rows = con.execute(
            "SELECT count(*) FROM core.reports r WHERE NOT EXISTS (SELECT 1 FROM "
            "core.observations o WHERE o.report_id = r.report_id)").fetchone()[0]
        assert reports_without_rows == 0
        mismatch = con.execute("""
            SELECT count(*) FROM district_rollup d
            JOIN (SELECT district_code, period, code, sum(value) AS total FROM observations
                  GROUP BY ALL) o USING (district_code, period, code)
            WHERE d.aggregation = 'sum' AND d.value IS DISTINCT FROM o.total""").fetchone()[0]
        assert mismatch == 0
    finally:
        con.close()


def test_sigkill_at_several_points_then_rerun_completes(tmp_path):
    build_inbox(tmp_path / "inbox")
    db = tmp_path / "cchc.duckdb"
    points = [
        lambda: True,  # at once: before anything is written
        lambda: (tmp_path / "archive").exists() and any((tmp_path / "archive").rglob("*.*")),
        lambda: (tmp_path / "docs").exists(),  # validated: the loads are under way
    ]
    for point in points:
        process = start(tmp_path)
        wait_for(lambda p=point, proc=process: p() or proc.poll() is not None)
        kill(process)
    final = subprocess.run(ingest_command(tmp_path), capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    check_invariants(db)
    again = subprocess.run(ingest_command(tmp_path), capture_output=True, text=True, timeout=300)
    assert "Không có tệp mới trong hộp thư (10 tệp đã nhận từ trước)." in again.stdout
    check_invariants(db)


# The ingest, killed by itself at one exact point: inside finish_run, once the run is marked
# finished and before the roll-ups are refreshed (a point too brief to hit from outside).
KILLED_BEFORE_ROLLUPS = """
import os, signal, sys
from cchc.warehouse import runs
runs.refresh_rollups = lambda con: os.kill(os.getpid(), signal.SIGKILL)
from cchc.cli import main
sys.argv[0] = "cchc"
main()
"""


def test_sigkill_between_finishing_the_run_and_its_rollups(tmp_path):
    build_inbox(tmp_path / "inbox")
    db = tmp_path / "cchc.duckdb"
    command = [sys.executable, "-c", KILLED_BEFORE_ROLLUPS, *ingest_command(tmp_path)[3:]]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    process.wait(timeout=300)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # its temporary Prefect API
    assert process.returncode == -signal.SIGKILL, process.stderr.read()
    quiet = subprocess.run(ingest_command(tmp_path), capture_output=True, text=True, timeout=300)
    assert "Không có tệp mới trong hộp thư (10 tệp đã nhận từ trước)." in quiet.stdout, \
        quiet.stderr
    check_invariants(db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        statuses = [row[0] for row in con.execute(
            "SELECT status FROM core.runs WHERE n_new > 0 OR status <> 'finished'").fetchall()]
    finally:
        con.close()
    assert statuses == ["failed"]  # the killed run never counted as finished


def test_second_ingest_is_told_one_is_running(tmp_path):
    build_inbox(tmp_path / "inbox")
    with run_lock(tmp_path / "cchc.duckdb"):
        result = subprocess.run(ingest_command(tmp_path), capture_output=True, text=True,
                                timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith(f"cchc: {tmp_path / 'cchc.duckdb'}: an ingest is already "
                                    f"running (pid {os.getpid()}, started ")
    assert result.stderr.count("\n") == 1


def test_queries_work_while_the_night_runs(tmp_path):
    build_inbox(tmp_path / "inbox")
    db = tmp_path / "cchc.duckdb"
    first = subprocess.run(ingest_command(tmp_path), capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    for extra in ("a", "b", "c"):  # more to load, so the second run writes for a while
        build_inbox(tmp_path / "inbox" / extra)
    process = start(tmp_path)
    answers = []
    while process.poll() is None:
        result = subprocess.run([*CCHC, "query", "SELECT count(*) AS n FROM submissions",
                                 "--db", str(db), "--format", "csv"],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        answers.append(int(result.stdout.splitlines()[1]))
    assert process.returncode == 0, process.stderr.read()
    assert len(answers) >= 2
    assert answers == sorted(answers) and answers[0] >= len(EXPECTED)
