"""Damaged copies of the committed fixtures, as mail servers and USB sticks make them.

Each case is one seeded mutation of one fixture report (every format): bytes flipped, the file
cut short (for text, often in the middle of a character), a chunk repeated, a chunk of another
fixture spliced in, or, for the zip formats (XLSX, DOCX), one member of the archive damaged and
the archive written again, so that the damage reaches the XML parser rather than the zip
reader. Each case goes through the real ``read_report``; the only outcomes allowed are a report
or cchc's own UnreadableReport. ``tests/test_fuzz.py`` runs a short series under ``make test``;

    python -m tests.fuzz --n 5000

(``make fuzz N=5000``) runs a long one, each case in a forked process (two at a time) so that its
time and peak memory are its own, and prints cases, refusals, worst time and worst memory.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import random
import sys
import tempfile
import time
import traceback
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from tests.shipped import TEMPLATE

FIXTURES = Path(__file__).parent / "fixtures" / "reports"
SUFFIXES = (".pdf", ".xlsx", ".docx", ".txt")


@dataclass(frozen=True)
class Case:
    """One damaged file: which fixture, what was done to it, the bytes."""

    number: int
    source: str
    mutation: str
    data: bytes

    @property
    def suffix(self) -> str:
        return Path(self.source).suffix


def fixtures() -> list[Path]:
    """Every committed fixture report, in a stable order."""
    return sorted(p for p in FIXTURES.iterdir() if p.suffix in SUFFIXES)


def cases(n: int, seed: int = 0) -> Iterator[Case]:
    """``n`` damaged files, the same for the same seed; the fixtures taken in turn."""
    sources = [(p.name, p.read_bytes()) for p in fixtures()]
    rng = random.Random(seed)
    for number in range(n):
        name, data = sources[number % len(sources)]
        _, other = rng.choice(sources)
        mutation, damaged = mutate(data, other, rng)
        yield Case(number, name, mutation, damaged)


def mutate(data: bytes, other: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One random kind of damage; zip files get their members damaged half the time."""
    if data.startswith(b"PK\x03\x04") and rng.random() < 0.5:
        return _damage_member(data, rng)
    kind = rng.choice(("flip", "cut", "repeat", "splice"))
    return kind, _damage(kind, data, other, rng)


