"""The sample inbox of ``make demo``: every file is what its record says, and LibreOffice is
never needed to write it."""

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from cchc.flows.reading import extract_report
from cchc.transforms.expectations import left_column, right_column, wide_frame
from cchc.transforms.rules import load_rules
from tests.fixtures.demo_inbox import HERE, MANIFEST, DemoInbox, build_demo_inbox
from tests.fixtures.specs import expected_json
from tests.shipped import TEMPLATE

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> DemoInbox:
    return build_demo_inbox(tmp_path_factory.mktemp("demo") / "inbox")


@pytest.fixture(scope="module")
def reports(demo):
    """Every file that can be read, extracted: file name → Report."""
    return {f.name: extract_report(demo.path / f.name, TEMPLATE) for f in demo.files
            if f.status != "quarantined"}


def test_the_inbox_holds_what_the_record_lists(demo):
    on_disk = sorted(p.name for p in demo.path.iterdir() if p.name != MANIFEST)
    assert on_disk == sorted(f.name for f in demo.files)
    assert len(demo.files) == 44
    assert Counter(f.status for f in demo.files) == {
        "accepted": 37, "rejected": 1, "superseded": 1, "duplicate": 1, "quarantined": 4}
    mtimes = [(demo.path / f.name).stat().st_mtime for f in demo.files]
    assert mtimes == sorted(mtimes) == [f.received.timestamp() for f in demo.files]


def test_every_commune_of_the_district_sent_once_or_is_missing(demo):
    current = [f for f in demo.files if f.period == "2024-9M"]
    senders = Counter(f.commune_code for f in current)
    assert len(senders) == 36 - 3 and len(demo.missing) == 3
    assert not set(senders) & set(demo.missing)
    assert sorted(n for n in senders.values() if n > 1) == [2, 2]  # the revision, the duplicate
    previous = [f for f in demo.files if f.period == "2023-9M"]
    assert len(previous) == 5 and {f.status for f in previous} == {"accepted"}
    assert {f.commune_code for f in previous} <= {f.commune_code for f in current
                                                   if f.status == "accepted"}


def test_every_workbook_written_extracts_exactly_to_its_spec(demo, reports):
    written = [f for f in demo.files if f.spec is not None]
    assert len(written) == 36 and {Path(f.name).suffix for f in written} == {".xlsx"}
    wrong = {}
    for file in written:
        truth = expected_json(file.spec, "xlsx", with_narrative=False)
        report = reports[file.name]
        meta = {key: getattr(report.meta, key) for key in truth["report"]}
        values = {o.code: o.value for o in report.observations}
        differences = {
            **{key: (meta[key], want) for key, want in truth["report"].items()
               if meta[key] != want},
            **{code: (values.get(code), want) for code, want in truth["values"].items()
               if values.get(code) != want},
            **({"issues": report.issues} if report.issues else {}),
            **({"format": report.source.format} if report.source.format != "xlsx" else {}),
            **({"codes": sorted(values)} if set(values) != set(truth["values"]) else {}),
        }
        if differences:
            wrong[file.name] = differences
    assert wrong == {}


def test_copies_are_byte_identical_to_their_source(demo):
    copies = [f for f in demo.files if f.source != "generated"]
    assert {f.source for f in copies} >= {"seed/000_2efa1e083bc69a65.txt",
                                          "reports/pdf_word_15928_2024-9M.pdf",
                                          "hostile/encrypted.pdf"}
    for file in copies:
        assert (demo.path / file.name).read_bytes() == (HERE / file.source).read_bytes()


def test_the_duplicate_repeats_an_earlier_file_byte_for_byte(demo):
    (duplicate,) = demo.with_status("duplicate")
    original = demo.file(duplicate.copy_of)
    assert (demo.path / duplicate.name).read_bytes() == (demo.path / original.name).read_bytes()
    assert original.status == "accepted" and original.received < duplicate.received
    assert (duplicate.commune_code, duplicate.period) == (original.commune_code, original.period)


def test_the_revision_is_later_and_changes_one_figure(demo, reports):
    (first,) = demo.with_status("superseded")
    (revision,) = [f for f in demo.with_status("accepted") if f.period == first.period
                   and f.commune_code == first.commune_code]
    old, new = reports[first.name], reports[revision.name]
    assert new.meta.report_date > old.meta.report_date
    assert int(new.meta.doc_number.split("/")[0]) > int(old.meta.doc_number.split("/")[0])
    assert first.received < revision.received
    changed = {o.code for o, n in zip(old.observations, new.observations, strict=True)
               if o.value != n.value}
    assert changed == {"3.3.1", "3.3.1.a"}
    assert new.value("3.3.1.a") > old.value("3.3.1.a")


