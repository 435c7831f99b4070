"""``cchc validate``: the extract JSON plus a status, and the exit code that says it."""

import json
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "seed" / "000_2efa1e083bc69a65.txt"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cchc.cli", *args], capture_output=True,
                          text=True, timeout=180)


def test_seed_is_accepted_with_the_narrative_warnings(tmp_path):
    result = run("validate", str(SEED), "--json", "--docs", str(tmp_path / "docs"))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["status"] == "accepted"
    assert document["report"]["commune_code"] == "15865"
    warnings = [i for i in document["issues"] if i["severity"] == "warning"]
    assert sorted(i["codes"][0] for i in warnings) == ["2.1", "3.3.1.b"]
    assert all(i["severity"] != "error" for i in document["issues"])
    assert (tmp_path / "docs" / "index.html").is_file()


def test_planted_errors_reject_with_exit_1(tmp_path):
    text = SEED.read_text(encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_text(text.replace("1.1.2 Số nhiệm vụ đã hoàn thành Nhiệm vụ 18",
                                "1.1.2 Số nhiệm vụ đã hoàn thành Nhiệm vụ 38"), encoding="utf-8")
    result = run("validate", str(bad), "--json")
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["status"] == "rejected"
    errors = [i for i in document["issues"] if i["severity"] == "error"]
    assert [sorted(i["codes"]) for i in errors] == [["1.1.1", "1.1.2"]]
    assert "38" in errors[0]["message"] and "28" in errors[0]["message"]


def test_unreadable_exits_2(tmp_path):
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    result = run("validate", str(empty))
    assert result.returncode == 2
    assert result.stderr.strip() == "cchc: empty.xlsx: tệp rỗng (0 byte); đề nghị xã gửi lại"
