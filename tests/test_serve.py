"""The nightly deployment on a real Prefect server: registered, scheduled, and its scheduled
run ingests the inbox. (The temporary API of a plain flow call has no scheduler.)"""

import configparser
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.ingest_inbox import build_inbox
from tests.prefect_server import api, running_server

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def prefect_server(tmp_path):
    with running_server(tmp_path / "prefect") as server:
        yield server


def test_scheduled_run_ingests_the_inbox(tmp_path, prefect_server):
    """Served from a checkout with the same settings as ingest takes, as flags: the night
    writes where they say, nothing into the checkout, and its summary is on the deployment's
    own flow run."""
    url, env = prefect_server
    build_inbox(tmp_path / "inbox")
    db, archive, docs = tmp_path / "cchc.duckdb", tmp_path / "archive", tmp_path / "docs"
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    # Every minute instead of 01:00, so the test sees a scheduled run within a minute or two.
    env = {**env, "PREFECT_API_URL": url, "CCHC_CRON": "* * * * *"}
    serve = subprocess.Popen([sys.executable, "-m", "cchc.cli", "serve", str(tmp_path / "inbox"),
                              "--db", str(db), "--archive", str(archive), "--docs", str(docs),
                              "--workers", "1"], env=env, cwd=checkout,
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
    parameters = completed[0]["parameters"]["settings"]
    assert (parameters["db"], parameters["archive"], parameters["docs"], parameters["workers"]) \
        == (str(db.resolve()), str(archive.resolve()), str(docs.resolve()), 1)
    assert list(checkout.iterdir()) == []
    assert any(archive.rglob("*.pdf")) and any(docs.rglob("index.html"))
    artifacts = api(url, "/artifacts/filter", {"artifacts": {
        "flow_run_id": {"any_": [completed[0]["id"]]}}})
    assert [a["key"] for a in artifacts] == ["cchc-run-summary"]
    assert artifacts[0]["data"].startswith("# Lần nạp ")
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


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / "deploy" / "systemd" / name, encoding="utf-8")
    return parser


def test_the_systemd_units_start_the_server_then_serve_with_its_settings():
    server, serve = _unit("cchc-prefect-server.service"), _unit("cchc-serve.service")
    assert "prefect server start" in server["Service"]["ExecStart"]
    assert serve["Unit"]["After"] == serve["Unit"]["Requires"] == "cchc-prefect-server.service"
    command = serve["Service"]["ExecStart"].replace("\\\n", " ").split()
    assert command[1] == "serve"
    assert {"--db", "--archive", "--docs"} <= set(command)
    for name in ("cchc-prefect-server.service", "cchc-serve.service"):
        lines = (ROOT / "deploy" / "systemd" / name).read_text(encoding="utf-8").splitlines()
        assert "Environment=PREFECT_SERVER_ANALYTICS_ENABLED=false" in lines


def test_the_readme_server_line_turns_telemetry_off():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ("PREFECT_SERVER_ANALYTICS_ENABLED=false \\\n    .venv/bin/prefect server start"
            in readme)