def test_the_rejected_workbook_breaks_exactly_the_planted_rules(demo, reports):
    (rejected,) = demo.with_status("rejected")
    report = reports[rejected.name]
    assert report.value("1.1.2") > report.value("1.1.1")
    parts = sum(report.value(f"3.3.1.{letter}") or 0 for letter in "abcd")
    assert report.value("3.3.1") != parts
    unique = {r.source.sha256: r for r in reports.values()}  # the duplicate once
    broken = broken_error_rules(list(unique.values()))
    assert broken == {report.source.sha256: {"completed_le_planned", "received_equals_channels"}}


def broken_error_rules(reports) -> dict[str, set[str]]:
    """report_id → the error rules of reference/rules.yaml its figures break (as GX decides
    them: a side left unknown by its blank policy breaks nothing)."""
    rules = [rule for rule in load_rules(TEMPLATE) if rule.severity == "error"]
    frame = wide_frame(reports, TEMPLATE, rules).set_index("report_id")
    broken: dict[str, set[str]] = {}
    for rule in rules:
        left, right = frame[left_column(rule)], frame[right_column(rule)]
        decided = left.notna() & right.notna()
        holds = {"<=": left <= right, "=": left == right, ">=": left >= right}[rule.op]
        for report_id in frame.index[decided & ~holds.astype(bool)]:
            broken.setdefault(report_id, set()).add(rule.name)
    return broken


def test_hostile_files_are_quarantined_and_unattributed(demo):
    hostile = demo.with_status("quarantined")
    assert sorted(f.source for f in hostile) == [
        "hostile/empty.pdf", "hostile/encrypted.pdf", "hostile/report_word97.doc",
        "hostile/scanned_no_text.pdf"]
    assert {(f.commune_code, f.period) for f in hostile} == {(None, None)}


def test_rebuilding_replaces_the_inbox_with_the_same_bytes_and_times(demo, tmp_path):
    inbox = tmp_path / "inbox"
    first = build_demo_inbox(inbox)
    (inbox / "left over.pdf").write_bytes(b"%PDF-")
    again = build_demo_inbox(inbox)
    assert again.rows == first.rows == demo.rows
    assert snapshot(inbox) == snapshot(demo.path)
    other = build_demo_inbox(tmp_path / "other", seed=2)
    assert snapshot(tmp_path / "other") != snapshot(inbox)
    assert len(other.files) == len(demo.files)


def snapshot(folder: Path) -> dict[str, tuple[bytes, float]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime) for p in folder.iterdir()
            if p.name != MANIFEST}


def test_a_folder_that_is_not_a_demo_inbox_is_refused(tmp_path):
    (tmp_path / "real report.pdf").write_bytes(b"%PDF-1.7")
    with pytest.raises(FileExistsError, match="not a demo inbox"):
        build_demo_inbox(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["real report.pdf"]


def test_builds_from_the_command_line_without_libreoffice(tmp_path):
    """A soffice first on PATH would record any call: none may happen."""
    bin_dir, called = tmp_path / "bin", tmp_path / "soffice-was-called"
    bin_dir.mkdir()
    for name in ("soffice", "libreoffice"):
        fake = bin_dir / name
        fake.write_text(f"#!/bin/sh\ntouch {called}\nexit 1\n")
        fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.fixtures.demo_inbox", str(tmp_path / "inbox")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "44 files in" in done.stdout
    assert not called.exists()
    assert len([p for p in (tmp_path / "inbox").iterdir() if p.name != MANIFEST]) == 44


def test_builds_with_only_the_declared_dependencies(tmp_path):
    """The demo inbox needs no office library: no python-docx, no reportlab, no LibreOffice."""
    code = ("import sys; sys.modules.update(docx=None, reportlab=None); "
            "from tests.fixtures.demo_inbox import main; main(sys.argv[1:])")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "inbox")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_manifest_lists_every_file_with_its_status(demo):
    manifest = json.loads((demo.path / MANIFEST).read_text(encoding="utf-8"))
    listed = {(f["name"], f["status"]) for f in manifest["files"]}
    assert listed == {(f.name, f.status) for f in demo.files}
    assert manifest["missing"] == list(demo.missing)
