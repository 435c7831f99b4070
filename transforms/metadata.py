"""What a report says about itself: commune, district, period, date, number, data window.

Read from the letterhead, the title, the place-and-date line and the appendix title, the places
a commune clerk fills in. Each reader returns None rather than guess: a report filed under the
wrong commune or period would corrupt the district's figures silently.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from cchc.template.raw import RawReport, TextLine
from cchc.template.text import clean, fold
from cchc.transforms import admin_units
from cchc.transforms.issuer import find_unit
from cchc.transforms.model import ReportMeta
from cchc.transforms.periods import parse_period, period_key

_LETTERHEAD_LINES = 12
_TITLE_LINES = 5

_QUARTER = re.compile(r"\bquy\s+(iv|iii|ii|i|[1-4])\b(?:\s*(?:nam|/|-)\s*(\d{4}))?")
_PART_YEAR = re.compile(r"\b(6|9|sau|chin)\s+thang\s+dau\s+nam(?:\s+(\d{4}))?")
_FULL_YEAR = re.compile(r"\bnam\s+(\d{4})")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
# Where a title turns to the period ahead ("Phương hướng, nhiệm vụ năm 2025"): a period named
# after it is not the one reported on.
_AHEAD = re.compile(r"\bphuong huong\b")

_DATE_WORDS = re.compile(r"ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})")
_DATE_SLASHES = re.compile(r"ngay\s+(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})")
_DOC_NUMBER = re.compile(
    r"\b[Ss]ố\s*:?\s*(\d+[A-Za-z]?\s*/\s*[A-ZĐa-zđ]+(?:\s*-\s*[A-ZĐa-zđ]+)*)")
_WINDOW = re.compile(
    r"so lieu\s+(?:tinh\s+)?tu\s+(?:ngay\s+)?(\d{1,2}/\d{1,2}/\d{4})\s+den\s+(?:ngay\s+)?"
    r"(\d{1,2}/\d{1,2}/\d{4})")


@dataclass(frozen=True)
class Reading:
    """What a report says about itself, and, when the commune it names could be several, which.

    ``named`` is the commune as written ("Xã Đông Khê"); ``candidates`` the units it may mean when
    neither the text nor the inbox's province setting settles it (empty when settled or unknown).
    """

    meta: ReportMeta
    named: str | None = None
    candidates: tuple[admin_units.Unit, ...] = ()


def read_metadata(raw: RawReport, province: str | None = None) -> ReportMeta:
    """Every metadata field the report states; None for each it does not."""
    return read(raw, province).meta


def read(raw: RawReport, province: str | None = None) -> Reading:
    """The report's metadata, its commune matched on the map in force when it was written.

    ``province`` (the inbox's setting, a GSO code) settles a commune name shared by several
    provinces when the text names no province; it never overrides a name that is unique.
    """
    head = _letterhead(raw.lines)
    window = data_window(raw.lines)
    attached = _attachment_line(raw.lines)
    report_date = find_report_date(head) or find_report_date(attached)
    period = find_period(raw.lines, raw.appendix_title, report_date)
    admin_map = report_map(report_date, period)
    found = find_unit(raw, head, admin_map, province)
    commune, district = found.commune, found.district
    meta = ReportMeta(
        commune_code=commune.code if commune else None,
        commune_name=commune.name if commune else None,
        district_code=district.code if district else None,
        district_name=district.name if district else None,
        province_code=(commune or district).province_code if (commune or district) else None,
        period=period,
        report_date=report_date.isoformat() if report_date else None,
        doc_number=find_doc_number(head) or find_doc_number(attached),
        window_start=window[0].isoformat() if window else None,
        window_end=window[1].isoformat() if window else None,
        admin_map=admin_map if commune else None,
    )
    return Reading(meta, found.named, found.candidates)


def report_map(report_date: date | None, period: str | None) -> str:
    """The map a report is on: the one in force on its date (its issuer existed then), else at
    its period's end; the legacy map when it states neither (it is rejected for its period)."""
    if report_date is not None:
        return admin_units.map_on(report_date)
    if period is not None:
        return admin_units.map_on(parse_period(period).end)
    return admin_units.LEGACY


def _letterhead(lines: Sequence[TextLine]) -> list[str]:
    """The lines above the "BÁO CÁO" heading (or the first few), where the issuer signs in."""
    head = []
    for line in lines[:_LETTERHEAD_LINES]:
        if fold(line.text) in {"bao cao", "bao cao:"}:
            break
        head.append(line.text)
    return head


def find_period(lines: Sequence[TextLine], appendix_title: str,
                report_date: date | None) -> str | None:
    """The period key ("2024-9M", "2024-Q1", "2024-H1", "2023-FY") the report covers.

    A "Kỳ báo cáo:" line wins; else the title under "BÁO CÁO"; else the appendix title. When the
    title gives the period without its year (the seed: "… 9 tháng đầu năm" with "năm 2024" on the
    next line), the next year the title names is taken, then the report date's year.
    """
    for line in lines:
        folded = fold(line.text)
        if folded.startswith("ky bao cao"):
            found = _period_in(folded, report_date)
            if found:
                return found
    return _period_in(_title(lines), report_date) or _period_in(fold(appendix_title), report_date)


def _attachment_line(lines: Sequence[TextLine]) -> list[str]:
    """The appendix's "(Kèm theo Báo cáo số 61/BC-UBND ngày 14/6/2024 của UBND …)" line.

    Workbooks often carry no letterhead of their own; this line then gives number and date.
    """
    for line in lines:
        if re.search(r"kem theo (bao cao|bc)\b", fold(line.text)):
            return [line.text]
    return []


def _title(lines: Sequence[TextLine]) -> str:
    for index, line in enumerate(lines[:40]):
        if fold(line.text) in {"bao cao", "bao cao:"}:
            return " ".join(fold(t.text) for t in lines[index + 1: index + 1 + _TITLE_LINES])
    return ""


def _period_in(text: str, report_date: date | None) -> str | None:
    ahead = _AHEAD.search(text)
    done = text[:ahead.start()] if ahead else text
    found = []
    for pattern, kind in ((_QUARTER, "quarter"), (_PART_YEAR, "part"), (_FULL_YEAR, "year")):
        match = pattern.search(done)
        if match:
            found.append((match.start(), kind, match))
    if not found:
        return _year_before(done, text[ahead.start():]) if ahead else None
    _, kind, match = min(found, key=lambda item: item[0])
    if kind == "year":
        return period_key(match.group(1), "year")
    year = match.group(2) or _year_after(text, match.end()) or (
        str(report_date.year) if report_date else None)
    if year is None:
        return None
    if kind == "quarter":
        quarter = match.group(1)
        return period_key(year, "quarter", int(_ROMAN.get(quarter, quarter)))
    return period_key(year, "half" if match.group(1) in {"6", "sau"} else "nine_months")


def _year_before(done: str, ahead: str) -> str | None:
    """"… công tác cải cách hành chính năm" / "Phương hướng, nhiệm vụ năm 2025": a year's report
    whose year is only in the plan for the year after it."""
    match = _FULL_YEAR.search(ahead)
    if match and re.search(r"\bnam\W*$", done):
        return period_key(int(match.group(1)) - 1, "year")
    return None


def _year_after(text: str, position: int) -> str | None:
    match = _FULL_YEAR.search(text, position)
    return match.group(1) if match else None


def find_report_date(head: Sequence[str]) -> date | None:
    """The date of the place-and-date line ("Bút Sơn, ngày 13 tháng 9 năm 2024"), if filled in."""
    for line in head:
        folded = fold(line)
        match = _DATE_WORDS.search(folded) or _DATE_SLASHES.search(folded)
        if match:
            day, month, year = (int(g) for g in match.groups())
            try:
                return date(year, month, day)
            except ValueError:
                return None
    return None


def find_doc_number(head: Sequence[str]) -> str | None:
    """"Số: 112/BC-UBND" → "112/BC-UBND"; a number left blank ("Số:   /BC-UBND") is None."""
    for line in head:
        match = _DOC_NUMBER.search(clean(line))
        if match:
            return re.sub(r"\s+", "", match.group(1))
    return None


def data_window(lines: Sequence[TextLine]) -> tuple[date, date] | None:
    """The data window a report states: "(số liệu từ ngày 05/11/2023 đến 01/9/2024)"."""
    for line in lines:
        match = _WINDOW.search(fold(line.text))
        if match:
            try:
                return _dmy(match.group(1)), _dmy(match.group(2))
            except ValueError:
                return None
    return None


def _dmy(text: str) -> date:
    day, month, year = (int(part) for part in text.split("/"))
    return date(year, month, day)
