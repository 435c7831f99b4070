"""Docs that tests keep true: every command has help and a line in the README."""

from pathlib import Path

import typer.main

from cchc.cli import app

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def commands() -> dict:
    return typer.main.get_command(app).commands


def test_every_command_is_in_the_readme_with_help():
    names = sorted(commands())
    assert {"extract", "validate", "ingest", "status", "query", "serve"} <= set(names)
    for name, command in commands().items():
        assert f"`cchc {name}" in README, f"README lacks cchc {name}"
        assert command.help and len(command.help) > 20, f"cchc {name} has no help"


def test_every_setting_is_documented():
    from dataclasses import fields

    from cchc.settings import Settings

    for field in fields(Settings):
        assert f"`{field.name}`" in README
        if field.name != "deadlines":  # a table: settings file only
            assert f"CCHC_{field.name.upper()}" in README
