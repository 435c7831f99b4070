"""Which commune (and, before the reform, which district) a report comes from.

Read from the letterhead ("UBND HUYỆN HOẰNG HÓA / UBND XÃ HOẰNG ĐỨC") and the appendix title,
the places a clerk writes the unit's name; each mention is matched by the one unit-name matcher
(``admin_units.find_all``, on ``unit_names.key``). When the name could be several units, the
province the letterhead names settles it, else the one province (before the reform, district)
among theirs that the report's own text names, else the inbox's setting; otherwise it stays
unsettled, with every candidate, for the commune to be asked which: a report filed under the
wrong commune would corrupt the district's figures silently.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cchc.template.raw import RawReport
from cchc.template.text import clean, fold, fold_aligned
from cchc.transforms import admin_units, unit_names

# A type word, written out or abbreviated ("TT. Bút Sơn", "P.Ba Đình": unit_names.DOTTED).
_UNIT_TYPE = re.compile(
    r"(?<!\w)(?:(thi tran|thi xa|thanh pho|tp|xa|phuong|dac khu|huyen|quan|tinh)\s+"
    r"|(tt|tp|tx|p|x|dk|q|h)\.\s*(?=\w))")
_NAME_WORDS = 5  # "Phường Văn Miếu - Quốc Tử Giám"
# Words that begin a line a wrapped name does not continue on, compared with their accents
# ("phòng" begins one, the commune name "Phong" does not).
_STOP_WORDS = {"độc", "cộng", "số", "số:", "ngày", "về", "năm", "báo", "kết", "trong", "của",
               "phòng", "và", "đã", "trên", "ubnd", "huyện", "tỉnh"}
_COMMUNE_TYPES = {"xa", "thi tran", "phuong", "dac khu"}  # folded
_MOTTO = re.compile(r"cong hoa xa hoi chu nghia viet nam|doc lap\s*-\s*tu do\s*-\s*hanh phuc")
Unit = admin_units.Unit


@dataclass(frozen=True)
class Found:
    """The commune and district a report names; when its commune name is unsettled, the name
    and every unit it may mean."""

    commune: Unit | None = None
    district: Unit | None = None
    named: str | None = None
    candidates: tuple[Unit, ...] = ()


def find_unit(raw: RawReport, head: Sequence[str], admin_map: str = admin_units.LEGACY,
              province: str | None = None) -> Found:
    """The reporting commune (and, on the legacy map, its district) from the letterhead and the
    appendix title.

    On the 2025 map there are no districts ("ỦY BAN NHÂN DÂN / XÃ HOẰNG HÓA"); a district line
    of an old-style letterhead is then ignored. A district name shared by several districts
    ("Huyện Châu Thành") still narrows the commune to those districts. A commune name shared by
    several units is settled by the province the letterhead names, else by the text naming one
    of theirs (``_named_in_text``), else by ``province``; otherwise it is left unsettled.
    """
    places = [*_rejoined(head), raw.appendix_title]
    provinces = (named_province(places, admin_map), province)
    districts: list[Unit] = []
    if admin_map == admin_units.LEGACY:
        districts = _district_line(places, admin_map, provinces)
    district = districts[0] if len(districts) == 1 else None
    unsettled = Found(district=district)
    for line in places:
        for kind, words in unit_mentions(line):
            if fold(kind) not in _COMMUNE_TYPES:
                continue
            named, hits = _best_hits("commune", kind, words, admin_map,
                                     [d.code for d in districts])
            commune = (_settle(hits, provinces[:1]) or _named_in_text(raw, hits, admin_map)
                       or _settle(hits, provinces[1:]))
            if commune is not None:
                return Found(commune, admin_units.unit(commune.district_code, "district")
                             if commune.district_code else None)
            if hits and not unsettled.candidates:
                unsettled = Found(district=district, named=clean(named), candidates=tuple(hits))
    return unsettled


def _named_in_text(raw: RawReport, hits: Sequence[Unit], admin_map: str) -> Unit | None:
    """The one of several namesakes that the report's own text places: its narrative names
    exactly one of their provinces ("… Kế hoạch CCHC năm 2025 của UBND tỉnh Lâm Đồng"), and
    then, before the reform, exactly one of the remaining ones' districts. A text that names
    two of their provinces (or two of their districts) settles nothing by them; provinces and
    districts of no candidate do not count (docs/admin_units.md)."""
    if len(hits) < 2:
        return None
    left = list(hits)
    for level, attribute in (("province", "province_code"), ("district", "district_code")):
        if level == "district" and admin_map != admin_units.LEGACY:
            break
        codes = {getattr(u, attribute) for u in left}
        named = {u.code for u in _mentioned(raw, level, admin_map)} & codes
        if len(named) == 1:
            left = [u for u in left if getattr(u, attribute) in named]
    return left[0] if len(left) == 1 else None


def _mentioned(raw: RawReport, level: str, admin_map: str) -> list[Unit]:
    """Every province (or district) the report's lines name, each mention read as the
    letterhead is; a district name shared by several districts names each of them."""
    kinds = {"tinh", "thanh pho"} if level == "province" else {"huyen", "quan", "thi xa",
                                                                "thanh pho"}
    found: list[Unit] = []
    for line in raw.lines:
        for kind, words in unit_mentions(line.text):
            if fold(kind) in kinds:
                found.extend(_best_hits(level, kind, words, admin_map)[1])
    return found


def _district_line(places: Sequence[str], admin_map: str,
                   provinces: Sequence[str | None]) -> list[Unit]:
    """The districts the first district mention may mean: one when settled, several when the
    name is shared and no province settles it, none when no line names a known district."""
    for line in places:
        for kind, words in unit_mentions(line):
            if fold(kind) in {*_COMMUNE_TYPES, "tinh"}:
                continue
            hits = _best_hits("district", kind, words, admin_map)[1]
            settled = _settle(hits, provinces)
            if settled is not None:
                return [settled]
            if hits:
                return hits
    return []


def unit_mentions(text: str) -> list[tuple[str, str]]:
    """(type, candidate name words) for each "UBND XÃ HOẰNG ĐỨC"-like mention in a line.

    Letterhead columns run together in a text layer ("THỊ TRẤN BÚT SƠN Số: …"), so a mention
    carries up to five words; callers then try the longest prefix the registry knows.
    """
    text = clean(text)
    folded = fold_aligned(text)
    mentions = []
    for match in _UNIT_TYPE.finditer(folded):
        words = _name_words(text[match.end():])
        if words:
            mentions.append((_kind(text, match), " ".join(words)))
    return mentions


def _kind(text: str, match: re.Match[str]) -> str:
    """The type word a mention starts with, as written, or the one its abbreviation means."""
    if match.group(2):
        return unit_names.DOTTED[text[match.start(2):match.end(2)].lower()]
    return "thành phố" if match.group(1) == "tp" else text[match.start(1):match.end(1)]


def _name_words(rest: str) -> list[str]:
    """The words that may be the name starting ``rest``: up to five, to the first that cannot
    be part of a name (a number like "2024" can: "Phường 01"), or one that ends in a comma or
    a full stop. A lone hyphen or apostrophe belongs to the name ("Phan Rang - Tháp Chàm",
    "K ’Nớ") and does not count towards its length."""
    words: list[str] = []
    real = 0
    for word in rest.split(" "):
        bare = word.lstrip(unit_names.APOSTROPHES)
        if word and not bare.strip("-–"):
            words.append(word)
            continue
        if not bare[:1].isalnum() or real == _NAME_WORDS:
            break
        words.append(word.strip(",.;:()"))
        real += 1
        if word[-1] in ",.;:)":
            break
    while words and not words[-1].lstrip(unit_names.APOSTROPHES).strip("-–"):
        words.pop()
    return words


def _best_hits(level: str, kind: str, words: str, admin_map: str,
               districts: Sequence[str] = ()) -> tuple[str, list[Unit]]:
    """The longest prefix of ``words`` the registry knows, and every unit it names there,
    within ``districts`` when that leaves any. The search ends at the first prefix with any
    unit: "Xã Đông Phú" of an unknown district is ambiguous, not "Xã Đông"."""
    parts = words.split(" ")
    for size in range(len(parts), 0, -1):
        name = f"{kind} {' '.join(parts[:size])}"
        hits = admin_units.find_all(level, name, admin_map=admin_map)
        inside = [u for u in hits if u.district_code in districts]
        if len(districts) == 1 or inside:
            hits = inside
        if hits:
            return name, hits
    return words, []


def _settle(hits: Sequence[Unit], provinces: Sequence[str | None]) -> Unit | None:
    """The one unit of ``hits``, else the one of them in the first given province (the one the
    text names, then the inbox's setting) that narrows them; None when that leaves several."""
    if len(hits) == 1:
        return hits[0]
    for code in provinces:
        inside = [u for u in hits if u.province_code == code]
        if code is not None and len(inside) == 1:
            return inside[0]
    return None


def named_province(lines: Sequence[str], admin_map: str) -> str | None:
    """The province the text names ("UBND TỈNH THANH HÓA", "xã Hoằng Hóa, tỉnh Thanh Hóa"),
    when it names exactly one."""
    found = set()
    for line in lines:
        for kind, words in unit_mentions(line):
            if fold(kind) in {"tinh", "thanh pho"}:
                unit = _settle(_best_hits("province", kind, words, admin_map)[1], ())
                if unit is not None:
                    found.add(unit.code)
    return found.pop() if len(found) == 1 else None


def _rejoined(head: Sequence[str]) -> list[str]:
    """Letterhead lines with a name that wraps in its narrow column joined up again:
    "UBND THÀNH PHỐ THANH" / "HÓA" reads "UBND THÀNH PHỐ THANH HÓA". The national motto of
    the right-hand column is taken out first, since a text layer runs the two columns together
    ("UBND HUYỆN THẠCH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" / "THÀNH Độc lập - Tự do - …")."""
    lines: list[str] = []
    for line in (_without_motto(line) for line in head):
        if not line:
            continue
        if lines and _ends_in_a_name(lines[-1]) and not unit_mentions(line) \
                and clean(line).split(" ")[0].lower() not in _STOP_WORDS:
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    return lines


def _without_motto(line: str) -> str:
    text = clean(line)
    folded = fold_aligned(text)
    for match in reversed(list(_MOTTO.finditer(folded))):
        text = text[:match.start()] + text[match.end():]
    return clean(text)


def _ends_in_a_name(line: str) -> bool:
    mentions = unit_mentions(line)
    return bool(mentions) and clean(line).rstrip(" ,.;:").endswith(mentions[-1][1])
