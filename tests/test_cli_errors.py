"""Bad input reaches a person as one line and exit status 2, never as a traceback.

Each case is an error that library code once raised as a bare ValueError, KeyError or
FileNotFoundError, which escaped the command line's error boundary.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cchc.cli import app
from cchc.errors import ReferenceDataError
from cchc.transforms import admin_units

SEED = Path(__file__).parent / "fixtures" / "seed" / "000_2efa1e083bc69a65.txt"


def test_status_with_a_bad_period_key_is_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "cchc.cli", "status", "--period", "Q1",
                             "--db", str(tmp_path / "cchc.duckdb")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr == ("cchc: 'Q1' không phải mã kỳ báo cáo; các mã được nhận: YYYY-Q1, "
                             "YYYY-Q2, YYYY-Q3, YYYY-Q4 (quý), YYYY-H1 (6 tháng đầu năm), YYYY-9M "
                             "(9 tháng đầu năm), YYYY-FY (cả năm)\n")


@pytest.fixture
def reference_at(monkeypatch):
    """Point one of the administrative reference files (``CSV_PATH``, ``LINEAGE_PATH``,
    ``MAPS_PATH``) at another path for one test, caches cleared around it."""
    caches = (admin_units._all, admin_units._by_code, admin_units._by_name, admin_units.maps,
              admin_units._lineage, admin_units._lineage_by)

    def point(name: str, path: Path) -> None:
        monkeypatch.setattr(admin_units, name, path)
        for cached in caches:
            cached.cache_clear()

    yield point
    monkeypatch.undo()
    for cached in caches:
        cached.cache_clear()


@pytest.fixture
def units_from(reference_at):
    """Point the administrative units at another CSV for one test."""
    return lambda path: reference_at("CSV_PATH", path)


REBUILD = ("regenerate it with `pip install vietnam-provinces==0.6.0 && pip install --no-deps "
           "vietnamadminunits==1.0.4 && python scripts/build_admin_units.py`")


@pytest.mark.parametrize(("name", "file_name"), [("CSV_PATH", "admin_units.csv"),
                                                 ("MAPS_PATH", "admin_maps.yaml")])
def test_missing_reference_file_is_one_line(tmp_path, reference_at, name, file_name):
    missing = tmp_path / file_name
    reference_at(name, missing)
    result = CliRunner().invoke(app, ["extract", str(SEED)])
    assert result.exit_code == 2, result.exception
    assert result.stderr == f"cchc: {missing} is missing; {REBUILD}\n"


def test_missing_lineage_file_is_a_reference_error(tmp_path, reference_at):
    """The lineage is read by the roll-ups across the reform, not by ``extract``."""
    missing = tmp_path / "admin_lineage.csv"
    reference_at("LINEAGE_PATH", missing)
    with pytest.raises(ReferenceDataError, match=f"^{re.escape(str(missing))} is missing; "):
        admin_units.successors("15865")


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
