"""Every setting a command takes reaches it: flags, variables and cchc.toml go through one
bundle (cchc/cli_options.py), so ingest, reprocess and serve cannot drift apart again."""

from pathlib import Path

import typer
from typer.testing import CliRunner

from cchc.cli import app
from cchc.cli_options import RUN_SETTINGS, SETTING_OPTIONS, with_settings

FLAGS = {name: f"--{name.replace('_', '-')}" for name in SETTING_OPTIONS}
GIVEN = {"db": "w.duckdb", "archive": "kho", "docs": "gx", "workers": "3", "runner": "dask",
         "address": "tcp://10.0.0.2:8786", "province": "68", "rules": "r.yaml",
         "mailbox": "imaps://cchc@mail.example.vn:993/INBOX"}


def test_the_run_commands_take_every_run_setting():
    for command in ("ingest", "reprocess", "serve"):
        result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        missing = [FLAGS[name] for name in RUN_SETTINGS if FLAGS[name] not in result.output]
        assert missing == [], command


def test_each_flag_reaches_the_settings(tmp_path, monkeypatch):
    """A command built with the bundle is handed each flag's value, typed."""
    monkeypatch.chdir(tmp_path)
    seen = {}
    probe = typer.Typer()

    @probe.command()
    @with_settings("inbox", *GIVEN, "behind_proxy")
    def show(settings) -> None:
        seen["settings"] = settings

    arguments = ["in"] + [part for name, value in GIVEN.items()
                          for part in (FLAGS[name], value)] + ["--behind-proxy"]
    result = CliRunner().invoke(probe, arguments)
    assert result.exit_code == 0, result.output
    settings = seen["settings"]
    assert settings.inbox == Path("in") and settings.behind_proxy is True
    assert {name: str(getattr(settings, name)) for name in GIVEN} == GIVEN


def test_the_settings_file_and_the_environment_reach_a_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CCHC_DB", raising=False)
    (tmp_path / "cchc.toml").write_text('db = "from-file.duckdb"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 2 and "from-file.duckdb" in result.output
    monkeypatch.setenv("CCHC_DB", str(tmp_path / "from-env.duckdb"))
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 2 and "from-env.duckdb" in result.output
    result = CliRunner().invoke(app, ["status", "--db", "from-flag.duckdb"])
    assert result.exit_code == 2 and "from-flag.duckdb" in result.output
