"""Which commune sent a file cchc could not read as a report: its letterhead, else its name.

A scan, an encrypted PDF, an empty file or an old Word .doc yields no report, so no commune;
the glance would then show that commune as having sent nothing while its file waits in the
quarantine. The letterhead is read when the file has a text layer cchc reads (a PDF or a text
that is not a CCHC report: a meeting invitation sent by mistake); otherwise the file's name is
searched for a commune's name ("BC 9T Hoang Xuyen.pdf", diacritics or not) or its GSO code.
A name is matched against the communes asked about only, and must name one of them: a name
that could be two communes says nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path, PurePath

from cchc.errors import UnreadableReport
from cchc.template.raw import Place, RawReport, TextLine
from cchc.template.text import clean, compact, fold
from cchc.transforms.admin_units import Unit

# The letterhead is on the first page; reading the rest of a 500-page file buys nothing.
_LETTERHEAD_CHARS = 4000


def sender(archive_path: str | None, file_name: str, communes: Sequence[Unit],
           province: str | None = None) -> tuple[str, str] | None:
    """(map, code) of the commune the file's letterhead names, any commune (the caller tells
    one of another area by it), else of the one of ``communes`` its name names."""
    named = letterhead_commune(archive_path, province) if archive_path else None
    if named is not None:
        return named
    found = commune_in_name(file_name, communes)
    return (found.admin_map, found.code) if found else None


def commune_in_name(file_name: str, communes: Sequence[Unit]) -> Unit | None:
    """The commune whose GSO code or bare name the file's name holds; the longest name wins
    ("Hoằng Hải" over "Hoằng Hà" in "hoang hai"), a tie between two communes says nothing."""
    stem = PurePath(file_name).stem
    codes = set(re.findall(r"(?<!\d)\d{5}(?!\d)", stem))
    by_code = [u for u in communes if u.code.zfill(5) in codes]
    if len(by_code) == 1:
        return by_code[0]
    spaced = f" {re.sub(r'[^0-9a-z]+', ' ', fold(stem)).strip()} "
    found = [u for u in communes if _named(u.bare_name, spaced)]
    longest = max((len(compact(u.bare_name)) for u in found), default=0)
    best = [u for u in found if len(compact(u.bare_name)) == longest]
    return best[0] if len(best) == 1 else None


def _named(name: str, spaced: str) -> bool:
    """Does the folded file name hold this name as whole words, or, for a name of two
    syllables or more, written together ("HoangXuyen")? A lone syllable ("An") written inside
    another word is too likely to be chance."""
    words = fold(name)
    if not words:
        return False
    return f" {words} " in spaced or (" " in words and compact(words) in compact(spaced))


@lru_cache(maxsize=1024)
def letterhead_commune(archive_path: str, province: str | None = None
                       ) -> tuple[str, str] | None:
    """(map, commune code) the first page's letterhead names; None when the file has no text
    cchc reads, or names no commune. Archived files are named by their content, so the answer
    for a path never changes and is kept."""
    from cchc.extractors.detect import detect_format
    from cchc.extractors.pdf_report import page_texts
    from cchc.extractors.read import read_bytes
    from cchc.extractors.text_report import decode
    from cchc.transforms.metadata import read

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
    meta = read(RawReport(format=kind, lines=lines, rows=(), appendix_title=""), province).meta
    if meta.commune_code is None or meta.admin_map is None:
        return None
    return meta.admin_map, meta.commune_code
