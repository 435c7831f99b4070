"""RawReport → Report: what the read rows and lines mean (reading the file is flows/reading.py)."""

from __future__ import annotations

from cchc.template.appendix import Template
from cchc.template.raw import RawReport
from cchc.transforms import admin_units
from cchc.transforms.metadata import Reading, read
from cchc.transforms.model import Issue, Report, Source
from cchc.transforms.rows import observations


def build_report(raw: RawReport, template: Template, path: str, sha256: str,
                 province: str | None = None) -> Report:
    """The report a raw report of ``template``'s appendix is: its metadata, an observation per
    value row, and what could not be read."""
    reading = read(raw, province)
    found, issues = observations(raw.rows, template)
    return Report(
        source=Source(path=path, sha256=sha256, format=raw.format),
        meta=reading.meta,
        observations=found,
        issues=(*metadata_issues(reading), *issues),
    )


def metadata_issues(reading: Reading) -> tuple[Issue, ...]:
    """A report that does not say whose it is or which period it covers cannot be filed; one
    whose commune name could be several communes lists them, so the clerk can say which."""
    meta, issues = reading.meta, []
    if meta.commune_code is None and reading.candidates:
        issues.append(Issue("meta.commune", "error", (), unsettled_message(reading)))
    elif meta.commune_code is None:
        issues.append(Issue("meta.commune", "error", (), (
            "Không xác định được xã/thị trấn lập báo cáo: đề nghị ghi rõ tên đơn vị ở góc trái "
            "đầu báo cáo (ví dụ «UBND XÃ HOẰNG ĐỨC») và dòng huyện phía trên.")))
    if meta.period is None:
        issues.append(Issue("meta.period", "error", (), (
            "Không xác định được kỳ báo cáo: đề nghị ghi rõ kỳ trong tên báo cáo (ví dụ «9 tháng "
            "đầu năm 2024», «Quý I năm 2024», «năm 2023»).")))
    return tuple(issues)


def unsettled_message(reading: Reading) -> str:
    """«Xã Đông Khê» could be …: every candidate with its code and where it is."""
    return (f"Tên đơn vị «{reading.named}» ở đầu báo cáo ứng với {len(reading.candidates)} đơn vị, "
            f"không xác định được là đơn vị nào: "
            f"{'; '.join(describe(u) for u in reading.candidates)}. Đề nghị ghi rõ tên tỉnh (và "
            "huyện, với báo cáo trước ngày 01/7/2025) ở đầu báo cáo, hoặc khai báo tỉnh của hộp "
            "thư (--province, CCHC_PROVINCE hoặc province trong cchc.toml).")


def describe(unit: admin_units.Unit) -> str:
    """"Xã Đông Khê (mã 16387, Thành phố Thanh Hóa, Tỉnh Thanh Hóa)"."""
    where = [admin_units.unit(unit.district_code, "district", unit.admin_map).name
             ] if unit.district_code else []
    where.append(admin_units.unit(unit.province_code, "province", unit.admin_map).name)
    return f"{unit.name} (mã {unit.code}, {', '.join(where)})"
