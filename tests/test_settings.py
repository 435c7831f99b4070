"""Settings: flag > environment > file > default, and bad values refused with their place."""

from pathlib import Path

import pytest

from cchc.settings import Settings, SettingsError, load_settings
from tests.shipped import TEMPLATE


def test_precedence(tmp_path, monkeypatch):
    config = tmp_path / "cchc.toml"
    config.write_text('db = "file.duckdb"\ninbox = "file-inbox"\nworkers = 3\n'
                      '[deadlines]\n"2024-9M" = "2024-09-25"\n', encoding="utf-8")
    monkeypatch.setenv("CCHC_DB", "env.duckdb")
    monkeypatch.setenv("CCHC_WORKERS", "4")
    settings = load_settings(config, workers=5, archive=None)
    assert settings.db == Path("env.duckdb")          # environment over file
    assert settings.inbox == Path("file-inbox")       # file over default
    assert settings.workers == 5                      # flag over environment
    assert settings.archive == Settings().archive     # a flag not given changes nothing
    assert settings.deadlines == {"2024-9M": "2024-09-25"}


def test_default_file_in_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CCHC_CONFIG", raising=False)
    (tmp_path / "cchc.toml").write_text('archive = "kho"\n', encoding="utf-8")
    assert load_settings().archive == Path("kho")


@pytest.mark.parametrize(("text", "message"), [
    ("colour = 1\n", "unknown settings ['colour']"),
    ("workers = 0\n", "workers: must be at least 1, not 0"),
    ('workers = "many"\n', "workers: 'many' is not a whole number"),
    ("db = \n", "not valid TOML"),
    ('runner = "spark"\n', "runner: unknown runner 'spark'; use one of thread, dask"),
])
def test_bad_settings_are_refused(tmp_path, text, message):
    config = tmp_path / "cchc.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_settings(config)


def test_the_rules_file_is_a_setting(tmp_path, monkeypatch):
    monkeypatch.delenv("CCHC_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    assert load_settings().rules is None  # the shipped reference/rules.yaml
    monkeypatch.setenv("CCHC_RULES", "district/rules.yaml")
    assert load_settings().rules == Path("district/rules.yaml")
    assert load_settings(rules=Path("mine.yaml")).rules == Path("mine.yaml")


def test_validate_checks_with_the_rules_setting(tmp_path, monkeypatch):
    """A district's copy of the rules that drops the rule the planted error breaks."""
    import subprocess
    import sys

    import yaml


    seed = Path(__file__).parent / "fixtures" / "seed" / "000_2efa1e083bc69a65.txt"
    bad = tmp_path / "bad.txt"
    bad.write_text(seed.read_text(encoding="utf-8").replace(
        "1.1.2 Số nhiệm vụ đã hoàn thành Nhiệm vụ 18",
        "1.1.2 Số nhiệm vụ đã hoàn thành Nhiệm vụ 38"), encoding="utf-8")
    document = yaml.safe_load(TEMPLATE.rules_path.read_text(encoding="utf-8"))
    document["rules"] = [r for r in document["rules"] if r["name"] != "completed_le_planned"]
    copy = tmp_path / "rules.yaml"
    copy.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    command = [sys.executable, "-m", "cchc.cli", "validate", str(bad), "--json"]
    shipped = subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=tmp_path)
    district = subprocess.run([*command, "--rules", str(copy)], capture_output=True, text=True,
                              timeout=180, cwd=tmp_path)
    assert (shipped.returncode, district.returncode) == (1, 0), district.stderr


def test_every_setting_reaches_the_night(tmp_path):
    """`cchc serve` hands the deployment every setting, not a hand-picked few (the province
    was once dropped): each field set away from its default comes back from the parameters."""
    from dataclasses import fields
    from datetime import date

    from cchc.settings import from_values, to_values

    given = Settings(
        inbox=tmp_path / "in", db=tmp_path / "w.duckdb", archive=tmp_path / "a",
        docs=tmp_path / "d", workers=3, runner="dask", address="tcp://10.0.0.2:8786",
        rules=tmp_path / "rules.yaml", cron="5 2 * * *", timezone="UTC",
        deadlines={"2024-9M": "2024-09-25"}, province="68",
        mailbox="imaps://cchc@mail.example.vn:993/INBOX",
        mailbox_password_file=tmp_path / "pw", mailbox_ca=tmp_path / "ca.pem",
        mailbox_move_to="Done", mailbox_since=date(2025, 7, 1), replies="dry-run",
        smtp="smtps://cchc@mail.example.vn:465", smtp_password_file=tmp_path / "spw",
        smtp_ca=tmp_path / "sca.pem", reply_from="noivu@example.vn", outbox=tmp_path / "o",
        remind_days=5, behind_proxy=True)
    unchanged = [f.name for f in fields(Settings) if getattr(given, f.name) == getattr(
        Settings(), f.name)]
    assert unchanged == []  # the test sets every field, so a new one must be added here
    assert from_values(to_values(given), "test") == given


def test_archive_and_docs_default_beside_the_warehouse(tmp_path, monkeypatch):
    monkeypatch.delenv("CCHC_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(db=Path("/srv/cchc/cchc.duckdb"))
    assert (settings.archive, settings.docs, settings.outbox) == (
        Path("/srv/cchc/archive"), Path("/srv/cchc/docs-gx"), Path("/srv/cchc/outbox"))
