"""The nightly deployment on a real Prefect server: registered, scheduled, and its scheduled
run ingests the inbox. (The temporary API of a plain flow call has no scheduler.)"""

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.ingest_inbox import build_inbox
from tests.prefect_server import api, running_server


@pytest.fixture
def prefect_server(tmp_path):
    with running_server(tmp_path / "prefect") as server:
        yield server


def test_scheduled_run_ingests_the_inbox(tmp_path, prefect_server):
    url, env = prefect_server
    build_inbox(tmp_path / "inbox")
    db = tmp_path / "cchc.duckdb"
    # Every minute instead of 01:00, so the test sees a scheduled run within a minute or two.
    env = {**env, "PREFECT_API_URL": url, "CCHC_CRON": "* * * * *",
           "CCHC_ARCHIVE": str(tmp_path / "archive"), "CCHC_DOCS": str(tmp_path / "docs")}
    serve = subprocess.Popen([sys.executable, "-m", "cchc.cli", "serve", str(tmp_path / "inbox"),
                              "--db", str(db)], env=env, cwd=tmp_path,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        runs = []
        while not [r for r in runs if r["state_type"] == "COMPLETED"]:
            assert serve.poll() is None, serve.stderr.read()
            assert time.monotonic() < deadline, f"no scheduled run completed: {runs}"
            time.sleep(2)
            runs = api(url, "/flow_runs/filter", {"flow_runs": {"deployment_id": {
                "is_null_": False}}})
        deployment = api(url, "/deployments/filter", {})[0]
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    assert deployment["name"] == "nightly"
    schedule = deployment["schedules"][0]["schedule"]
    assert (schedule["cron"], schedule["timezone"]) == ("* * * * *", "Asia/Ho_Chi_Minh")
    completed = [r for r in runs if r["state_type"] == "COMPLETED"]
    assert completed[0]["auto_scheduled"] is True
    assert completed[0]["parameters"]["db"] == str(db.resolve())
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM submissions").fetchone()[0] == 10
    finally:
        con.close()


def test_default_schedule_is_one_in_the_morning_in_vietnam():
    from cchc.settings import Settings

    assert (Settings().cron, Settings().timezone) == ("0 1 * * *", "Asia/Ho_Chi_Minh")


def test_serve_without_a_server_says_how_to_start_one(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    result = subprocess.run([sys.executable, "-m", "cchc.cli", "serve", str(tmp_path)],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "cchc serve needs a Prefect server" in result.stderr
    assert "prefect server start" in result.stderr
    assert Path(tmp_path).exists()
