"""Clean reports pass: every committed fixture and the seed, validated as one batch."""

from pathlib import Path

from cchc.flows.reading import read_report
from cchc.transforms.validate import validate_reports
from tests.shipped import TEMPLATE

FIXTURES = Path(__file__).parent / "fixtures"


def test_every_clean_fixture_is_accepted_without_errors():
    paths = sorted(p for p in (FIXTURES / "reports").iterdir() if not p.name.endswith(".json"))
    paths.append(FIXTURES / "seed" / "000_2efa1e083bc69a65.txt")
    verdicts = validate_reports([read_report(path, TEMPLATE) for path in paths], TEMPLATE)
    assert len(verdicts) == len(paths)
    errors = [i.message for v in verdicts.values() for i in v.issues if i.severity == "error"]
    assert errors == []
    assert {v.status for v in verdicts.values()} == {"accepted"}
