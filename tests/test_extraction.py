"""The thread runner's extraction processes: the same answers as extracting in-process, and a
worker that dies mid-night costs no file."""

import os

import psutil

from flows import steps
from flows.extraction import ExtractionProcesses
from flows.inbox import archive, discover
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
