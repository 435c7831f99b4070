"""A damaged file (cut short, bytes broken, a workbook member broken) is refused in Vietnamese,
asking the commune to send it again: one line and exit 2 from the command line, the same reason
in the nightly run; a file past the time or memory bound is refused the same way."""

import io
import subprocess
import sys
import time
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from cchc.errors import UnreadableReport
from cchc.extractors.bounds import bounded

REPORTS = Path(__file__).parent / "fixtures" / "reports"
DAMAGED = "bị hỏng hoặc không trọn vẹn"
SEND_AGAIN = "đề nghị xã gửi lại tệp"


def text_cut_mid_character() -> bytes:
    data = (REPORTS / "txt_15865_2024-9M.txt").read_bytes()
    middle = len(data) // 2
    start = next(i for i in range(middle, len(data)) if data[i] >= 0xC0)  # a lead byte
    return data[: start + 1]


def pdf_with_broken_page_boxes() -> bytes:
    """Every page's MediaBox made non-numeric, same length so the offsets still hold (pdfplumber
    raised MalformedPDFException on it)."""
    data = (REPORTS / "pdf_word_15865_2024-9M.pdf").read_bytes()
    box = b"/MediaBox[0 0 595.303937007874 841.889763779528]"
    assert box in data
    return data.replace(box, b"/MediaBox[0 0 595.303937007874 /b'w79528'      ]")


def workbook_with_member_cut(member: str) -> bytes:
    """The workbook zipped again with one member's XML cut in half (lxml's XMLSyntaxError)."""
    return _rezipped(member, lambda content: content[: len(content) // 2])


def workbook_with_a_relation_untyped() -> bytes:
    """A relation of the workbook without its Type: openpyxl warns on stderr, then goes on."""
    styles = b' Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"'
    return _rezipped("xl/_rels/workbook.xml.rels", lambda content: content.replace(styles, b""))


def workbook_naming_no_workbook() -> bytes:
    """[Content_Types].xml without the workbook's entry: openpyxl raised OSError (found by
    make fuzz, seed 3, case 2126)."""
    workbook = (b'<Override PartName="/xl/workbook.xml" ContentType="application/'
                b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>')
    return _rezipped("[Content_Types].xml", lambda content: content.replace(workbook, b""))


def _rezipped(member: str, change) -> bytes:
    source = zipfile.ZipFile(REPORTS / "xlsx_15976_2024-9M.xlsx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info)
            archive.writestr(info.filename, change(content) if info.filename == member
                             else content)
    return out.getvalue()


CASES = {
    "cut.txt": text_cut_mid_character,
    "boxes.pdf": pdf_with_broken_page_boxes,
    "workbook_xml.xlsx": lambda: workbook_with_member_cut("xl/workbook.xml"),
    "styles.xlsx": lambda: workbook_with_member_cut("xl/styles.xml"),
    "content_types.xlsx": workbook_naming_no_workbook,
}


@pytest.fixture(scope="module")
def damaged(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("damaged")
    paths = {}
    for name, make in CASES.items():
        paths[name] = folder / name
        paths[name].write_bytes(make())
    return paths


@pytest.mark.parametrize("command", ["extract", "validate"])
@pytest.mark.parametrize("name", CASES)
def test_cli_refuses_a_damaged_file_in_one_line(damaged, name, command):
    result = subprocess.run([sys.executable, "-m", "cchc.cli", command, str(damaged[name])],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"cchc: {name}: tệp ")
    assert DAMAGED in result.stderr and SEND_AGAIN in result.stderr
    assert "bug" not in result.stderr


def test_reader_warnings_stay_off_the_command_line(tmp_path):
    path = tmp_path / "untyped.xlsx"
    path.write_bytes(workbook_with_a_relation_untyped())
    result = subprocess.run([sys.executable, "-m", "cchc.cli", "extract", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode in {0, 2}
    assert result.stderr.count("\n") == (result.returncode == 2), result.stderr
    assert "Warning" not in result.stderr


def test_nightly_run_stores_the_same_reason(damaged):
    from cchc.flows.extraction import ExtractionProcesses
    from cchc.flows.inbox import Received

    with ExtractionProcesses(1) as processes:
        for name, path in damaged.items():
            received = Received(path=path, size=path.stat().st_size, mtime=0.0, sha256=name,
                                archive_path=path, received_at=datetime(2024, 10, 1))
            extracted = processes.extract(received)
            assert extracted.report is None
            assert DAMAGED in extracted.reason and SEND_AGAIN in extracted.reason, name


def test_reading_past_the_time_bound_is_refused():
    started = time.perf_counter()
    with pytest.raises(UnreadableReport, match="đọc tệp mất hơn 1 giây"), bounded("slow.pdf", 1):
        while True:
            sum(range(10_000))
    assert time.perf_counter() - started < 3


def test_reading_past_the_memory_bound_is_refused_and_the_limit_put_back():
    import resource

    before = resource.getrlimit(resource.RLIMIT_AS)
    with pytest.raises(UnreadableReport, match="cần hơn 64 MB bộ nhớ"), \
            bounded("big.pdf", memory=64 * 2**20):
        bytearray(512 * 2**20)
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    assert len(bytearray(512 * 2**20)) == 512 * 2**20
