"""File → Report: the whole extraction, as ``cchc extract`` and the nightly flow run it.

Orchestration, not meaning: the bytes are read by extractors/, what they say by transforms/, and
this module is the one place that calls both (issue 22: neither room imports the other).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from cchc.extractors.read import read_bytes, read_raw
from cchc.transforms.model import Report
from cchc.transforms.narrative import Claim, narrative_claims
from cchc.transforms.report import build_report


def extract_report(path: Path, province: str | None = None) -> Report:
    """Read, extract and type one report file. Raises UnreadableReport for bad input.

    ``province``: the inbox's province setting, for commune names shared by several provinces.
    """
    return read_report(path, province)[0]


def read_report(path: Path, province: str | None = None) -> tuple[Report, tuple[Claim, ...]]:
    """The report and the figures its running text states, for the narrative cross-check.

    The claims, not the text lines: they are all the check needs, and a night's worth of text
    lines held until validation would cost hundreds of megabytes.
    """
    data = read_bytes(path)
    raw = read_raw(data, path.name)
    report = build_report(raw, str(path), hashlib.sha256(data).hexdigest(), province)
    return report, narrative_claims(raw.lines)
