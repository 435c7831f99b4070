"""A run's verdicts: every check on every report, and whether each is accepted or rejected.

The checks, in the order a careful analyst makes them: what extraction already found (blank
metadata, unreadable cells), Great Expectations over the whole batch (value checks and the
template's arithmetic), the narrative against the appendix, and the commune's own history. A
report with any error is rejected (stored, and sent back to the commune with the messages);
warnings alone leave it accepted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from cchc.template.appendix import Template
from cchc.transforms.history import HISTORY_COLUMNS, history_issues
from cchc.transforms.model import Issue, Report
from cchc.transforms.narrative import Claim, check_narrative

Status = Literal["accepted", "rejected"]


@dataclass(frozen=True)
class Verdict:
    """A report's status and every issue found in it (extraction's included)."""

    status: Status
    issues: tuple[Issue, ...]


def validate_reports(items: Sequence[tuple[Report, Sequence[Claim]]], template: Template,
                     history: pd.DataFrame | None = None, docs_dir: Path | None = None
                     ) -> dict[str, Verdict]:
    """Verdicts by report_id (the file's sha256) for a batch of (report, its narrative's
    claims), as ``read_report`` returns them, checked with ``template``'s rules."""
    from cchc.transforms.expectations import validate_run

    history = pd.DataFrame(columns=HISTORY_COLUMNS) if history is None else history
    found = validate_run([report for report, _ in items], template, docs_dir)
    verdicts = {}
    for report, claims in items:
        issues = (*report.issues, *found.get(report.source.sha256, ()),
                  *check_narrative(report, claims, template),
                  *history_issues(report, history, template))
        rejected = any(issue.severity == "error" for issue in issues)
        verdicts[report.source.sha256] = Verdict("rejected" if rejected else "accepted", issues)
    return verdicts


def reference_sha256(template: Template) -> str:
    """Fingerprint of the reference data a report is read and checked with: the template (its
    catalog, rules and narrative phrases), the administrative units and the period rules.
    Stored with each report, so that a report read before a change of any of them can be
    found and read again (``cchc reprocess``)."""
    from cchc.transforms import admin_units, periods

    digests = [template.fingerprint, *(hashlib.sha256(path.read_bytes()).hexdigest()
                                       for path in (admin_units.CSV_PATH, periods.PERIODS_PATH))]
    return hashlib.sha256("".join(digests).encode()).hexdigest()
