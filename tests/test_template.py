"""The Template: one title pattern and one set of header words for every reader, and a loader
that refuses a template file it would misread."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from cchc.errors import ReferenceDataError
from cchc.template.appendix import TEMPLATE_PATH, load_template
from tests.shipped import TEMPLATE


@pytest.mark.parametrize("title", ["Phụ lục 01b", "PHỤ LỤC 01B", "Phụ lục 1b", "Phu luc 01 b",
                                   "PHỤ LỤC 01b - THỐNG KÊ SỐ LIỆU"])
def test_the_title_as_communes_write_it(title):
    assert TEMPLATE.is_title(title)


@pytest.mark.parametrize("text", ["Phụ lục 01a", "Phụ lục 02b", "Phụ lục 01bis"])
def test_other_appendices_are_not_the_title(text):
    assert not TEMPLATE.is_title(text)


def test_every_word_of_the_printed_header_is_a_header_word():
    assert {"stt", "chi", "tieu", "thong", "ke", "so", "lieu", "ghi", "chu", "6", "9"} <= (
        TEMPLATE.header_words)
    assert dict(TEMPLATE.columns)["so lieu"] == "value"


def _copy(tmp_path: Path, change=None) -> Path:
    for path in TEMPLATE_PATH.parent.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    if change is None:
        return tmp_path / TEMPLATE_PATH.name
    document = yaml.safe_load(TEMPLATE_PATH.read_text(encoding="utf-8"))
    change(document)
    (tmp_path / TEMPLATE_PATH.name).write_text(yaml.safe_dump(document, allow_unicode=True),
                                               encoding="utf-8")
    return tmp_path / TEMPLATE_PATH.name


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(colour="red"), "unknown keys ['colour']"),
    (lambda d: d["summary"].update(dossiers="9.9.9"), "summary codes ['9.9.9'] are not rows"),
    (lambda d: d["header"]["columns"].append(["ma", "id"]), "header column ['ma', 'id']"),
    (lambda d: d.update(title="phu luc ("), "is not a regular expression"),
    (lambda d: d.pop("version"), "'version' must be a non-empty text"),
])
def test_a_template_file_it_would_misread_is_refused(tmp_path, change, message):
    with pytest.raises(ReferenceDataError, match=message.replace("[", r"\[").replace("(", r"\(")):
        load_template(_copy(tmp_path, change))


def test_the_fingerprint_follows_the_files(tmp_path):
    same = load_template(_copy(tmp_path))
    assert same.fingerprint == TEMPLATE.fingerprint
    (tmp_path / "rules.yaml").write_text(
        (tmp_path / "rules.yaml").read_text(encoding="utf-8") + "\n# an edit\n",
        encoding="utf-8")
    assert load_template(tmp_path / TEMPLATE_PATH.name).fingerprint != TEMPLATE.fingerprint
