"""Great Expectations Data Docs that work offline.

GX writes its pages with <script> and <link> tags that point at public CDNs: offline, the index
lists no validation at all (bootstrap-table draws that table from JavaScript) and every page is
unstyled. The district office is often offline, so after GX has built the pages, ``make_offline``
copies the same files, shipped in ``vendor/datadocs`` (from the npm registry, by
``scripts/fetch_datadocs_assets.py``), beside them and points every page at the local copies.
The table of which address becomes which file is ``vendor/datadocs/assets.csv``.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
from functools import cache
from pathlib import Path

VENDOR = Path(__file__).resolve().parent / "vendor" / "datadocs"
LOCAL = "_offline"  # the folder of local copies, under the Data Docs site's root
# GX's logo comes from its own web bucket (not on npm): a text logo stands in for it.
_GX_LOGO = re.compile(r'https://great-expectations-web-assets\.[^"\']*logo-long\.png[^"\']*')
_REMOTE_ASSET = re.compile(r'<(?:script|link)\b[^>]*(?:src|href)="(https?://[^"]+)"')


@cache
def _addresses() -> dict[str, str]:
    """Every CDN address GX pages use, with the file under ``vendor/datadocs`` that replaces it."""
    with (VENDOR / "assets.csv").open(encoding="utf-8", newline="") as handle:
        return {row["url"]: row["local"] for row in csv.DictReader(handle) if row["url"]}


def make_offline(site: Path) -> int:
    """Copy the shipped assets into ``site`` and point its pages at them; return pages changed."""
    shutil.copytree(VENDOR, site / LOCAL, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("assets.csv"))
    changed = 0
    for page in site.rglob("*.html"):
        if LOCAL in page.relative_to(site).parts:
            continue
        text = page.read_text(encoding="utf-8")
        local = _localise(text, Path(os.path.relpath(site / LOCAL, page.parent)).as_posix())
        if local != text:
            page.write_text(local, encoding="utf-8")
            changed += 1
    return changed


def _localise(page: str, prefix: str) -> str:
    """The page with each CDN address replaced by ``prefix``/its local file."""
    for url, local in _addresses().items():
        page = page.replace(f'"{url}"', f'"{prefix}/{local}"')
    return _GX_LOGO.sub(f"{prefix}/gx-logo.svg", page)


def remote_assets(page: str) -> list[str]:
    """Addresses a page still loads scripts or styles from: none once it is offline."""
    return _REMOTE_ASSET.findall(page)
