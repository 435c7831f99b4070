"""Extraction in worker processes, for the thread runner.

Extraction is pure Python (pdfplumber), so the runner's threads would take turns on one core;
each extract task hands its file to one of ``workers`` processes instead and waits for the
answer, which uses every core and keeps pdfplumber's memory out of the flow's process. The
workers import only the extractors, never Prefect, and are replaced every
``FILES_PER_PROCESS`` files so that no process grows through a long night.

A file that brings its process down (a PDF that crashes PDFium) costs only that file: the pool
is replaced, the files that were in flight with it are tried once more in the new one, and a
file that brings a fresh process down too is quarantined with the reason. The other way
round, a worker whose ingest was killed ends itself within a second instead of waiting
forever for work.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from cchc.flows import steps
from cchc.flows.inbox import Received

FILES_PER_PROCESS = 200
WATCH_SECONDS = 1.0
# A reader library that brings its process down twice on one file (PDFium on a damaged PDF) is
# the file's content far more often than cchc's logic: the commune is asked for a new copy, and
# the officer told whom to call if a new copy fails the same way.
CRASHED = ("tệp làm tiến trình đọc của cchc dừng đột ngột (hai lần), có thể tệp bị hỏng; tệp "
           "vẫn được giữ trong kho lưu trữ; đề nghị xã gửi lại tệp (PDF xuất lại từ Word, hoặc "
           "tệp .docx/.xlsx); nếu tệp gửi lại vẫn như vậy, báo cho người quản trị cchc")


class ExtractionProcesses:
    """A pool of extraction processes that survives the death of one of them."""

    def __init__(self, workers: int) -> None:
        # forkserver: the flow's process runs Prefect's threads, which must not be forked.
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["cchc.flows.steps", "cchc.flows.reading"])
        self._workers = workers
        self._lock = threading.Lock()
        self._pool = self._new_pool()

    def extract(self, received: Received, province: str | None = None,
                rules: Path | None = None) -> steps.Extracted:
        """``steps.extract`` of the file in a worker process."""
        for _ in range(2):
            pool = self._pool
            try:
                return pool.submit(steps.extract, received, province, rules).result()
            except BrokenProcessPool:
                self._replace(pool)
        return steps.Extracted(received, reason=CRASHED)

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)

    def __enter__(self) -> ExtractionProcesses:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self._workers, mp_context=self._context,
                                   max_tasks_per_child=FILES_PER_PROCESS,
                                   initializer=_outlive_not, initargs=(os.getpid(),))

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken:
                broken.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()


def _outlive_not(ingest_pid: int) -> None:
    """In each worker: end the process when the ingest that started it is gone (a worker is a
    child of the fork server, not of the ingest, so nothing else tells it)."""

    def watch() -> None:
        while True:
            time.sleep(WATCH_SECONDS)
            try:
                os.kill(ingest_pid, 0)
            except ProcessLookupError:
                os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
