"""``cchc extract`` as a person runs it: the JSON contract, the table, and one-line refusals."""

import json
import subprocess
import sys
from pathlib import Path

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
        "window_start": "2023-11-05", "window_end": "2024-09-01", "admin_map": "legacy",
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


def test_missing_file(tmp_path):
    result = run("extract", str(tmp_path / "nope.pdf"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"cchc: {tmp_path / 'nope.pdf'}: no such file"
