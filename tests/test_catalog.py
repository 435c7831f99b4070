"""The indicator catalog: complete for the template, and refused loudly when malformed."""

from pathlib import Path

import pytest

from cchc.errors import ReferenceDataError
from cchc.template.catalog import load_catalog
from tests.shipped import TEMPLATE


def test_the_template_rows():
    catalog = TEMPLATE.indicators
    assert len(catalog) == 81
    assert len(TEMPLATE.value_indicators) == 65
    assert [i.code for i in TEMPLATE.breakdowns_of("3.3.2")] == [
        "3.3.2.a", "3.3.2.b", "3.3.2.c", "3.3.2.d"]
    assert [i.code for i in TEMPLATE.breakdowns_of("7.2.2")] == ["7.2.2.a", "7.2.2.b"]
    codes = TEMPLATE.by_code
    assert codes["1.4.2"].choices == {0: "Trực tuyến", 1: "Phát phiếu", 2: "Kết hợp"}
    assert codes["3.2.4"].aggregation == "weighted_percent"
    assert codes["3.2.4"].weight == "3.1.3"
    assert codes["1.5"].yes_code == 1
    assert codes["3.3.1.a"].parent == "3.3.1"


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text("indicators:\n" + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(("body", "message"), [
    ('  - {code: "1", label: "A", kind: group, colour: red}\n', "unknown keys ['colour']"),
    ('  - {code: "1", label: "A", kind: group}\n  - {code: "1", label: "B", kind: group}\n',
     "duplicate codes ['1']"),
    ('  - {code: "1.1", label: "A", kind: count, aggregation: sum}\n',
     "its parent 1 is not in the catalog"),
    ('  - {code: "1", label: "A", kind: count, aggregation: mean_min_max}\n',
     "a count row cannot use aggregation 'mean_min_max'"),
    ('  - {code: "1", label: "A", kind: number}\n', "kind 'number' is not one of"),
])
def test_malformed_catalogs_are_refused_with_the_reason(tmp_path, body, message):
    path = _write(tmp_path, body)
    with pytest.raises(ReferenceDataError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_catalog(path)
