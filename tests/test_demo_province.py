"""The demo's 2025 province inbox: each Word file is read as the commune it was written for,
on the 2025 map without a district, and the one planted error rejects its report."""

from __future__ import annotations

from cchc.flows.reading import read_report
from cchc.transforms.validate import validate_reports
from tests.fixtures.demo_province import build_province_inbox
from tests.shipped import TEMPLATE


def test_the_province_inbox_reads_as_its_communes_on_the_2025_map(tmp_path):
    written = build_province_inbox(tmp_path / "inbox", n=3)
    assert len(written) == 3
    read = [read_report(path, TEMPLATE) for path in written]
    for path, (report, _) in zip(written, read, strict=True):
        meta = report.meta
        assert (report.admin_map, meta.province_code, meta.district_code, meta.period) == \
            ("2025", "38", None, "2025-9M"), path.name
        assert meta.commune_code is not None
    verdicts = validate_reports(read, TEMPLATE)
    statuses = [verdicts[report.source.sha256].status for report, _ in read]
    assert statuses == ["rejected", "accepted", "accepted"]
    # The same seed writes the same reports again (the demo is reproducible).
    again = build_province_inbox(tmp_path / "inbox", n=3)
    assert [p.name for p in again] == [p.name for p in written]
