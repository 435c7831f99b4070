"""The rooms import in one direction only (issue 22).

template/ is the floor: it imports no other room of cchc but cchc.errors. extractors/ read bytes
and transforms/ hold meaning; neither imports the other, so a new reader needs no meaning and the
meaning needs no reader. web/ gets its SQL from the warehouse, not from summary's queries. The
test reads the source with ast (imports inside functions too), so a lazy import cannot hide.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROOMS = ["template", "extractors", "transforms", "warehouse", "flows", "summary", "web", "mail",
         "cchc"]


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every absolute module ``path`` imports, with its line (``from a import b`` gives a.b)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _room_imports(room: str) -> list[tuple[str, int, str]]:
    return [(f"{room}/{path.relative_to(ROOT / room)}", line, name)
            for path in sorted((ROOT / room).rglob("*.py"))
            for line, name in _imports(path)]


def _offending(room: str, banned: list[str]) -> list[str]:
    """Each offending import line once, as ``room/file.py:line imports module``."""
    lines = {}
    for where, line, name in _room_imports(room):
        if any(name == b or name.startswith(b + ".") for b in banned):
            lines.setdefault(f"{where}:{line}", name)
    return [f"{where} imports {name}" for where, name in lines.items()]


def test_every_room_has_python_to_walk():
    """A renamed folder must not make the checks below pass by walking nothing."""
    for room in ROOMS:
        assert list((ROOT / room).glob("*.py")), room


@pytest.mark.parametrize(("room", "banned"), [
    ("extractors", ["cchc.transforms"]),
    ("transforms", ["cchc.extractors"]),
    ("web", ["cchc.summary.queries"]),
])
def test_room_does_not_import(room: str, banned: list[str]):
    offending = _offending(room, banned)
    assert not offending, "\n".join(offending)


def test_template_stands_on_nothing_but_errors():
    others = [f"cchc.{room}" for room in ROOMS if room not in ("template", "cchc")]
    others += ["cchc.cli", "cchc.settings", "cchc.labels", "cchc.templating"]
    offending = _offending("template", others)
    assert not offending, "\n".join(offending)


def test_the_walk_sees_lazy_imports(tmp_path: Path):
    """An import inside a function counts, as the night would run it."""
    module = tmp_path / "lazy.py"
    module.write_text("def f():\n    from cchc.transforms.rows import normalise_code\n")
    assert (2, "cchc.transforms.rows") in _imports(module)
