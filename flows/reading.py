"""File → Report: the whole extraction, as ``cchc extract`` and the nightly flow run it.

Orchestration, not meaning: the bytes are read by extractors/, what they say by transforms/, and
this module is the one place that calls both (issue 22: neither room imports the other).

It also says which commune sent a file cchc could not read as a report. A scan, an encrypted
PDF, an empty file or an old Word .doc yields no report, so no commune; the desk's glance would
then show that commune as having sent nothing while its file waits in the quarantine. The
letterhead is read when the file has a text layer cchc reads (a PDF or a text that is not a
CCHC report: a meeting invitation sent by mistake); otherwise the file's name is searched
(transforms.sender.commune_in_name).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from cchc.errors import UnreadableReport
from cchc.extractors.detect import detect_format
from cchc.extractors.pdf_report import page_texts
from cchc.extractors.read import read_bytes, read_raw
from cchc.extractors.text_report import decode
from cchc.template.appendix import Template, load_template
from cchc.template.raw import Place, RawReport, TextLine
from cchc.template.text import clean
from cchc.transforms import metadata
from cchc.transforms.admin_units import Unit
from cchc.transforms.model import Report
from cchc.transforms.narrative import Claim, narrative_claims
from cchc.transforms.report import build_report
from cchc.transforms.sender import commune_in_name

# The letterhead is on the first page; reading the rest of a 500-page file buys nothing.
_LETTERHEAD_CHARS = 4000


@lru_cache(maxsize=4)
def template_for(rules: Path | None = None) -> Template:
    """The shipped template, checked with the office's rules file when the setting ``rules``
    names one; loaded once per process (each of the night's extraction workers, the desk, a
    command) and handed down to every reader and check from here."""
    return load_template(rules=rules)


def extract_report(path: Path, template: Template, province: str | None = None) -> Report:
    """Read, extract and type one report file. Raises UnreadableReport for bad input.

    ``province``: the inbox's province setting, for commune names shared by several provinces.
    """
    return read_report(path, template, province)[0]


def read_report(path: Path, template: Template, province: str | None = None
                ) -> tuple[Report, tuple[Claim, ...]]:
    """The report and the figures its running text states, for the narrative cross-check.

    The claims, not the text lines: they are all the check needs, and a night's worth of text
    lines held until validation would cost hundreds of megabytes.
    """
    data = read_bytes(path)
    raw = read_raw(data, path.name, template)
    report = build_report(raw, template, str(path), hashlib.sha256(data).hexdigest(), province)
    return report, narrative_claims(raw.lines, template)


def sender(archive_path: str | None, file_name: str, communes: Sequence[Unit],
           province: str | None = None) -> tuple[str, str] | None:
    """(map, code) of the commune the file's letterhead names, any commune (the caller tells
    one of another area by it), else of the one of ``communes`` its name names."""
    named = letterhead_commune(archive_path, province) if archive_path else None
    if named is not None:
        return named
    found = commune_in_name(file_name, communes)
    return (found.admin_map, found.code) if found else None


@lru_cache(maxsize=1024)
def letterhead_commune(archive_path: str, province: str | None = None
                       ) -> tuple[str, str] | None:
    """(map, commune code) the first page's letterhead names; None when the file has no text
    cchc reads, or names no commune. Archived files are named by their content, so the answer
    for a path never changes and is kept."""
    path = Path(archive_path)
    try:
        data = read_bytes(path)
        kind = detect_format(data, path.name)
        if kind == "pdf":
            text = next(iter(page_texts(data, path.name)), "")
        elif kind == "txt":
            text = decode(data, path.name)
        else:  # a workbook or Word file the extractor refused: no letterhead of its own
            return None
    except UnreadableReport:
        return None
    lines = tuple(TextLine(clean(line), Place(page=1))
                  for line in text[:_LETTERHEAD_CHARS].splitlines() if clean(line))
    raw = RawReport(format=kind, lines=lines, rows=(), appendix_title="")
    meta = metadata.read(raw, province).meta
    if meta.commune_code is None or meta.admin_map is None:
        return None
    return meta.admin_map, meta.commune_code
