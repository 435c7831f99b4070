"""``cchc extract`` as a person runs it: the JSON contract, the table, and one-line refusals."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

SEED = Path(__file__).parent / "fixtures" / "seed" / "000_2efa1e083bc69a65.txt"
CCHC = [sys.executable, "-m", "cchc.cli"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CCHC, *args], capture_output=True, text=True, timeout=120)


def test_json_contract_on_the_seed():
    result = run("extract", str(SEED), "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["source"]["format"] == "txt"
    assert len(document["source"]["sha256"]) == 64
    assert document["report"] == {
        "commune_code": "15865", "commune_name": "Thị trấn Bút Sơn",
        "district_code": "399", "district_name": "Huyện Hoằng Hóa", "province_code": "38",
        "period": "2024-9M", "report_date": None, "doc_number": None,
        "window_start": "2023-11-05", "window_end": "2024-09-01",
    }
    first = next(i for i in document["indicators"] if i["code"] == "3.3.1")
    assert first == {"code": "3.3.1", "value": 841, "unit": "Số lượng hồ sơ", "raw": "841",
                     "line": 787}
    blank = next(i for i in document["indicators"] if i["code"] == "1.2.1")
    assert blank["value"] is None
    assert len(document["indicators"]) == 65


def test_readable_table_by_default():
    result = run("extract", str(SEED))
    assert result.returncode == 0
    assert "Thị trấn Bút Sơn (15865), Huyện Hoằng Hóa (399), province 38" in result.stdout
    assert any(line.split()[:2] == ["3.3.1", "841"] for line in result.stdout.splitlines())


def _docx_bytes() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.pdf", b"", "the file is empty (0 bytes)"),
    ("random.pdf", bytes(range(256)) * 8, "the bytes match none of the accepted formats"),
    ("report.docx", _docx_bytes(), "a Word document (.docx), which cchc does not read; "
                                   "accepted formats: PDF with a text layer, XLSX, or plain text"),
    ("report.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
     "an old Word/Excel 97-2003 file (.doc/.xls)"),
    ("letter.txt", "Kính gửi Phòng Nội vụ huyện,\nxin gửi lịch họp tuần sau.\n".encode(),
     "no appendix 'Phụ lục 01b'"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = run("extract", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"cchc: {name}: ")
    assert message in lines[0]


def test_missing_file(tmp_path):
    result = run("extract", str(tmp_path / "nope.pdf"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"cchc: {tmp_path / 'nope.pdf'}: no such file"
