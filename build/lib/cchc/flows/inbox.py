"""The inbox side of a run, as plain functions: what is there, what is new, keeping the bytes.

Deciding what is new costs a ``stat`` per file and one read of the warehouse, so a night with
nothing new ends before Prefect (seconds to start) is even imported.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cchc.errors import CchcError


class RunInProgress(CchcError):
    """Another ingest holds the warehouse's run lock."""


@dataclass(frozen=True)
class Candidate:
    """A file in the inbox that the warehouse has not recorded with this size and mtime."""

    path: Path
    size: int
    mtime: float


@dataclass(frozen=True)
class Received:
    """A candidate once its bytes are fingerprinted and archived.

    ``received_at`` is when the file arrived in the inbox (its mtime, local time), not when the
    night found it: a report dropped in on the deadline's evening is on time.
    """

    path: Path
    size: int
    mtime: float
    sha256: str
    archive_path: Path
    received_at: datetime


def discover(inbox: Path) -> list[Candidate]:
    """Every regular file under the inbox (hidden files and folders skipped), sorted by path."""
    if not inbox.is_dir():
        raise CchcError(f"{inbox}: no such inbox folder; create it or pass the right path")
    found = []
    for root, folders, files in os.walk(inbox):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(root) / name
            stat = path.stat()
            found.append(Candidate(path.resolve(), stat.st_size, stat.st_mtime))
    return found


def new_candidates(found: list[Candidate],
                   known: dict[str, tuple[int, float, str]]) -> list[Candidate]:
    """The files whose path is unknown, or whose size or mtime changed since it was recorded."""
    return [c for c in found if known.get(str(c.path), (None, None))[:2] != (c.size, c.mtime)]


def fingerprint(path: Path) -> str:
    """SHA-256 of the file, read in chunks (memory stays flat for any size)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def archive(candidate: Candidate, archive_dir: Path) -> Received:
    """Keep the file's bytes under their SHA-256 (ab/abcdef….ext); atomic, written once."""
    sha256 = fingerprint(candidate.path)
    target = archive_dir / sha256[:2] / (sha256 + candidate.path.suffix.lower())
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as temporary:
            with candidate.path.open("rb") as source:
                shutil.copyfileobj(source, temporary)
            temporary.flush()
            os.fsync(temporary.fileno())
        os.replace(temporary.name, target)
    return Received(candidate.path, candidate.size, candidate.mtime, sha256, target,
                    datetime.fromtimestamp(candidate.mtime))


@contextmanager
def run_lock(db: Path) -> Iterator[None]:
    """One ingest at a time per warehouse; a second one is told, not made to wait silently."""
    db.parent.mkdir(parents=True, exist_ok=True)
    lock_path = db.with_name(db.name + ".lock")
    with lock_path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RunInProgress(f"{db}: an ingest is already running ({holder}); this run "
                                "stops here, the next one will pick up what is new") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {datetime.now():%Y-%m-%d %H:%M:%S}")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)
