"""The review desk's test warehouse: Huyện Hoằng Hóa's 9-month reports, one of them a PDF the
commune got wrong, loaded by the real nightly ingest; then a report whose file name, number and
issue are hostile HTML, stored by the real load function (a file name with "/" cannot exist in
an inbox).
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from tests.fixtures.office import convert
from tests.fixtures.specs import make_spec, usual_window
from tests.fixtures.word import WordLook, write_docx
from tests.shipped import TEMPLATE

REPORTS = Path(__file__).parent / "fixtures" / "reports"
# Committed, so the tests need no office suite; re-render with `python -m tests.desk_inbox`.
REJECTED_PDF = Path(__file__).parent / "fixtures" / "desk" / "pdf_word_15910_2024-9M_1.1.2-999.pdf"
# The commune's revision, sent later with the figure right (number 42, two days later).
REVISION_PDF = Path(__file__).parent / "fixtures" / "desk" / "pdf_word_15910_2024-9M_revision.pdf"
BAD_CODE, BAD_VALUE = "1.1.2", 999  # planned more inspections than… a rule the night rejects
REJECTED_FILE = "BC 9T Hoang Xuyen.pdf"
HOSTILE_NAME = "<script>alert(1)</script>.pdf"
HOSTILE_NUMBER = "<b>12</b>/BC-UBND"
HOSTILE_MESSAGE = 'Chỉ tiêu <img src=x onerror="alert(2)"> sai'


def hoang_xuyen_spec(revision: bool = False):
    """Xã Hoằng Xuyên's 9-month report: first with one figure no commune could have, then the
    revision with it right."""
    if revision:
        return make_spec("15910", "2024-9M", report_date=date(2024, 9, 19),
                         doc_number="42/BC-UBND", window=usual_window("2024-9M"))
    spec = make_spec("15910", "2024-9M", report_date=date(2024, 9, 17),
                     doc_number="41/BC-UBND", window=usual_window("2024-9M"))
    return replace(spec, values={**spec.values, BAD_CODE: BAD_VALUE})


def render_pdfs(work: Path) -> None:
    """Render both, like the committed Word fixtures (python-docx, then LibreOffice to PDF)."""
    work.mkdir(parents=True, exist_ok=True)
    docs = []
    for revision, target in ((False, REJECTED_PDF), (True, REVISION_PDF)):
        docs.append(work / target.with_suffix(".docx").name)
        write_docx(hoang_xuyen_spec(revision), WordLook(), docs[-1])
    for pdf, target in zip(convert(docs, "pdf", work / "pdf"), (REJECTED_PDF, REVISION_PDF),
                           strict=True):
        shutil.copy(pdf, target)


def build_desk_inbox(inbox: Path) -> Path:
    inbox.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPORTS / "pdf_word_15928_2024-9M.pdf", inbox / "BC 9T Hoang Duc.pdf")
    shutil.copy(REPORTS / "xlsx_15976_2024-9M.xlsx", inbox / "Bao cao Hoang Luu.xlsx")
    shutil.copy(REPORTS / "txt_15865_2024-9M.txt", inbox / "ButSon_9T.txt")
    shutil.copy(REJECTED_PDF, inbox / REJECTED_FILE)
    return inbox


def load_hostile(db: Path, archive: Path) -> str:
    """Store a rejected report whose file name, number and issue carry HTML; its report_id."""
    from cchc.flows.reading import read_report
    from cchc.transforms.model import Issue
    from cchc.warehouse.load import Submission, load_report
    from cchc.warehouse.runs import finish_run, start_run
    from cchc.warehouse.schema import connect

    source = REPORTS / "xlsx_15691_2024-Q1.xlsx"
    report, _ = read_report(source, TEMPLATE)
    report = replace(report, meta=replace(report.meta, doc_number=HOSTILE_NUMBER))
    archive.mkdir(parents=True, exist_ok=True)
    kept = shutil.copy(source, archive / "hostile.xlsx")
    submission = Submission(HOSTILE_NAME, f"/inbox/{HOSTILE_NAME}", report.source.sha256,
                            source.stat().st_size, 0.0, datetime(2024, 3, 20, 8, 0),
                            str(kept), "xlsx")
    con = connect(db)
    try:
        run_id = start_run(con, "/inbox")
        load_report(con, run_id, submission, report,
                    [Issue("hostile", "error", ("1.1.1",), HOSTILE_MESSAGE)], "rejected")
        finish_run(con, run_id, n_seen=1)  # a run left open reads as one still going
    finally:
        con.close()
    return report.source.sha256


def load_rejected(db: Path, archive: Path) -> str:
    """Store Xã Hoằng Xuyên's wrong report as the night does (read, validated, rejected, loaded)
    into a new warehouse; its report_id."""
    from cchc.flows.reading import read_report
    from cchc.transforms.validate import validate_reports
    from cchc.warehouse.load import Submission, load_report
    from cchc.warehouse.runs import finish_run, start_run
    from cchc.warehouse.schema import connect

    report, claims = read_report(REJECTED_PDF, TEMPLATE)
    verdict = validate_reports([(report, claims)], TEMPLATE)[report.source.sha256]
    assert verdict.status == "rejected"
    archive.mkdir(parents=True, exist_ok=True)
    kept = shutil.copy(REJECTED_PDF, archive / REJECTED_PDF.name)
    con = connect(db)
    try:
        run_id = start_run(con, "/inbox")
        load_report(con, run_id, Submission(
            REJECTED_PDF.name, f"/inbox/{REJECTED_PDF.name}", report.source.sha256,
            REJECTED_PDF.stat().st_size, 0.0, datetime(2024, 9, 18, 8), str(kept), "pdf"),
            report, verdict.issues, verdict.status)
        finish_run(con, run_id, n_seen=1)
    finally:
        con.close()
    return report.source.sha256


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as work:
        render_pdfs(Path(work))
    print(REJECTED_PDF, REVISION_PDF)
