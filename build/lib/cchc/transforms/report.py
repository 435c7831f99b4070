"""File → Report: the whole extraction, as ``cchc extract`` and the nightly flow run it."""

from __future__ import annotations

import hashlib
from pathlib import Path

from cchc.extractors.raw import RawReport
from cchc.extractors.read import read_bytes, read_raw
from cchc.transforms.metadata import read_metadata
from cchc.transforms.model import Issue, Report, ReportMeta, Source
from cchc.transforms.narrative import Claim, narrative_claims
from cchc.transforms.rows import observations


def extract_report(path: Path) -> Report:
    """Read, extract and type one report file. Raises UnreadableReport for bad input."""
    return read_report(path)[0]


def read_report(path: Path) -> tuple[Report, tuple[Claim, ...]]:
    """The report and the figures its running text states, for the narrative cross-check.

    The claims, not the text lines: they are all the check needs, and a night's worth of text
    lines held until validation would cost hundreds of megabytes.
    """
    data = read_bytes(path)
    raw = read_raw(data, path.name)
    report = build_report(raw, str(path), hashlib.sha256(data).hexdigest())
    return report, narrative_claims(raw.lines)


def build_report(raw: RawReport, path: str, sha256: str) -> Report:
    meta = read_metadata(raw)
    found, issues = observations(raw.rows)
    return Report(
        source=Source(path=path, sha256=sha256, format=raw.format),
        meta=meta,
        observations=found,
        issues=(*metadata_issues(meta), *issues),
    )


def metadata_issues(meta: ReportMeta) -> tuple[Issue, ...]:
    """A report that does not say whose it is or which period it covers cannot be filed."""
    issues = []
    if meta.commune_code is None:
        issues.append(Issue("meta.commune", "error", (), (
            "Không xác định được xã/thị trấn lập báo cáo: đề nghị ghi rõ tên đơn vị ở góc trái "
            "đầu báo cáo (ví dụ «UBND XÃ HOẰNG ĐỨC») và dòng huyện phía trên.")))
    if meta.period is None:
        issues.append(Issue("meta.period", "error", (), (
            "Không xác định được kỳ báo cáo: đề nghị ghi rõ kỳ trong tên báo cáo (ví dụ «9 tháng "
            "đầu năm 2024», «Quý I năm 2024», «năm 2023»).")))
    return tuple(issues)
