"""The same inbox ingested by the default thread runner, by Dask worker processes of a
LocalCluster, and by a Dask cluster started as the README says (``dask scheduler``, ``dask
worker``, ``--address``) gives the same warehouse: statuses, figures, issues and roll-ups.

Dask workers are other processes, so they report their task runs to a real Prefect server on
loopback (a temporary API would be started per worker otherwise); the test checks that every
extract task run of both flows reached it. Each ingest is a ``cchc ingest`` child process, as
the command line runs it (with its progress bar, which must not travel to the workers), which
also keeps the Prefect clients of this process off a server the module stops.
"""

import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from cchc.flows import steps
from cchc.flows.inbox import archive, discover
from cchc.flows.runners import RunnerError, task_runner
from cchc.settings import Settings
from tests.ingest_inbox import EXPECTED, build_inbox
from tests.prefect_server import api, free_port, running_server

# One query per thing that must match; run ids, timestamps and archive paths differ by design.
SAME = {
    "submissions": """SELECT file_name, sha256, size, status, reason, report_id, duplicate_of
                      FROM core.submissions ORDER BY file_name""",
    "files": "SELECT sha256, size, format FROM core.files ORDER BY sha256",
    "reports": """SELECT report_id, commune_code, district_code, province_code, period,
                         period_start, period_end, cumulative, report_date, doc_number, format,
                         status, superseded_by
                  FROM core.reports ORDER BY report_id""",
    "observations": """SELECT report_id, code, value, raw, unit, page, sheet, cell, line, present
                       FROM core.observations ORDER BY report_id, code""",
    "issues": """SELECT report_id, submission_id, rule, severity, codes, message
                 FROM core.issues ORDER BY ALL""",
    "district_rollup": """SELECT * EXCLUDE (by_code), to_json(by_code) AS by_code
                          FROM district_rollup ORDER BY district_code, period, position""",
    "province_rollup": """SELECT * EXCLUDE (by_code), to_json(by_code) AS by_code
                          FROM province_rollup ORDER BY province_code, period, position""",
}


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    """A real Prefect server on loopback with its own PREFECT_HOME; (api url, home)."""
    home = tmp_path_factory.mktemp("prefect_home")
    with running_server(home) as (url, _):
        yield url, home


