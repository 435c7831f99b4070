"""The thread runner's extraction processes: the same answers as extracting in-process, a
worker that dies mid-night costs no file, and a killed ingest leaves no worker behind."""

import os
import pickle
import subprocess
import sys
from pathlib import Path

import psutil

from cchc.flows import steps
from cchc.flows.extraction import ExtractionProcesses
from cchc.flows.inbox import archive, discover
from tests.ingest_inbox import build_inbox


def _received(tmp_path):
    inbox = build_inbox(tmp_path / "inbox")
    return [archive(candidate, tmp_path / "archive") for candidate in discover(inbox)]


def _workers() -> list[psutil.Process]:
    """The pool's worker processes: children of the forkserver, itself a child of ours."""
    me = psutil.Process(os.getpid())
    return [worker for child in me.children() for worker in child.children()]


def test_files_are_extracted_in_other_processes_with_the_same_result(tmp_path):
    received = _received(tmp_path)
    with ExtractionProcesses(2) as processes:
        extracted = [processes.extract(item) for item in received]
        assert _workers(), "no extraction process was started"
    assert extracted == [steps.extract(item) for item in received]
    assert sum(item.report is not None for item in extracted) == 6


def test_a_worker_killed_mid_night_costs_no_file(tmp_path):
    received = _received(tmp_path)
    with ExtractionProcesses(1) as processes:
        first = processes.extract(received[0])
        workers = _workers()
        assert len(workers) == 1
        workers[0].kill()
        workers[0].wait(timeout=10)
        rest = [processes.extract(item) for item in received[1:]]
        assert _workers() and _workers()[0].pid != workers[0].pid
    assert [first, *rest] == [steps.extract(item) for item in received]


def test_workers_end_when_their_ingest_is_killed(tmp_path):
    """A SIGKILL of the ingest must not leave extraction processes behind, waiting forever."""
    received = _received(tmp_path)
    script = (
        "import pickle, sys, time\n"
        "from flows.extraction import ExtractionProcesses\n"
        "from tests.test_extraction import _workers\n"
        f"item = pickle.loads({pickle.dumps(received[0])!r})\n"
        "processes = ExtractionProcesses(2)\n"
        "processes.extract(item)\n"
        "print(' '.join(str(w.pid) for w in _workers()), flush=True)\n"
        "time.sleep(600)\n")
    ingest = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parent.parent)
    try:
        pids = [int(pid) for pid in ingest.stdout.readline().split()]
        assert pids, "the ingest started no extraction process"
    finally:
        ingest.kill()
        ingest.wait(timeout=10)
    gone, alive = psutil.wait_procs([psutil.Process(pid) for pid in pids], timeout=10)
    assert alive == [] and len(gone) == len(pids)
