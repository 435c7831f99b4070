"""The installed package has one top-level name, cchc, and carries its reference data.

PyPI already has packages called flows, transforms, extractors and summary; installing our
folders under those names would break whichever of the two was installed second.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_installs_everything_under_the_cchc_name(tmp_path: Path) -> None:
    # Built from a copy: setuptools leaves build/ and *.egg-info in the tree it builds.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "tests", "bench", "demo", "build", "*.egg-info", "*.duckdb*"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), str(source)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("cchc-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.startswith("cchc-")}
    assert top == {"cchc"}
    for data in ("cchc/reference/indicators.yaml", "cchc/reference/rules.yaml",
                 "cchc/reference/admin_units.csv", "cchc/warehouse/views.sql",
                 "cchc/flows/nightly.py", "cchc/extractors/pdf_report.py",
                 "cchc/templates/_table.html", "cchc/summary/templates/summary.html",
                 "cchc/web/templates/base.html",
                 "cchc/transforms/vendor/datadocs/jquery/jquery.min.js",
                 "cchc/transforms/vendor/datadocs/fontawesome/webfonts/fa-solid-900.woff2"):
        assert data in names
