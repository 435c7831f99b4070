"""Refresh ``transforms/vendor/datadocs/``: the scripts, styles and fonts Data Docs pull from CDNs.

Great Expectations writes its Data Docs pages with <script> and <link> tags pointing at public
CDNs (jQuery, Bootstrap, bootstrap-table, Font Awesome, Vega). The district office's machine is
often offline, and then the index lists nothing (its table is drawn by bootstrap-table) and every
page is unstyled. Each of those files is published on the npm registry, so this script takes them
from there, at the versions ``assets.csv`` pins, with each package's licence; the runtime only
copies the committed files (``cchc.transforms.data_docs``). Run it from the repository root when
Great Expectations starts pulling another file or version (the Data Docs test names it):

    python scripts/fetch_datadocs_assets.py
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "transforms" / "vendor" / "datadocs"
LICENCE_NAMES = ("LICENSE", "LICENSE.txt", "LICENSE.md")


def main() -> int:
    with (VENDOR / "assets.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with tempfile.TemporaryDirectory() as tmp:
        packages = {row["package"] for row in rows}
        unpacked = {package: _unpack(package, Path(tmp)) for package in packages}
        for row in rows:
            target = VENDOR / row["local"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(unpacked[row["package"]] / row["file"], target)
        for package, root in unpacked.items():
            licence = next((root / n for n in LICENCE_NAMES if (root / n).is_file()), None)
            name = package.rsplit("@", 1)[0].lstrip("@").replace("/", "-")
            (VENDOR / "licenses").mkdir(exist_ok=True)
            text = licence.read_text(encoding="utf-8") if licence else _licence_field(root)
            (VENDOR / "licenses" / f"{name}.txt").write_text(text, encoding="utf-8")
    print(f"{len(rows)} files from {len(unpacked)} npm packages into {VENDOR}")
    return 0


def _unpack(package: str, tmp: Path) -> Path:
    """``npm pack`` the package into ``tmp`` and return its unpacked ``package/`` folder."""
    out = subprocess.run(["npm", "pack", "--silent", package], cwd=tmp, check=True,
                         capture_output=True, text=True).stdout.split()[-1]
    folder = tmp / out.removesuffix(".tgz")
    with tarfile.open(tmp / out) as archive:
        archive.extractall(folder, filter="data")
    return folder / "package"


def _licence_field(root: Path) -> str:
    """The licence a package declares in package.json, for the few that ship no licence file."""
    import json

    meta = json.loads((root / "package.json").read_text(encoding="utf-8"))
    return f"{meta['name']} {meta['version']}: licence {meta.get('license')} (from package.json)\n"


if __name__ == "__main__":
    sys.exit(main())
