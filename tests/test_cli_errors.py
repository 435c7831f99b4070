"""Bad input reaches a person as one line and exit status 2, never as a traceback.

Each case is an error that library code once raised as a bare ValueError, KeyError or
FileNotFoundError, which escaped the command line's error boundary.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cchc.cli import app
from cchc.transforms import admin_units

SEED = Path(__file__).parent / "fixtures" / "seed" / "000_2efa1e083bc69a65.txt"


def test_status_with_a_bad_period_key_is_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "cchc.cli", "status", "--period", "Q1",
                             "--db", str(tmp_path / "cchc.duckdb")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr == ("cchc: 'Q1' is not a period key; accepted: YYYY-Q1, YYYY-Q2, "
                             "YYYY-Q3, YYYY-Q4 (quý), YYYY-H1 (6 tháng đầu năm), YYYY-9M "
                             "(9 tháng đầu năm), YYYY-FY (cả năm)\n")


@pytest.fixture
def units_from(monkeypatch):
    """Point the administrative units at another CSV for one test, caches cleared around it."""
    caches = (admin_units._all, admin_units._by_code, admin_units._by_name)

    def point(path: Path) -> None:
        monkeypatch.setattr(admin_units, "CSV_PATH", path)
        for cached in caches:
            cached.cache_clear()

    yield point
    monkeypatch.undo()
    for cached in caches:
        cached.cache_clear()


def test_missing_admin_units_file_is_one_line(tmp_path, units_from):
    missing = tmp_path / "admin_units.csv"
    units_from(missing)
    result = CliRunner().invoke(app, ["extract", str(SEED)])
    assert result.exit_code == 2, result.exception
    assert result.stderr == (f"cchc: {missing} is missing; regenerate it with `pip install "
                             "vietnam-provinces==0.6.0 && pip install --no-deps "
                             "vietnamadminunits==1.0.4 && python scripts/build_admin_units.py`\n")


def test_unit_missing_from_the_registry_is_one_line(tmp_path, units_from):
    """A registry whose commune names a district it does not hold (Huyện Hoằng Hóa, 399)."""
    text = admin_units.CSV_PATH.read_text(encoding="utf-8")
    broken = tmp_path / "admin_units.csv"
    kept = (line for line in text.splitlines(keepends=True)
            if not line.startswith("legacy,399,Huyện Hoằng Hóa,"))
    broken.write_text("".join(kept), encoding="utf-8")
    units_from(broken)
    result = CliRunner().invoke(app, ["extract", str(SEED)])
    assert result.exit_code == 2, result.exception
    assert result.stderr == ("cchc: administrative unit code '399' is unknown "
                             "(level='district', admin_map='legacy')\n")
