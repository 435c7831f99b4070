"""Which commune a file's name names, for a file cchc could not read as a report.

The file's name is searched for a commune's name ("BC 9T Hoang Xuyen.pdf", diacritics or not)
or its GSO code. A name is matched against the communes asked about only, and must name one of
them: a name that could be two communes says nothing. The letterhead, read first when the file
has text, is flows.reading's (it needs the extractors, which this room does not import).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePath

from cchc.template.text import compact, fold
from cchc.transforms.admin_units import Unit


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
