"""An inbox with every case the nightly ingest must tell apart, built from the fixtures."""

import re
import shutil
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "seed" / "000_2efa1e083bc69a65.txt"

# file name in the inbox → the status its submission must end with
EXPECTED = {
    "BC 9T Hoang Duc.pdf": "accepted",
    "Bao cao Hoang Luu.xlsx": "accepted",
    "Bao cao Hoang Luu (gui lai).xlsx": "duplicate",
    "ButSon_13-9.txt": "superseded",
    "ButSon_20-9_sua.txt": "accepted",
    "MinhSon_6T.txt": "rejected",
    "trong.pdf": "quarantined",
    "co_mat_khau.pdf": "quarantined",
    "ban_scan.pdf": "quarantined",
    "bao_cao.doc": "quarantined",
}


def build_inbox(inbox: Path) -> Path:
    """Write the inbox: clean reports, a revision, a duplicate, a rejected one, hostile files."""
    inbox.mkdir(parents=True, exist_ok=True)
    reports, hostile = FIXTURES / "reports", FIXTURES / "hostile"
    shutil.copy(reports / "pdf_word_15928_2024-9M.pdf", inbox / "BC 9T Hoang Duc.pdf")
    shutil.copy(reports / "xlsx_15976_2024-9M.xlsx", inbox / "Bao cao Hoang Luu.xlsx")
    shutil.copy(reports / "xlsx_15976_2024-9M.xlsx", inbox / "Bao cao Hoang Luu (gui lai).xlsx")
    seed = SEED.read_text(encoding="utf-8")
    blank_date = "ngày       tháng       năm 2024"
    (inbox / "ButSon_13-9.txt").write_text(
        seed.replace(blank_date, "ngày 13 tháng 9 năm 2024"), encoding="utf-8")
    (inbox / "ButSon_20-9_sua.txt").write_text(
        seed.replace(blank_date, "ngày 20 tháng 9 năm 2024").replace(
            "1.1.3 Số văn bản chỉ đạo CCHC đã ban hành Văn bản 18",
            "1.1.3 Số văn bản chỉ đạo CCHC đã ban hành Văn bản 19"), encoding="utf-8")
    minh_son = (reports / "txt_15691_2024-H1.txt").read_text(encoding="utf-8-sig")
    planned = next(line for line in minh_son.splitlines() if line.startswith("1.1.2 "))
    (inbox / "MinhSon_6T.txt").write_text(
        minh_son.replace(planned, re.sub(r"\d+\s*$", "999", planned)), encoding="utf-8")
    shutil.copy(hostile / "empty.pdf", inbox / "trong.pdf")
    shutil.copy(hostile / "encrypted.pdf", inbox / "co_mat_khau.pdf")
    shutil.copy(hostile / "scanned_no_text.pdf", inbox / "ban_scan.pdf")
    shutil.copy(hostile / "report_word97.doc", inbox / "bao_cao.doc")
    return inbox