def _damage(kind: str, data: bytes, other: bytes, rng: random.Random) -> bytes:
    size = len(data)
    if kind == "flip":
        out = bytearray(data)
        for _ in range(rng.choice((1, 2, 8, 64))):
            out[rng.randrange(size)] ^= 1 << rng.randrange(8)
        return bytes(out)
    if kind == "cut":
        return data[: rng.randrange(1, size)]
    start = rng.randrange(size)
    length = rng.randrange(1, max(2, size // rng.choice((4, 32, 512))))
    if kind == "repeat":
        chunk = data[start: start + length]
        return data[: start + length] + chunk * rng.choice((1, 2, 5)) + data[start + length:]
    begin = rng.randrange(len(other))
    return data[:start] + other[begin: begin + length] + data[start + rng.choice((0, length)):]


def _damage_member(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """Damage one member's content (flipped, cut, repeated) and zip the archive again."""
    source = zipfile.ZipFile(io.BytesIO(data))
    members = source.infolist()
    target = rng.choice(members)
    kind = rng.choice(("flip", "cut", "repeat"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in members:
            content = source.read(member)
            if member is target and content:
                content = _damage(kind, content, content, rng)
            archive.writestr(member.filename, content)
    return f"member-{kind}:{target.filename}", out.getvalue()


@dataclass(frozen=True)
class Outcome:
    """What reading one case gave: "extracted", "refused" or "failed" (anything else)."""

    kind: str
    detail: str
    seconds: float
    peak_kib: int = 0


def run_case(case: Case, folder: Path) -> Outcome:
    """Read the case through the real path, in this process."""
    from cchc.errors import UnreadableReport
    from cchc.flows.reading import read_report

    path = folder / f"case_{case.number}{case.suffix}"
    path.write_bytes(case.data)
    start = time.perf_counter()
    try:
        read_report(path, TEMPLATE)
        kind, detail = "extracted", ""
    except UnreadableReport as exc:
        kind, detail = "refused", exc.reason
    except Exception:
        kind, detail = "failed", traceback.format_exc()
    finally:
        path.unlink()
    return Outcome(kind, detail, time.perf_counter() - start)


@dataclass
class _Child:
    """A case being read in a forked process, and what it has written back so far."""

    case: Case
    pid: int
    pipe: int
    started: float
    chunks: list[bytes]


def _fork(case: Case, folder: Path) -> _Child:
    """Start reading the case in a child process (its own time and peak memory)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: read, report, leave without running the parent's cleanups
        os.close(read)
        code = 0
        try:
            outcome = run_case(case, folder)
            os.write(write, f"{outcome.kind}\n{outcome.detail}".encode()[:60000])
        except BaseException:
            code = 3
        finally:
            os._exit(code)
    os.close(write)
    os.set_blocking(read, False)
    return _Child(case, pid, read, time.perf_counter(), [])


def _poll(child: _Child, timeout: float) -> Outcome | None:
    """The child's outcome once it has ended (or been killed as hung), else None."""
    with suppress(BlockingIOError):
        while chunk := os.read(child.pipe, 65536):
            child.chunks.append(chunk)
    done, status, usage = os.wait4(child.pid, os.WNOHANG)
    seconds = time.perf_counter() - child.started
    if not done:
        if seconds <= timeout:
            return None
        os.kill(child.pid, 9)
        os.wait4(child.pid, 0)
        os.close(child.pipe)
        return Outcome("failed", f"hang: no answer in {timeout:.0f} s", seconds)
    os.set_blocking(child.pipe, True)
    while chunk := os.read(child.pipe, 65536):
        child.chunks.append(chunk)
    os.close(child.pipe)
    text = b"".join(child.chunks).decode(errors="replace")
    if not text or os.waitstatus_to_exitcode(status) != 0:
        return Outcome("failed", f"process ended with status {status}", seconds, usage.ru_maxrss)
    kind, _, detail = text.partition("\n")
    return Outcome(kind, detail, seconds, usage.ru_maxrss)


def run_forked(todo: Iterator[Case], folder: Path, timeout: float,
               jobs: int) -> Iterator[tuple[Case, Outcome]]:
    """Each case read in its own forked process, ``jobs`` at a time."""
    running: list[_Child] = []
    todo = iter(todo)
    while True:
        while len(running) < jobs and (case := next(todo, None)) is not None:
            running.append(_fork(case, folder))
        if not running:
            return
        for child in list(running):
            outcome = _poll(child, timeout)
            if outcome is not None:
                running.remove(child)
                yield child.case, outcome
        time.sleep(0.005)


@dataclass
class Tally:
    """The figures of a run so far: outcomes, and the worst time and memory with their case."""

    kinds: Counter[str]
    worst_time: tuple[float, str] = (0.0, "")
    worst_memory: tuple[int, str] = (0, "")

    def add(self, case: Case, outcome: Outcome) -> None:
        label = f"#{case.number} {case.source} {case.mutation}"
        self.kinds[outcome.kind] += 1
        self.worst_time = max(self.worst_time, (outcome.seconds, label))
        self.worst_memory = max(self.worst_memory, (outcome.peak_kib, label))
        if outcome.kind == "failed":
            print(f"FAILED {label}\n{outcome.detail}", file=sys.stderr, flush=True)

    def report(self) -> str:
        return (f"cases: {sum(self.kinds.values())}; extracted: {self.kinds['extracted']}, "
                f"refused: {self.kinds['refused']}, failed (traceback, crash or hang): "
                f"{self.kinds['failed']}\n"
                f"worst time: {self.worst_time[0]:.2f} s ({self.worst_time[1]})\n"
                f"worst memory: {self.worst_memory[0] / 1024:.0f} MiB peak resident "
                f"({self.worst_memory[1]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=300,
                        help="seconds after which a case counts as a hang")
    parser.add_argument("--jobs", type=int, default=2, help="cases read at once")
    args = parser.parse_args()
    # Everything a case may need is imported once, before the forks: each case then costs only
    # its reading, and edits to the checkout during a long run do not reach it.
    for module in ("cchc.flows.reading", "cchc.extractors.pdf_report",
                   "cchc.extractors.xlsx_report", "cchc.extractors.text_report",
                   "cchc.extractors.docx_report", "pdfplumber", "pypdfium2", "openpyxl", "docx"):
        importlib.import_module(module)
    tally = Tally(Counter())
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        todo = cases(args.n, args.seed)
        for done, (case, outcome) in enumerate(
                run_forked(todo, Path(folder), args.timeout, args.jobs), start=1):
            tally.add(case, outcome)
            if done % 100 == 0:  # the figures so far, should a long run have to be stopped
                print(f"... after {time.perf_counter() - started:.0f} s: {tally.report()}",
                      file=sys.stderr, flush=True)
    print(f"seed {args.seed}, {args.jobs} at a time, in {time.perf_counter() - started:.0f} s")
    print(tally.report())
    sys.exit(1 if tally.kinds["failed"] else 0)


if __name__ == "__main__":
    main()