@contextmanager
def dask_cluster(env: dict[str, str]) -> Iterator[str]:
    """A scheduler and a worker (two single-threaded processes) started by Dask's own command
    line, as a province starts them on its machines; the scheduler's address."""
    port = free_port()
    started = [subprocess.Popen([Path(sys.executable).with_name("dask"), *args], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for args in (["scheduler", "--host", "127.0.0.1", "--port", str(port),
                             "--dashboard-address", ":0"],
                            ["worker", f"tcp://127.0.0.1:{port}", "--nthreads", "1",
                             "--nworkers", "2", "--dashboard-address", ":0"])]
    try:
        yield f"tcp://127.0.0.1:{port}"
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory, prefect_server):
    """The inbox ingested by each runner, each into its own warehouse and archive;
    (api url, {"thread" | "dask" | "cluster": (settings, stderr)})."""
    url, home = prefect_server
    tmp = tmp_path_factory.mktemp("dask_runner")
    inbox = build_inbox(tmp / "inbox")
    env = {**os.environ, "PREFECT_API_URL": url, "PREFECT_HOME": str(home),
           "PREFECT_LOGGING_LEVEL": "INFO", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    results = {}
    with dask_cluster(env) as address:
        for kind, options in (("thread", ["--runner", "thread"]), ("dask", ["--runner", "dask"]),
                              ("cluster", ["--runner", "dask", "--address", address])):
            settings = Settings(inbox=inbox, db=tmp / kind / "cchc.duckdb",
                                archive=tmp / kind / "archive", docs=tmp / kind / "docs")
            done = subprocess.run(
                [sys.executable, "-m", "cchc.cli", "ingest", str(inbox), "--db",
                 str(settings.db), "--archive", str(settings.archive), "--docs",
                 str(settings.docs), "--workers", "2", *options],
                env=env, cwd=tmp, capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, f"{kind}: {done.stderr[-3000:]}"
            results[kind] = (settings, done.stderr)
    return url, results


def test_each_run_used_its_runner(warehouses):
    _, results = warehouses
    assert "Dask cluster" not in results["thread"][1]
    assert "Creating a new Dask cluster with `distributed.deploy.local.LocalCluster`" in (
        results["dask"][1])
    assert "Connecting to an existing Dask cluster" in results["cluster"][1]


def test_every_run_ends_every_file_with_its_status(warehouses):
    _, results = warehouses
    for settings, _ in results.values():
        con = duckdb.connect(str(settings.db), read_only=True)
        try:
            statuses = dict(con.execute("SELECT file_name, status FROM submissions").fetchall())
        finally:
            con.close()
        assert statuses == EXPECTED


@pytest.mark.parametrize("what", sorted(SAME))
def test_the_warehouses_are_identical(warehouses, what):
    _, results = warehouses
    found = {}
    for kind, (settings, _) in results.items():
        con = duckdb.connect(str(settings.db), read_only=True)
        try:
            found[kind] = con.execute(SAME[what]).fetchall()
        finally:
            con.close()
    assert found["thread"], f"{what}: nothing to compare"
    assert found["dask"] == found["thread"]
    assert found["cluster"] == found["thread"]


def test_every_task_run_reached_the_real_server(warehouses):
    """Every flow run, and every extract task run of each (run in a Dask worker process for
    the last two), are on the loopback server, completed."""
    url, results = warehouses
    ingests = api(url, "/flow_runs/filter", {
        "flows": {"name": {"any_": ["nightly_ingest"]}}, "sort": "START_TIME_ASC"})
    assert [run["state_type"] for run in ingests] == ["COMPLETED"] * 3
    fresh = len(_shas(results["thread"][0].db))
    for run in ingests:
        task_runs = api(url, "/task_runs/filter", {
            "flow_runs": {"id": {"any_": [run["id"]]}}, "limit": 200})
        extracts = [t for t in task_runs if t["name"].startswith("extract")]
        assert len(extracts) == fresh
        assert {t["state_type"] for t in extracts} == {"COMPLETED"}


def _shas(db: Path) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [row[0] for row in con.execute("SELECT sha256 FROM core.files").fetchall()]
    finally:
        con.close()


def test_what_crosses_to_a_worker_pickles_whole(tmp_path):
    """A task's input (Received) and output (Extracted: Report, claims, or a reason) go
    between processes by pickle: every kind of file in the inbox comes back equal."""
    inbox = build_inbox(tmp_path / "inbox")
    for candidate in discover(inbox):
        received = archive(candidate, tmp_path / "archive")
        extracted = steps.extract(received)
        assert pickle.loads(pickle.dumps(received)) == received
        assert pickle.loads(pickle.dumps(extracted)) == extracted


def test_the_thread_runner_is_the_default():
    from prefect.task_runners import ThreadPoolTaskRunner

    runner = task_runner()
    assert isinstance(runner, ThreadPoolTaskRunner) and runner._max_workers == 2


@pytest.mark.parametrize(("kind", "address", "says"), [
    ("spark", None, "unknown runner 'spark'"),
    ("thread", "tcp://10.0.0.5:8786", "is for the dask runner"),
])
def test_a_runner_that_cannot_be_used_says_why(kind, address, says):
    with pytest.raises(RunnerError, match=says):
        task_runner(kind, 2, address)


def test_the_dask_runner_needs_a_prefect_server(monkeypatch):
    from prefect.settings import temporary_settings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with temporary_settings(updates={"api.url": None}), \
            pytest.raises(RunnerError, match="prefect server start"):
        task_runner("dask", 2)


def test_an_existing_cluster_is_addressed_as_given(monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    assert task_runner("dask", 2, "tcp://10.0.0.5:8786").address == "tcp://10.0.0.5:8786"
    assert task_runner("dask", 2, "10.0.0.5").address == "tcp://10.0.0.5:8786"
